package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// upload posts a file in a multipart form as a same-origin browser would.
func (c *client) upload(path, field, name string, content []byte) response {
	c.ts.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		c.ts.t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.ts.ts.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", c.ts.ts.URL)
	return c.do(req)
}

const goodImport = "\xef\xbb\xbfkind,reference,text,deadline,answers,criteria,forces\n" +
	"recommendation,R 2,\"Within three months, forces should publish their plan.\",,CoC 2,Plan published|Plan costed,\n" +
	"cause of concern,CoC 2,Some forces do not publish plans.,,,,\n" +
	"afi,AFI 1,Forces could explain their vetting better.,,,,\n" +
	"recommendation,R 3,Kent and Sussex should review vetting.,,,,kent|sussex\n" +
	"recommendation,R 4,Forces should do it.,,,,\n"

func TestImportDryRunWritesNothingAndConfirmWritesAll(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	rec := ts.storyRecommendation()
	c := ts.as(inspector)
	path := "/reports/" + itoa64(rec.ReportID) + "/import"
	findings := ts.count(`SELECT count(*) FROM findings`)

	res := c.upload(path, "file", "findings.csv", []byte(goodImport))
	wantStatus(t, res, 200)
	doc := res.doc(t)
	if n := doc.Find(`[data-testid="import-row"]`).Length(); n != 5 {
		t.Fatalf("dry run shows %d rows, want 5", n)
	}
	first := doc.Find(`[data-testid="import-row"][data-line="2"]`).Text()
	if !strings.Contains(first, "8 March 2017") || !strings.Contains(first, "2 criteria") || !strings.Contains(first, "answers CoC 2") {
		t.Errorf("row 2 result = %q", strings.Join(strings.Fields(first), " "))
	}
	if got := ts.count(`SELECT count(*) FROM findings`); got != findings {
		t.Fatalf("the dry run wrote %d findings", got-findings)
	}
	form := url.Values{}
	doc.Find(`[data-testid="confirm-form"] input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
		form.Set(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})

	// A changed file is refused: the hash no longer matches.
	tampered := url.Values{"content": {form.Get("content") + "AA=="}, "sha256": {form.Get("sha256")}, "file_name": {"x"}}
	wantStatus(t, c.post(path+"/confirm", tampered), 400)
	if got := ts.count(`SELECT count(*) FROM findings`); got != findings {
		t.Fatal("a tampered confirm wrote findings")
	}

	res = c.post(path+"/confirm", form)
	wantStatus(t, res, 303)
	if got := ts.count(`SELECT count(*) FROM findings`); got != findings+5 {
		t.Errorf("confirm wrote %d findings, want 5", got-findings)
	}
	if got := ts.count(`SELECT count(*) FROM findings r JOIN findings p ON p.id = r.parent_id WHERE r.reference = 'R 2' AND p.reference = 'CoC 2'`); got != 1 {
		t.Error("R 2 does not answer CoC 2")
	}
	if got := ts.count(`SELECT count(*) FROM criteria c JOIN findings f ON f.id = c.finding_id WHERE f.reference = 'R 2'`); got != 2 {
		t.Errorf("R 2 has %d criteria", got)
	}
	if got := ts.count(`SELECT count(*) FROM finding_forces ff JOIN findings f ON f.id = ff.finding_id WHERE f.reference = 'R 3'`); got != 2 {
		t.Errorf("R 3 lists %d forces", got)
	}
	if got := ts.count(`SELECT count(*) FROM audit_events WHERE action = 'report.import'`); got != 1 {
		t.Errorf("%d import audit events", got)
	}
	// Confirming the same file again: every reference is now taken.
	res = c.post(path+"/confirm", form)
	wantStatus(t, res, 422)
	if !strings.Contains(res.doc(t).Find(`[data-testid="row-errors"]`).Text(), "already used") {
		t.Error("a second confirm does not say the references are taken")
	}
	if got := ts.count(`SELECT count(*) FROM findings`); got != findings+5 {
		t.Errorf("a second confirm wrote %d more", got-findings-5)
	}
}

func TestImportOfABadFileWritesNothing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	rec := ts.storyRecommendation()
	c := ts.as(manager)
	path := "/reports/" + itoa64(rec.ReportID) + "/import"
	findings := ts.count(`SELECT count(*) FROM findings`)
	for _, tc := range []struct {
		name, csv string
		want      []string // in the page: line numbers and messages
	}{
		{"bad rows", "kind,reference,text,deadline,deadline_date,answers,criteria\n" +
			"recommendation,R 7,Fine.,within six months,,,\n" +
			"observation,X,Something.,,,,\n" +
			"recommendation,R 8,,,,,\n" +
			"recommendation,R 9,Do it before the next inspection.,before the next inspection,,,\n" +
			"recommendation,R 10,Do it.,,31/2/2018,,\n" +
			"recommendation,Recommendation 1,Taken.,,,,\n" +
			"recommendation,R 11,Answers nothing.,,,CoC 404,\n" +
			"afi,AFI 2,Has criteria.,,,,A|B\n",
			[]string{`data-line="3"`, "is not cause of concern, recommendation or area for improvement",
				"Enter the text of the finding", "gives no date: add the date in the deadline_date column",
				"is not a real date", "already used", "which is not a cause of concern", "Only a recommendation has criteria",
				"7 of 8 rows have problems"}},
		{"bad quoting", "kind,text\nrecommendation,\"Unclosed\nafi,x\n", []string{"Line 2: the file cannot be read as CSV"}},
		{"no text column", "kind,words\nafi,x\n", []string{"unknown column “words”", "no “text” column"}},
		{"empty", "", []string{"Select a CSV file"}},
		{"header only", "kind,text\n", []string{"no findings"}},
	} {
		res := c.upload(path, "file", "bad.csv", []byte(tc.csv))
		wantStatus(t, res, 422)
		for _, w := range tc.want {
			if !strings.Contains(res.Body, w) && !strings.Contains(res.doc(t).Text(), w) {
				t.Errorf("%s: page lacks %q", tc.name, w)
			}
		}
		if res.doc(t).Find(`[data-testid="confirm-form"]`).Length() != 0 {
			t.Errorf("%s: a bad file is offered for confirming", tc.name)
		}
	}
	if got := ts.count(`SELECT count(*) FROM findings`); got != findings {
		t.Errorf("bad files wrote %d findings", got-findings)
	}
	big := bytes.Repeat([]byte("afi,x\n"), maxImportBytes/6+10)
	wantStatus(t, c.upload(path, "file", "big.csv", append([]byte("kind,text\n"), big...)), 413)
}
