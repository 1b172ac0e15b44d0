package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"inspectrack/internal/compose"
	"inspectrack/internal/letter"
	"inspectrack/internal/letter/lettertest"
	"inspectrack/internal/store"
)

// inOrder fails unless every want appears in text, each after the one before.
var inOrder = lettertest.InOrder

// TestSeededLeicestershireLetterIsTheLetterOf2October2017 is the golden
// test on recorded data: the letter seed demo published, and the letter
// composed afresh from the records, equal the real one word for word; its
// page and its PDF carry every fact in order.
func TestSeededLeicestershireLetterIsTheLetterOf2October2017(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	caseID := storyCase(t, ts, "leicestershire")
	want := lettertest.FixtureText(t)

	pub := publishedLetterOf(t, ts, caseID)
	if pub.Text != want {
		t.Errorf("published letter differs from the fixture:\n%s", pub.Text)
	}
	recs, err := ts.store.LetterRecords(context.Background(), store.Scope{}, caseID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := letter.Compose(compose.Wording(recs), compose.Data(recs))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Letter.Text(); got != want {
		t.Errorf("letter composed from the records differs from the fixture:\n%s", got)
	}
	if len(c.Missing) != 0 {
		t.Errorf("facts missing from the records: %v", c.Missing)
	}

	anon := ts.anon()
	page := anon.get(publicationHref(pub.ID, ""))
	wantStatus(t, page, http.StatusOK)
	doc := page.doc(t)
	inOrder(t, "public page", doc.Find(`[data-testid=letter]`).Text(), lettertest.Facts...)
	if got := doc.Find(`[data-testid=letter] em`).Text(); got != "PEEL: police legitimacy 2016" {
		t.Errorf("italics %q, want the report's title", got)
	}
	if doc.Find(`.app-letter__address`).Length() != 1 || doc.Find(`.app-letter__date`).Length() != 1 || doc.Find(`.app-letter__signature`).Length() != 1 {
		t.Error("the letter lacks the blocks the print CSS lays out")
	}
	staff := ts.as("inspector@demo.test").get(path(caseID, "/letter"))
	wantStatus(t, staff, http.StatusOK)
	inOrder(t, "staff page", staff.doc(t).Find(`[data-testid=letter]`).Text(), lettertest.Facts...)

	pdf := anon.get(publicationHref(pub.ID, ".pdf"))
	wantStatus(t, pdf, http.StatusOK)
	if ct := pdf.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := pdf.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="hmicfrs-letter-leicestershire-2-october-2017.pdf"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if !strings.HasPrefix(pdf.Body, "%PDF-") {
		t.Fatal("not a PDF")
	}
	text := pdfText(t, []byte(pdf.Body))
	inOrder(t, "PDF", text, lettertest.Facts...)
	if strings.Contains(text, "DRAFT") {
		t.Error("the published letter's PDF says DRAFT")
	}
	again := anon.get(publicationHref(pub.ID, ".pdf"))
	if again.Body != pdf.Body {
		t.Error("the published PDF is not the same twice")
	}
}

var pdfText = lettertest.PDFText

func letterForm(version int, contact string) url.Values {
	return url.Values{
		"version":           {strconv.Itoa(version)},
		"letter_date-day":   {""},
		"letter_date-month": {""},
		"letter_date-year":  {""},
		"contact_name":      {contact},
		"contact_email":     {"contact@example.org"},
		"contact_phone":     {"01234 567890"},
		"signatory_name":    {"Zoë O’Brien"},
		"signatory_honours": {"CBE"},
		"signatory_titles":  {"HM Inspector\r\nSecond title"},
	}
}

func TestLetterDetailsAreValidatedSavedAndDraftPDFSaysDraft(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	f := newRecommendation(t, ts)
	inspector := ts.as("inspector@demo.test")
	a := record(t, inspector, f, f.sussex, "Letter test")

	wantStatus(t, inspector.get(path(f.sussex, "/letter/edit")), http.StatusOK)
	bad := letterForm(a.version, "")
	bad.Set("contact_email", "not-an-email")
	bad.Set("contact_phone", "")
	bad.Set("letter_date-day", "30")
	bad.Set("letter_date-month", "2")
	bad.Set("letter_date-year", "2024")
	res := inspector.post(path(f.sussex, "/letter"), bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	summary := res.doc(t).Find(".govuk-error-summary").Text()
	for _, want := range []string{"Enter the name of the contact", "Enter an email address in the correct format", "Enter the contact’s telephone number", "must be a real date"} {
		if !strings.Contains(summary, want) {
			t.Errorf("error summary lacks %q", want)
		}
	}
	if got, _ := assessmentOf(t, ts, f.sussex); got.version != a.version {
		t.Fatal("an invalid letter form changed the assessment")
	}

	good := letterForm(a.version, "Jo Contact")
	good.Set("letter_date-day", "5")
	good.Set("letter_date-month", "April")
	good.Set("letter_date-year", "2024")
	wantStatus(t, inspector.post(path(f.sussex, "/letter"), good), http.StatusSeeOther)
	page := inspector.get(path(f.sussex, "/letter"))
	inOrder(t, "letter", page.doc(t).Find(`[data-testid=letter]`).Text(), "5 April 2024",
		"please contact Jo Contact at contact@example.org or on 01234 567890.", "Zoë O’Brien CBE", "HM Inspector", "Second title")
	if !strings.Contains(page.doc(t).Find(`[data-testid=missing-facts]`).Text(), "Enter the chief constable’s name") {
		t.Error("the missing chief officer's name is not pointed out")
	}
	// The letter's editor is an author of the assessment.
	if n := countRows(t, ts, `SELECT count(*) FROM assessment_events WHERE assessment_id = $1 AND action = 'edit'`, a.id); n != 1 {
		t.Errorf("%d edit events, want 1", n)
	}
	// A stale letter form is refused with both versions.
	res = ts.as("inspector2@demo.test").post(path(f.sussex, "/letter"), letterForm(a.version, "Stale Contact"))
	wantStatus(t, res, http.StatusConflict)
	if !strings.Contains(res.doc(t).Find(`[data-testid=comparison]`).Text(), "Stale Contact") {
		t.Error("the refused letter details are not shown")
	}

	pdf := inspector.get(path(f.sussex, "/letter.pdf"))
	wantStatus(t, pdf, http.StatusOK)
	text := pdfText(t, []byte(pdf.Body))
	inOrder(t, "draft PDF", text, "DRAFT: not published", "Sussex Police", "5 April 2024", "Zoë O’Brien CBE")
}

func TestLetterTemplateValidatesPreviewsAndSaves(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	f := newRecommendation(t, ts)
	inspector := ts.as("inspector@demo.test")
	record(t, inspector, f, f.sussex, "Template test")
	href := templateHref(f.findingID)

	res := inspector.get(href)
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if doc.Find(`[data-testid=default-wording]`).Length() != 1 {
		t.Error("the default wording is not pointed out")
	}
	if !strings.Contains(doc.Find(`[data-testid=placeholders]`).Text(), "{{force_name}}") {
		t.Error("the placeholders are not listed")
	}
	inOrder(t, "preview", doc.Find(`[data-testid=letter]`).Text(), "Sussex Police", "Template test 1.")

	form := url.Values{"version": {"0"}, "case": {strconv.FormatInt(f.sussex, 10)}}
	for _, fl := range letter.Fields {
		form.Set(fl.Key, fl.Get(letter.DefaultTemplate()))
	}
	form.Set("subject", "About {{forcename}} and {{ force_name }}")
	form.Set("body", "Dear *{{force_name}}\n\n{{findings}}")
	form.Set("action", "save")
	res = inspector.post(href, form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	summary := res.doc(t).Find(".govuk-error-summary").Text()
	for _, want := range []string{"{{forcename}}, which is not a placeholder", "a * without its closing *"} {
		if !strings.Contains(summary, want) {
			t.Errorf("error summary lacks %q:\n%s", want, summary)
		}
	}
	if n := countRows(t, ts, `SELECT count(*) FROM letter_templates WHERE finding_id = $1`, f.findingID); n != 0 {
		t.Fatal("an invalid template was saved")
	}

	form.Set("subject", "About {{ force_name }}")
	form.Set("body", "We wrote on {{request_date}} to *{{force_name}}*.\n\n{{findings}}")
	form.Set("action", "preview")
	res = inspector.post(href, form)
	wantStatus(t, res, http.StatusOK)
	inOrder(t, "preview", res.doc(t).Find(`[data-testid=letter]`).Text(), "About Sussex Police", "We wrote on 1 March 2024 to Sussex Police.", "Template test 1.")
	if n := countRows(t, ts, `SELECT count(*) FROM letter_templates WHERE finding_id = $1`, f.findingID); n != 0 {
		t.Fatal("a preview saved the template")
	}

	form.Set("action", "save")
	wantStatus(t, inspector.post(href, form), http.StatusSeeOther)
	letterPage := inspector.get(path(f.sussex, "/letter")).doc(t).Find(`[data-testid=letter]`).Text()
	inOrder(t, "draft letter", letterPage, "About Sussex Police", "We wrote on 1 March 2024 to Sussex Police.")

	// Saving over a version someone else replaced is refused.
	form.Set("body", "Stale wording {{findings}}")
	res = ts.as("manager@demo.test").post(href, form) // still version 0
	wantStatus(t, res, http.StatusConflict)
	if !strings.Contains(res.doc(t).Find(`[data-testid=comparison]`).Text(), "Stale wording") {
		t.Error("the refused wording is not shown")
	}
	if n := countRows(t, ts, `SELECT count(*) FROM letter_templates WHERE finding_id = $1 AND version = 1 AND body LIKE 'We wrote%'`, f.findingID); n != 1 {
		t.Error("the stale save overwrote the wording")
	}

	// Published letters keep the wording they were published with.
	caseID := storyCase(t, ts, "leicestershire")
	pub := publishedLetterOf(t, ts, caseID)
	var story store.LetterTemplate
	var err error
	if story, err = ts.store.LetterTemplate(context.Background(), pubFinding(t, ts, caseID)); err != nil {
		t.Fatal(err)
	}
	story.Wording.Body = "Changed wording. {{findings}}"
	if err := ts.store.SaveLetterTemplate(context.Background(), store.Actor{}, story, ts.now); err != nil {
		t.Fatal(err)
	}
	after := publishedLetterOf(t, ts, caseID)
	if after.Text != pub.Text {
		t.Error("editing the wording changed a published letter")
	}
	var l letter.Letter
	if err := json.Unmarshal(after.Composed, &l); err != nil || l.Text() != pub.Text {
		t.Errorf("stored blocks and text disagree: %v", err)
	}
}

func pubFinding(t *testing.T, ts *testServer, caseID int64) int64 {
	t.Helper()
	return int64(countRows(t, ts, `SELECT finding_id::int FROM cases WHERE id = $1`, caseID))
}

// publishedLetterOf returns the published letter of a case with its text.
func publishedLetterOf(t *testing.T, ts *testServer, caseID int64) store.Publication {
	t.Helper()
	pub, err := ts.store.PublicationOfCase(context.Background(), store.Scope{}, caseID)
	if err != nil {
		t.Fatal(err)
	}
	if pub, err = ts.store.PublicationByID(context.Background(), pub.ID); err != nil {
		t.Fatal(err)
	}
	return pub
}
