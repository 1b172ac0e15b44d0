package web

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"inspectrack/internal/domain"
)

// storyFinding is the seeded story's recommendation.
func storyFinding(t *testing.T, ts *testServer) int64 {
	t.Helper()
	return int64(countRows(t, ts, `SELECT fi.id::int FROM findings fi JOIN reports r ON r.id = fi.report_id
		WHERE r.title = 'PEEL: police legitimacy 2016' AND fi.kind = 'recommendation'`))
}

// overviewFromPage reads the categories (label -> forces) and the matrix
// (force -> category label and finding labels) off the overview page.
func overviewFromPage(t *testing.T, doc *goquery.Document) (map[string][]string, map[string][]string) {
	t.Helper()
	cats := map[string][]string{}
	doc.Find(`[data-testid=categories] tbody tr`).Each(func(_ int, tr *goquery.Selection) {
		label := strings.TrimSpace(tr.Find("th").Text())
		forces := []string{}
		tr.Find(`[data-testid=force]`).Each(func(_ int, a *goquery.Selection) { forces = append(forces, a.Text()) })
		if n, _ := strconv.Atoi(strings.TrimSpace(tr.Find(`[data-testid=count]`).Text())); n != len(forces) {
			t.Errorf("%s: count %d, %d forces named", label, n, len(forces))
		}
		cats[label] = forces
	})
	matrix := map[string][]string{}
	doc.Find(`[data-testid=matrix-row]`).Each(func(_ int, tr *goquery.Selection) {
		row := []string{strings.TrimSpace(tr.Find(`[data-testid=matrix-category]`).Text())}
		tr.Find(`[data-testid=matrix-finding]`).Each(func(_ int, td *goquery.Selection) { row = append(row, strings.TrimSpace(td.Text())) })
		matrix[strings.TrimSpace(tr.Find("th").Text())] = row
	})
	return cats, matrix
}

func TestNationalOverviewShowsTheRealCountsAndAgreesWithCSVAndJSON(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := storyFinding(t, ts)
	base := overviewHref(id, "")
	anon := ts.anon()

	page := anon.get(base)
	wantStatus(t, page, http.StatusOK)
	doc := page.doc(t)
	cats, matrix := overviewFromPage(t, doc)
	want := map[string]int{
		"Insufficient information":                  11,
		"Plan in place, implementation not started": 15,
		"Plan in place, implementation started":     15,
		"All elements in place":                     2,
	}
	for label, n := range want {
		if len(cats[label]) != n {
			t.Errorf("%s: %d forces, want %d", label, len(cats[label]), n)
		}
	}
	if got := cats["All elements in place"]; !slices.Equal(got, []string{"Derbyshire Constabulary", "Merseyside Police"}) {
		t.Errorf("all elements in place: %v, want Derbyshire and Merseyside", got)
	}
	if !slices.Contains(cats["Plan in place, implementation started"], "Leicestershire Police") {
		t.Error("Leicestershire is not in 'implementation started'")
	}
	if len(matrix) != 43 {
		t.Errorf("%d forces in the table, want 43", len(matrix))
	}
	if got := matrix["Leicestershire Police"]; !slices.Equal(got, []string{"Plan in place, implementation started", "Not met", "Partially met", "No evidence", "No evidence"}) {
		t.Errorf("Leicestershire's row: %v", got)
	}
	if !strings.Contains(doc.Find(`[data-testid=assessed]`).Text(), "43 of 43 forces") {
		t.Error("the page does not say how many forces are assessed")
	}

	// CSV: the same forces, categories and findings.
	res := anon.get(overviewHref(id, ".csv"))
	wantStatus(t, res, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("CSV Content-Type %q", ct)
	}
	records, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := records[0]
	if !slices.Equal(header[:4], []string{"force_code", "force", "region", "category"}) || header[len(header)-1] != "letter" {
		t.Errorf("CSV header %v", header)
	}
	var pageCriteria []string
	doc.Find(`[data-testid=matrix] thead th`).Each(func(i int, th *goquery.Selection) {
		if i >= 2 {
			pageCriteria = append(pageCriteria, strings.TrimSpace(th.Text()))
		}
	})
	if !slices.Equal(header[4:len(header)-1], pageCriteria) {
		t.Errorf("CSV criteria %v, page %v", header[4:len(header)-1], pageCriteria)
	}
	csvCats := map[string][]string{}
	for _, rec := range records[1:] {
		row := append([]string{rec[3]}, rec[4:len(rec)-1]...)
		if !slices.Equal(row, matrix[rec[1]]) {
			t.Errorf("CSV row of %s %v, page %v", rec[1], row, matrix[rec[1]])
		}
		csvCats[rec[3]] = append(csvCats[rec[3]], rec[1])
	}
	if len(records)-1 != len(matrix) {
		t.Errorf("CSV has %d forces, page %d", len(records)-1, len(matrix))
	}
	for label, forces := range cats {
		got := csvCats[label]
		sort.Strings(got)
		if !slices.Equal(got, forces) {
			t.Errorf("CSV %s: %v, page %v", label, got, forces)
		}
	}

	// JSON: the same again.
	res = anon.get(overviewHref(id, ".json"))
	wantStatus(t, res, http.StatusOK)
	var d OverviewData
	if err := json.Unmarshal([]byte(res.Body), &d); err != nil {
		t.Fatal(err)
	}
	if d.ForcesInScope != 43 || d.Assessed != 43 || d.PublishedAt == nil {
		t.Errorf("JSON head: %d in scope, %d assessed, published %v", d.ForcesInScope, d.Assessed, d.PublishedAt)
	}
	if !slices.Equal(d.Criteria, pageCriteria) {
		t.Errorf("JSON criteria %v, page %v", d.Criteria, pageCriteria)
	}
	for _, c := range d.Categories {
		if c.Count != len(c.Forces) || !slices.Equal(c.Forces, cats[c.Label]) {
			t.Errorf("JSON %s: %d %v, page %v", c.Label, c.Count, c.Forces, cats[c.Label])
		}
		if want[c.Label] != c.Count {
			t.Errorf("JSON %s: %d, want %d", c.Label, c.Count, want[c.Label])
		}
	}
	if len(d.Forces) != len(matrix) {
		t.Errorf("JSON has %d forces, page %d", len(d.Forces), len(matrix))
	}
	for _, f := range d.Forces {
		row := []string{f.CategoryLabel}
		for _, x := range f.Findings {
			row = append(row, findingTag(domain.CriterionFinding(x)).Label)
		}
		if !slices.Equal(row, matrix[f.Name]) {
			t.Errorf("JSON row of %s %v, page %v", f.Name, row, matrix[f.Name])
		}
	}
	wantStatus(t, anon.get(d.Forces[0].Letter), http.StatusOK)
}

func TestPublicationsListsPublishedLettersByReportAndForce(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	res := ts.anon().get("/publications")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if n := doc.Find(`[data-testid=publications] tbody tr`).Length(); n != 43 {
		t.Errorf("%d letters listed, want 43", n)
	}
	group := doc.Find(`[data-testid=publication-group]`).First().Text()
	inOrder(t, "publications", group, "PEEL: police legitimacy 2016", "National overview", "Avon and Somerset Constabulary", "2 October 2017", "Wiltshire Police")
	if doc.Find(`[data-testid=your-letters]`).Length() != 0 {
		t.Error("the public is shown a liaison's section")
	}
	own := ts.as("liaison.sussex@demo.test").get("/publications").doc(t)
	if got := strings.TrimSpace(own.Find(`[data-testid=your-letters]`).Text()); !strings.HasPrefix(got, "Sussex Police") {
		t.Errorf("the Sussex liaison's letters: %q", got)
	}
}

// TestAssessmentLetterAndPublicationRoutesForEveryRole walks the routes of
// assessments, letters and publications for every role: the status each
// gets. Denied: 404 when signed in (as if the page did not
// exist), a redirect to sign in (GET) or 403 (POST) when signed out.
func TestAssessmentLetterAndPublicationRoutesForEveryRole(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	story := storyFinding(t, ts)
	leics := storyCase(t, ts, "leicestershire")
	letterID := countRows(t, ts, `SELECT l.id::int FROM letters l JOIN assessments a ON a.id = l.assessment_id WHERE a.case_id = $1`, leics)
	f := newRecommendation(t, ts)
	pub := "/publications/" + strconv.Itoa(letterID)
	ov := overviewHref(story, "")
	tpl := templateHref(story)
	draftOverview := overviewHref(f.findingID, "")

	const (
		login = -1 // redirect to /login
		deny  = http.StatusNotFound
	)
	roles := []string{"public", "admin", "manager", "inspector", "liaison.leicestershire", "liaison.sussex"}
	type row struct {
		method, path string
		want         []int // per role, in the order of roles
	}
	ok := http.StatusOK
	rows := []row{
		{"GET", "/assessments", []int{login, deny, ok, ok, deny, deny}},
		{"GET", "/assessments/approve", []int{login, deny, ok, deny, deny, deny}},
		{"GET", path(leics, "/assessment"), []int{login, deny, ok, ok, deny, deny}},
		{"GET", path(leics, "/assessment/edit"), []int{login, deny, deny, http.StatusConflict, deny, deny}},
		{"GET", path(f.sussex, "/assessment/edit"), []int{login, deny, deny, ok, deny, deny}},
		{"GET", path(leics, "/letter"), []int{login, deny, ok, ok, deny, deny}},
		{"GET", path(leics, "/letter.pdf"), []int{login, deny, ok, ok, deny, deny}},
		{"GET", path(leics, "/letter/edit"), []int{login, deny, deny, http.StatusConflict, deny, deny}},
		{"GET", tpl, []int{login, deny, ok, ok, deny, deny}},
		{"GET", "/publications", []int{ok, ok, ok, ok, ok, ok}},
		{"GET", pub, []int{ok, ok, ok, ok, ok, ok}},
		{"GET", pub + ".pdf", []int{ok, ok, ok, ok, ok, ok}},
		{"GET", "/publications/999999", []int{deny, deny, deny, deny, deny, deny}},
		{"GET", "/publications/abc", []int{deny, deny, deny, deny, deny, deny}},
		{"GET", ov, []int{ok, ok, ok, ok, ok, ok}},
		{"GET", ov + ".csv", []int{ok, ok, ok, ok, ok, ok}},
		{"GET", ov + ".json", []int{ok, ok, ok, ok, ok, ok}},
		{"GET", draftOverview, []int{deny, deny, ok, ok, deny, deny}},
		{"GET", draftOverview + ".csv", []int{deny, deny, ok, ok, deny, deny}},
		{"GET", draftOverview + ".json", []int{deny, deny, ok, ok, deny, deny}},
		// Changes: the status of an empty or stale form where allowed.
		{"POST", path(f.leics, "/assessment"), []int{http.StatusForbidden, deny, deny, 422, deny, deny}},
		{"POST", path(leics, "/assessment/submit"), []int{http.StatusForbidden, deny, deny, http.StatusConflict, deny, deny}},
		{"POST", path(leics, "/assessment/return"), []int{http.StatusForbidden, deny, http.StatusConflict, deny, deny, deny}},
		{"POST", path(leics, "/assessment/approve"), []int{http.StatusForbidden, deny, http.StatusConflict, deny, deny, deny}},
		{"POST", path(leics, "/assessment/publish"), []int{http.StatusForbidden, deny, http.StatusConflict, deny, deny, deny}},
		{"POST", "/assessments/approve", []int{http.StatusForbidden, deny, 422, deny, deny, deny}},
		{"POST", path(leics, "/letter"), []int{http.StatusForbidden, deny, deny, http.StatusConflict, deny, deny}},
		{"POST", tpl, []int{http.StatusForbidden, deny, 422, 422, deny, deny}},
		{"POST", ov + "/publish", []int{http.StatusForbidden, deny, http.StatusSeeOther, deny, deny, deny}},
	}
	clients := map[string]*client{"public": ts.anon()}
	for _, role := range roles[1:] {
		clients[role] = ts.as(role + "@demo.test")
	}
	for _, r := range rows {
		for i, role := range roles {
			c := clients[role]
			var res response
			if r.method == "GET" {
				res = c.get(r.path)
			} else {
				res = c.post(r.path, url.Values{})
			}
			want := r.want[i]
			if want == login {
				if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
					t.Errorf("%s %s as %s: %d %s, want a redirect to sign in", r.method, r.path, role, res.StatusCode, res.Header.Get("Location"))
				}
				continue
			}
			if res.StatusCode != want {
				t.Errorf("%s %s as %s: %d, want %d", r.method, r.path, role, res.StatusCode, want)
			}
		}
	}
	// The walk above covers every route this issue added.
	for key := range ts.srv.rules {
		if strings.Contains(key, "/assessment") || strings.Contains(key, "/letter") || strings.Contains(key, "/publications") {
			found := false
			for _, r := range rows {
				if r.method+" "+routePattern(r.path) == key {
					found = true
				}
			}
			if !found {
				t.Errorf("route %s is not in the table", key)
			}
		}
	}
}

// routePattern turns a concrete path back into its route pattern.
func routePattern(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		num, suffix, _ := strings.Cut(part, ".")
		if _, err := strconv.Atoi(num); err == nil || num == "abc" {
			parts[i] = "{id}"
			if suffix != "" {
				parts[i] += "." + suffix
			}
		}
	}
	return strings.Join(parts, "/")
}
