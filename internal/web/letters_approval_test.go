package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"inspectrack/internal/letter"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// withLetterFacts records what f's letters need beyond the assessment: the
// names of Sussex's and Leicestershire's chief constables and police and
// crime commissioners, and a contact and signatory the letters start with.
func (f fresh) withLetterFacts(t *testing.T, ts *testServer) fresh {
	t.Helper()
	testdb.Exec(t, ts.store.Pool(), `UPDATE forces SET chief_officer_name = CASE code WHEN 'sussex' THEN 'Jo Shaw' ELSE 'Rob Nixon' END,
		oversight_holder_name = CASE code WHEN 'sussex' THEN 'Katy Bourne' ELSE 'Rupert Matthews' END
		WHERE code IN ('sussex', 'leicestershire')`)
	tmpl := store.LetterTemplate{FindingID: f.findingID, Wording: letter.DefaultTemplate(), Defaults: store.LetterDetails{
		ContactName: "Jo Contact", ContactEmail: "jo.contact@example.org", ContactPhone: "020 7946 0000",
		SignatoryName: "A Signatory", SignatoryTitles: "HM Inspector"}}
	if err := ts.store.SaveLetterTemplate(context.Background(), store.Actor{}, tmpl, ts.clock()); err != nil {
		t.Fatal(err)
	}
	return f
}

// submitted records the assessment of caseID as the inspector and submits
// it for approval; it returns the submitted row.
func submitted(t *testing.T, ts *testServer, f fresh, caseID int64, narrative string) assessmentRow {
	t.Helper()
	inspector := ts.as("inspector@demo.test")
	a := record(t, inspector, f, caseID, narrative)
	wantStatus(t, step(inspector, caseID, "submit", a.version, ""), http.StatusSeeOther)
	a, _ = assessmentOf(t, ts, caseID)
	if a.state != "submitted" {
		t.Fatalf("after submitting: %+v", a)
	}
	return a
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// frozenLetter is the letter text frozen when caseID's assessment was
// submitted, and the hash its approval recorded ("" before approval).
func frozenLetter(t *testing.T, ts *testServer, caseID int64) (text, approved string) {
	t.Helper()
	err := ts.store.Pool().QueryRow(context.Background(), `SELECT COALESCE(l.frozen_text, ''), COALESCE(l.approved_sha256, '')
		FROM letters l JOIN assessments a ON a.id = l.assessment_id WHERE a.case_id = $1`, caseID).Scan(&text, &approved)
	if err != nil {
		t.Fatal(err)
	}
	return text, approved
}

func TestManagerApprovesTheExactTextFrozenAtSubmission(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.now = time.Date(2024, 4, 2, 10, 0, 0, 0, time.UTC)
	f := newRecommendation(t, ts).withLetterFacts(t, ts)
	manager := ts.as("manager@demo.test")
	a := submitted(t, ts, f, f.sussex, "Sussex did well")

	text, _ := frozenLetter(t, ts, f.sussex)
	for _, want := range []string{"Chief Constable Jo Shaw", "Katy Bourne", "Sussex did well 1."} {
		if !strings.Contains(text, want) {
			t.Errorf("frozen letter lacks %q:\n%s", want, text)
		}
	}
	page := manager.get(path(f.sussex, "/letter"))
	wantStatus(t, page, http.StatusOK)
	if got := strings.TrimSpace(page.doc(t).Find(`[data-testid=letter-sha256]`).Text()); got != sha256Hex(text) {
		t.Errorf("the letter page shows hash %q, want %q of the frozen text", got, sha256Hex(text))
	}
	wantStatus(t, step(manager, f.sussex, "approve", a.version, "Good"), http.StatusSeeOther)
	if _, approved := frozenLetter(t, ts, f.sussex); approved != sha256Hex(text) {
		t.Errorf("approval stored hash %q, want %q", approved, sha256Hex(text))
	}
	if n := countRows(t, ts, `SELECT count(*) FROM assessment_events WHERE assessment_id = $1 AND action = 'approve' AND text_sha256 = $2`,
		a.id, sha256Hex(text)); n != 1 {
		t.Error("the approval event does not carry the hash of the approved text")
	}
	ts.now = ts.now.Add(24 * time.Hour)
	manager = ts.as("manager@demo.test") // a day idle: signed out
	wantStatus(t, step(manager, f.sussex, "publish", a.version+1, ""), http.StatusSeeOther)
	var published string
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT l.composed_text FROM letters l JOIN assessments a ON a.id = l.assessment_id
		WHERE a.case_id = $1 AND l.published_at IS NOT NULL`, f.sussex).Scan(&published); err != nil {
		t.Fatal(err)
	}
	// The approved letter was undated: publishing dates it, and changes nothing else.
	if want := strings.Replace(text, "\n\nDear", "\n\n3 April 2024\n\nDear", 1); published != want {
		t.Errorf("published text is not the approved text dated:\n%s\n--- approved ---\n%s", published, text)
	}
}

func TestApprovedLetterWhoseInputsChangeNeverReachesPublications(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.now = time.Date(2024, 4, 2, 10, 0, 0, 0, time.UTC)
	f := newRecommendation(t, ts).withLetterFacts(t, ts)
	inspector := ts.as("inspector@demo.test")
	manager := ts.as("manager@demo.test")
	sussex := submitted(t, ts, f, f.sussex, "Sussex did well")
	leics := submitted(t, ts, f, f.leics, "Leicestershire did well")
	wantStatus(t, step(manager, f.sussex, "approve", sussex.version, ""), http.StatusSeeOther)
	wantStatus(t, step(manager, f.leics, "approve", leics.version, ""), http.StatusSeeOther)

	// After approval the wording changes, and so does Leicestershire's
	// chief constable.
	form := url.Values{"version": {"1"}, "action": {"save"}}
	for _, fl := range letter.Fields {
		form.Set(fl.Key, fl.Get(letter.DefaultTemplate()))
	}
	form.Set("body", "Wording nobody approved. {{findings}}\n\nPlease contact {{contact_name}} at {{contact_email}} or on {{contact_phone}}.")
	form.Set("contact_name", "Jo Contact")
	form.Set("contact_email", "jo.contact@example.org")
	form.Set("contact_phone", "020 7946 0000")
	form.Set("signatory_name", "A Signatory")
	// Saving the wording sends both approved letters back at once.
	wantStatus(t, inspector.post(templateHref(f.findingID), form), http.StatusSeeOther)
	for _, a := range []assessmentRow{sussex, leics} {
		if n := countRows(t, ts, `SELECT count(*) FROM assessments a JOIN assessment_events e ON e.assessment_id = a.id
			WHERE a.id = $1 AND a.state = 'returned' AND e.action = 'return' AND e.comment LIKE '%wording of this recommendation’s letters changed%'`, a.id); n != 1 {
			t.Errorf("assessment %d not returned with a note saying the wording changed", a.id)
		}
	}
	res := manager.post(path(f.sussex, "/assessment/publish"), url.Values{"version": {strconv.Itoa(sussex.version + 1)}})
	wantStatus(t, res, http.StatusConflict)

	// Resubmitted and approved with the new wording, Leicestershire's
	// letter names its chief constable; a new name sends it back too.
	leics, _ = assessmentOf(t, ts, f.leics)
	wantStatus(t, step(inspector, f.leics, "submit", leics.version, ""), http.StatusSeeOther)
	wantStatus(t, step(manager, f.leics, "approve", leics.version+1, ""), http.StatusSeeOther)
	var names = url.Values{"chief_officer_name": {"Someone Else"}, "oversight_holder_name": {"Rupert Matthews"}}
	wantStatus(t, inspector.post("/forces/leicestershire", names), http.StatusSeeOther)
	if n := countRows(t, ts, `SELECT count(*) FROM assessments a JOIN assessment_events e ON e.assessment_id = a.id
		WHERE a.id = $1 AND a.state = 'returned' AND e.action = 'return' AND e.comment LIKE '%force’s names changed%'`, leics.id); n != 1 {
		t.Error("Leicestershire not returned with a note saying the force's names changed")
	}
	res = manager.post(path(f.leics, "/assessment/publish"), url.Values{"version": {strconv.Itoa(leics.version + 2)}})
	wantStatus(t, res, http.StatusConflict)

	if n := countRows(t, ts, `SELECT count(*) FROM letters l JOIN assessments a ON a.id = l.assessment_id
		WHERE a.case_id IN ($1, $2) AND l.published_at IS NOT NULL`, f.sussex, f.leics); n != 0 {
		t.Errorf("%d letters published with text nobody approved", n)
	}
	pubs := ts.anon().get("/publications")
	wantStatus(t, pubs, http.StatusOK)
	for _, unwanted := range []string{"Wording nobody approved", "Someone Else", "Test report 2024"} {
		if strings.Contains(pubs.Body, unwanted) {
			t.Errorf("/publications shows %q", unwanted)
		}
	}
}

// errorLinks are the error summary's messages and where each links to.
func errorLinks(t *testing.T, doc *goquery.Document) map[string]string {
	t.Helper()
	links := map[string]string{}
	doc.Find(".govuk-error-summary a").Each(func(_ int, a *goquery.Selection) {
		links[strings.TrimSpace(a.Text())], _ = a.Attr("href")
	})
	return links
}

func TestLetterMissingItsAddresseeNameCannotBeApprovedOrPublished(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.now = time.Date(2024, 4, 2, 10, 0, 0, 0, time.UTC)
	f := newRecommendation(t, ts).withLetterFacts(t, ts)
	testdb.Exec(t, ts.store.Pool(), `UPDATE forces SET chief_officer_name = '', oversight_holder_name = '' WHERE code = 'sussex'`)
	manager := ts.as("manager@demo.test")
	a := submitted(t, ts, f, f.sussex, "Sussex did well")

	res := step(manager, f.sussex, "approve", a.version, "")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	links := errorLinks(t, res.doc(t))
	for msg, href := range map[string]string{
		"Enter the chief constable’s name":               "/forces/sussex/edit#chief_officer_name",
		"Enter the police and crime commissioner’s name": "/forces/sussex/edit#oversight_holder_name",
	} {
		if links[msg] != href {
			t.Errorf("error summary: %q links to %q, want %q (links %v)", msg, links[msg], href, links)
		}
	}
	if strings.Contains(res.Body, "{{") {
		t.Error("the page shows raw template syntax")
	}
	if got, _ := assessmentOf(t, ts, f.sussex); got.state != "submitted" || got.version != a.version {
		t.Errorf("a refused approval changed the assessment: %+v", got)
	}

	// An approved letter whose addressee's name is then lost is not published.
	testdb.Exec(t, ts.store.Pool(), `UPDATE forces SET chief_officer_name = 'Jo Shaw', oversight_holder_name = 'Katy Bourne' WHERE code = 'sussex'`)
	res = step(manager, f.sussex, "approve", a.version, "")
	wantStatus(t, res, http.StatusConflict) // the names came after submission: back to the inspector
	a, _ = assessmentOf(t, ts, f.sussex)
	wantStatus(t, step(ts.as("inspector@demo.test"), f.sussex, "submit", a.version, ""), http.StatusSeeOther)
	wantStatus(t, step(manager, f.sussex, "approve", a.version+1, ""), http.StatusSeeOther)
	testdb.Exec(t, ts.store.Pool(), `UPDATE forces SET chief_officer_name = '' WHERE code = 'sussex'`)
	res = step(manager, f.sussex, "publish", a.version+2, "")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if href := errorLinks(t, res.doc(t))["Enter the chief constable’s name"]; href != "/forces/sussex/edit#chief_officer_name" {
		t.Errorf("publish refusal links the missing name to %q", href)
	}
	if n := countRows(t, ts, `SELECT count(*) FROM letters WHERE assessment_id = $1 AND published_at IS NOT NULL`, a.id); n != 0 {
		t.Error("a letter missing its addressee's name was published")
	}
}

func TestFindingsWrittenAsOneParagraphReplaceTheNarrativesInTheLetter(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.now = time.Date(2024, 4, 2, 10, 0, 0, 0, time.UTC)
	f := newRecommendation(t, ts).withLetterFacts(t, ts)
	inspector, manager := ts.as("inspector@demo.test"), ts.as("manager@demo.test")

	// No narrative and no paragraph: saved as a draft, but its letter lacks
	// its findings, so it cannot be approved.
	form := f.assessmentForm(0, "Unused")
	for _, id := range f.criteria {
		form.Set(fmt.Sprintf("narrative-%d", id), "")
	}
	wantStatus(t, inspector.post(path(f.sussex, "/assessment"), form), http.StatusSeeOther)
	wantStatus(t, step(inspector, f.sussex, "submit", 1, ""), http.StatusSeeOther)
	res := step(manager, f.sussex, "approve", 2, "")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	msg := "Enter the findings: a narrative for each criterion, or the findings as one paragraph"
	if href := errorLinks(t, res.doc(t))[msg]; href != path(f.sussex, "/assessment/edit#findings_paragraph") {
		t.Errorf("error summary: %q links to %q (links %v)", msg, href, errorLinks(t, res.doc(t)))
	}

	// The paragraph, written with its own line breaks, is the letter's
	// findings; the narratives (one still typed) are not.
	wantStatus(t, step(manager, f.sussex, "return", 2, "Write the findings"), http.StatusSeeOther)
	form.Set("version", "3")
	form.Set(fmt.Sprintf("narrative-%d", f.criteria[0]), "A narrative left in.")
	form.Set("findings_paragraph", "Sussex has a plan,\r\n  and has started on it.")
	wantStatus(t, inspector.post(path(f.sussex, "/assessment"), form), http.StatusSeeOther)
	page := inspector.get(path(f.sussex, "/assessment")).doc(t)
	if got := page.Find(`[data-testid=findings-paragraph]`).Text(); !strings.Contains(got, "and has started on it.") {
		t.Errorf("the assessment page does not show the paragraph: %q", got)
	}
	edit := inspector.get(path(f.sussex, "/assessment/edit")).doc(t)
	if got := edit.Find(`#findings_paragraph`).Text(); !strings.Contains(got, "Sussex has a plan,") {
		t.Errorf("the edit form does not keep the paragraph: %q", got)
	}
	a, _ := assessmentOf(t, ts, f.sussex)
	wantStatus(t, step(inspector, f.sussex, "submit", a.version, ""), http.StatusSeeOther)
	wantStatus(t, step(manager, f.sussex, "approve", a.version+1, ""), http.StatusSeeOther)
	wantStatus(t, step(manager, f.sussex, "publish", a.version+2, ""), http.StatusSeeOther)
	var text string
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT l.composed_text FROM letters l JOIN assessments a ON a.id = l.assessment_id
		WHERE a.case_id = $1 AND l.published_at IS NOT NULL`, f.sussex).Scan(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Sussex has a plan, and has started on it.") {
		t.Errorf("the letter lacks the findings paragraph:\n%s", text)
	}
	if strings.Contains(text, "A narrative left in.") {
		t.Errorf("the letter has a narrative the paragraph replaced:\n%s", text)
	}
}

func TestLetterPageShowsTheAddresseeNamesWithWhereToChangeThem(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	f := newRecommendation(t, ts)
	inspector := ts.as("inspector@demo.test")
	record(t, inspector, f, f.sussex, "Sussex did well")
	res := inspector.get(path(f.sussex, "/letter"))
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if strings.Contains(doc.Find("main").Text(), "{{") {
		t.Error("the letter page shows raw template syntax")
	}
	if href, _ := doc.Find(`[data-testid=missing-facts] a:contains("Enter the chief constable’s name")`).Attr("href"); href != "/forces/sussex/edit#chief_officer_name" {
		t.Errorf("the missing chief constable's name links to %q", href)
	}
	if doc.Find(`[data-testid=addressee] a[href="/forces/sussex/edit#chief_officer_name"]`).Length() != 1 {
		t.Error("the letter's details do not offer to change the addressee's name")
	}
}

func TestManagerApprovesThenPublishesASelectionInOneAction(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.now = time.Date(2024, 4, 2, 10, 0, 0, 0, time.UTC)
	f := newRecommendation(t, ts).withLetterFacts(t, ts)
	testdb.Exec(t, ts.store.Pool(), `UPDATE forces SET chief_officer_name = '' WHERE code = 'sussex'`)
	manager := ts.as("manager@demo.test")
	sussex := submitted(t, ts, f, f.sussex, "Sussex did well")
	leics := submitted(t, ts, f, f.leics, "Leicestershire did well")
	value := func(caseID int64, version int) string {
		return strconv.FormatInt(caseID, 10) + "-" + strconv.Itoa(version)
	}

	page := manager.get("/assessments/approve")
	wantStatus(t, page, http.StatusOK)
	if n := page.doc(t).Find(`input[name=cases]`).Length(); n != 2 {
		t.Fatalf("%d assessments offered, want 2", n)
	}
	res := manager.post("/assessments/approve", url.Values{})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	links := errorLinks(t, res.doc(t))
	if links["Select the assessments to approve or publish"] != "#cases" || links["Select whether to approve or to publish them"] != "#action" {
		t.Errorf("error summary: %v", links)
	}

	res = manager.post("/assessments/approve", url.Values{"action": {"approve"},
		"cases": {value(f.sussex, sussex.version), value(f.leics, leics.version)}})
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if got := doc.Find(`[data-testid=bulk-done]`).Text(); !strings.Contains(got, "Leicestershire Police") || strings.Contains(got, "Sussex") {
		t.Errorf("done: %q", got)
	}
	if got := doc.Find(`[data-testid=bulk-refused]`).Text(); !strings.Contains(got, "Sussex Police") || !strings.Contains(got, "Enter the chief constable’s name") {
		t.Errorf("refused: %q", got)
	}
	if a, _ := assessmentOf(t, ts, f.leics); a.state != "approved" {
		t.Errorf("Leicestershire is %s, want approved", a.state)
	}
	if a, _ := assessmentOf(t, ts, f.sussex); a.state != "submitted" || a.version != sussex.version {
		t.Errorf("Sussex changed: %+v", a)
	}

	res = manager.post("/assessments/approve", url.Values{"action": {"publish"},
		"cases": {value(f.sussex, sussex.version), value(f.leics, leics.version+1)}})
	wantStatus(t, res, http.StatusOK)
	doc = res.doc(t)
	if got := doc.Find(`[data-testid=bulk-done]`).Text(); !strings.Contains(got, "Leicestershire Police") {
		t.Errorf("done: %q", got)
	}
	if got := doc.Find(`[data-testid=bulk-refused]`).Text(); !strings.Contains(got, "Sussex Police") {
		t.Errorf("refused: %q", got)
	}
	if a, _ := assessmentOf(t, ts, f.leics); a.state != "published" {
		t.Errorf("Leicestershire is %s, want published", a.state)
	}
	if a, _ := assessmentOf(t, ts, f.sussex); a.state != "submitted" {
		t.Errorf("Sussex is %s, want still submitted", a.state)
	}
	wantStatus(t, ts.as("inspector@demo.test").get("/assessments/approve"), http.StatusNotFound) // the house hides what a role may not reach
}

func TestPastWorkIsRecordedWithItsRealDateAndWhenItWasEntered(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.now = time.Date(2024, 4, 20, 10, 0, 0, 0, time.UTC)
	f := newRecommendation(t, ts).withLetterFacts(t, ts)
	manager := ts.as("manager@demo.test")
	a := submitted(t, ts, f, f.sussex, "Sussex did well")
	past := func(day, month, year, reason string) url.Values {
		return url.Values{"version": {strconv.Itoa(a.version)}, "happened_on-approve-day": {day},
			"happened_on-approve-month": {month}, "happened_on-approve-year": {year}, "reason-approve": {reason}}
	}
	for _, c := range []struct {
		form url.Values
		want string
	}{
		{past("21", "4", "2024", "Approved on paper"), "The date this happened must be today or in the past"},
		{past("9", "1", "2024", "Approved on paper"), "must be on or after the report was published, 10 January 2024"},
		{past("31", "2", "2024", "Approved on paper"), "must be a real date"},
		{past("5", "4", "2024", ""), "Enter why this is recorded after the fact"},
	} {
		res := manager.post(path(f.sussex, "/assessment/approve"), c.form)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := res.doc(t).Find(".govuk-error-summary").Text(); !strings.Contains(got, c.want) {
			t.Errorf("error summary lacks %q:\n%s", c.want, got)
		}
	}
	if got, _ := assessmentOf(t, ts, f.sussex); got.state != "submitted" || got.version != a.version {
		t.Fatalf("a refused step changed the assessment: %+v", got)
	}

	wantStatus(t, manager.post(path(f.sussex, "/assessment/approve"), past("5", "4", "2024", "Approved on paper")), http.StatusSeeOther)
	if n := countRows(t, ts, `SELECT count(*) FROM assessment_events WHERE assessment_id = $1 AND action = 'approve'
		AND occurred_at::date = '2024-04-05' AND comment LIKE '%Approved on paper%'`, a.id); n != 1 {
		t.Error("the approval is not recorded on the day it happened, with the reason")
	}
	if n := countRows(t, ts, `SELECT count(*) FROM audit_events WHERE action = 'assessment.approve' AND object_id = $1
		AND summary LIKE '%Happened on 5 April 2024, entered on 20 April 2024: Approved on paper%' AND occurred_at > '2024-04-06'`,
		strconv.FormatInt(a.id, 10)); n != 1 {
		t.Error("the audit trail does not keep both the real date and when it was entered")
	}
	publish := url.Values{"version": {strconv.Itoa(a.version + 1)}, "happened_on-publish-day": {"8"},
		"happened_on-publish-month": {"4"}, "happened_on-publish-year": {"2024"}, "reason-publish": {"Published before the portal"}}
	wantStatus(t, manager.post(path(f.sussex, "/assessment/publish"), publish), http.StatusSeeOther)
	if n := countRows(t, ts, `SELECT count(*) FROM cases c JOIN assessments a ON a.case_id = c.id JOIN letters l ON l.assessment_id = a.id
		WHERE c.id = $1 AND c.assessment_published_on = '2024-04-08' AND l.letter_date = '2024-04-08'`, f.sussex); n != 1 {
		t.Error("the publication and its letter are not dated the day it happened")
	}
	if n := countRows(t, ts, `SELECT count(*) FROM audit_events WHERE action = 'assessment.publish' AND object_id = $1
		AND summary LIKE '%Happened on 8 April 2024, entered on 20 April 2024: Published before the portal%'`, strconv.FormatInt(a.id, 10)); n != 1 {
		t.Error("the audit trail of the publication lacks the real date and reason")
	}
}
