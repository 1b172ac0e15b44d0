// A function of the rule tags that runs axe-core (already injected as
// window.axe) on the whole document and resolves to the violations in the
// shape browsertest.Violation decodes. The harness evaluates it through
// DevTools, so it runs with the page's own scripts off and under any CSP.
async (tags) => {
  const results = await axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact || "",
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.map((t) => (Array.isArray(t) ? t.join(" >>> ") : String(t))).join(", "),
      html: n.html,
      summary: n.failureSummary || "",
    })),
  }));
}
