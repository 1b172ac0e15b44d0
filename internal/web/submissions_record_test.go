package web

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"inspectrack/internal/upload/uploadtest"
)

// receivedForm is what an inspector types to record a plan received by
// email or post.
type receivedForm struct {
	day, month, year, at, sender, via, reason, note string
	files                                           []filePart
}

// record posts the record-a-plan form for case caseID.
func (c *client) record(caseID int64, kind string, f receivedForm) response {
	c.ts.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, kv := range [][2]string{{"received-day", f.day}, {"received-month", f.month}, {"received-year", f.year},
		{"received-time", f.at}, {"sender", f.sender}, {"via", f.via}, {"reason", f.reason}, {"kind", kind}, {"note", f.note}} {
		if err := mw.WriteField(kv[0], kv[1]); err != nil {
			c.ts.t.Fatal(err)
		}
	}
	for _, file := range f.files {
		w, err := mw.CreateFormFile("documents", file.name)
		if err != nil {
			c.ts.t.Fatal(err)
		}
		w.Write(file.body)
	}
	mw.Close()
	return c.sendMultipart(fmt.Sprintf("/cases/%d/submissions/record", caseID), &body, mw.FormDataContentType(), int64(body.Len()), false)
}

func mayPlanByEmail() receivedForm {
	return receivedForm{day: "31", month: "5", year: "2017", at: "4:20pm", sender: "Jo Bloggs, Leicestershire Police",
		via: "email", reason: "The force emailed its plan to the inspectorate before it had a portal account.",
		files: []filePart{file("Leicestershire plan.pdf", uploadtest.PDF("Plan"))}}
}

func TestInspectorRecordsAPlanReceivedByEmailWithItsRealDate(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	ts.setClock(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	c := ts.as("inspector@demo.test")
	wantStatus(t, c.get(fmt.Sprintf("/cases/%d/submissions/record", st.leics)), http.StatusOK)

	res := c.record(st.leics, "plan", mayPlanByEmail())
	wantStatus(t, res, http.StatusSeeOther)

	page := c.get(fmt.Sprintf("/cases/%d/submissions", st.leics))
	wantStatus(t, page, http.StatusOK)
	doc := page.doc(t)
	sub := doc.Find(`[data-testid="submission"]`)
	if sub.Length() != 1 {
		t.Fatalf("%d submissions shown, want 1", sub.Length())
	}
	if at := sub.Find(`[data-testid="sent-at"]`).Text(); at != "31 May 2017 at 4:20pm" {
		t.Errorf("sent at %q, want the received date and time", at)
	}
	if timing := sub.Find(`[data-testid="timing"]`).Text(); !strings.Contains(timing, "On time") {
		t.Errorf("timing %q, want on time by the received date", timing)
	}
	if by := sub.Find(`[data-testid="sent-by"]`).Text(); by != "Jo Bloggs, Leicestershire Police" {
		t.Errorf("sent by %q, want the sender", by)
	}
	want := "Recorded by Isla Inspector on behalf of the force on 3 December 2026: The force emailed its plan to the inspectorate before it had a portal account."
	if rec := strings.Join(strings.Fields(sub.Find(`[data-testid="recorded"]`).Text()), " "); rec != want {
		t.Errorf("recorded line %q, want %q", rec, want)
	}
	if status := doc.Find(`[data-testid="case-summary"] [data-testid="status-tag"]`).Text(); status != "Sent on time" {
		t.Errorf("plan status %q, want Sent on time", status)
	}
	var summary string
	err := ts.store.Pool().QueryRow(context.Background(),
		`SELECT summary FROM audit_events WHERE action = 'submission.recorded_on_behalf' AND object_id = $1`,
		fmt.Sprint(sub.AttrOr("data-submission-id", ""))).Scan(&summary)
	if err != nil {
		t.Fatalf("no audit event recorded on behalf: %v", err)
	}
	for _, part := range []string{"by email on 31 May 2017 16:20", "from Jo Bloggs", "recorded on 3 December 2026 10:00"} {
		if !strings.Contains(summary, part) {
			t.Errorf("audit summary %q lacks %q", summary, part)
		}
	}
}

func TestRecordedPlanIsLateByItsReceivedDate(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	ts.setClock(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	f := mayPlanByEmail()
	f.day, f.month, f.via = "2", "6", "post"
	wantStatus(t, ts.as("manager@demo.test").record(st.leics, "plan", f), http.StatusSeeOther)
	page := ts.as("inspector@demo.test").get(fmt.Sprintf("/cases/%d/submissions", st.leics))
	wantStatus(t, page, http.StatusOK)
	if timing := page.doc(t).Find(`[data-testid="timing"]`).Text(); !strings.Contains(timing, "2 days after the due date") {
		t.Errorf("timing %q, want 2 days late", timing)
	}
}

func TestRecordingRefusesAFutureDateOrOneBeforeTheReport(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	ts.setClock(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	c := ts.as("inspector@demo.test")
	for _, tc := range []struct {
		name, day, month, year, at, want string
	}{
		{"tomorrow", "4", "12", "2026", "9:00", "The date received must be today or in the past"},
		{"later today", "3", "12", "2026", "23:00", "The time received must be in the past"},
		{"before the report", "1", "12", "2016", "9:00", "The date received must be on or after 8 December 2016, when the report was published"},
		{"no time", "31", "5", "2017", "", "Enter the time received"},
		{"not a time", "31", "5", "2017", "25:61", "Enter a real time, for example 9:30am or 14:30"},
	} {
		f := mayPlanByEmail()
		f.day, f.month, f.year, f.at = tc.day, tc.month, tc.year, tc.at
		res := c.record(st.leics, "plan", f)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		doc := res.doc(t)
		if got := doc.Find(".govuk-error-summary").Text(); !strings.Contains(got, tc.want) {
			t.Errorf("%s: error summary %q, want %q", tc.name, got, tc.want)
		}
		if v, _ := doc.Find("#sender").Attr("value"); v != f.sender {
			t.Errorf("%s: sender not kept: %q", tc.name, v)
		}
		if v := doc.Find("#reason").Text(); v != f.reason {
			t.Errorf("%s: reason not kept: %q", tc.name, v)
		}
	}
	f := mayPlanByEmail()
	f.sender, f.reason, f.via = "", "", ""
	res := c.record(st.leics, "plan", f)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	got := res.doc(t).Find(".govuk-error-summary").Text()
	for _, want := range []string{"Enter who sent it", "Select how it arrived", "Enter why you are recording it"} {
		if !strings.Contains(got, want) {
			t.Errorf("error summary %q lacks %q", got, want)
		}
	}
	ts.wantNothingStored()
}

func TestLiaisonCannotRecordOnTheForcesBehalf(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	c := ts.as(leicsLiaison)
	wantStatus(t, c.get(fmt.Sprintf("/cases/%d/submissions/record", st.leics)), http.StatusNotFound)
	wantStatus(t, c.record(st.leics, "plan", mayPlanByEmail()), http.StatusNotFound)
	ts.wantNothingStored()
}
