package web

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"inspectrack/internal/domain"
	"inspectrack/internal/store"
	"inspectrack/internal/upload"
	"inspectrack/web/components"
)

// Limits of what an inspector types when recording on a force's behalf.
const (
	maxSenderChars = 200
	maxReasonChars = 2000
)

// recordForm is the record-on-behalf form for case c, as first shown.
func (s *Server) recordForm(c store.CasePlan) components.RecordForm {
	f := components.RecordForm{UploadForm: s.uploadForm(c, store.KindPlan), Kind: string(store.KindPlan),
		Received: components.DateField{Name: "received", Legend: "Date received", Hint: "For example, 31 5 2017"}}
	f.Action = fmt.Sprintf("/cases/%d/submissions/record", c.ID)
	return f
}

func recordPage(f components.RecordForm) formPage {
	return newFormPage("Record what the force sent by email or post", components.RecordPage, f)
}

// submissionsRecordForm shows the form on which an inspector records a plan
// or progress update the force sent by email or post.
func (s *Server) submissionsRecordForm(w http.ResponseWriter, r *http.Request) error {
	c, err := s.casePlanFrom(r)
	if err != nil {
		return err
	}
	if c.ClosedOn != nil {
		return s.caseClosed(w, r, c)
	}
	return s.showForm(w, r, recordPage(s.recordForm(c)))
}

// submissionsRecordPost records a plan or progress update received by
// email or post as a normal version of the force's submissions, dated when
// it was received (so its lateness is judged by that date), with who sent
// it, how, and why it was recorded; the audit event says it was recorded
// on the force's behalf. The documents take the liaison's upload path:
// read as a stream within the same limits, typed by their content.
func (s *Server) submissionsRecordPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := s.casePlanFrom(r)
	if err != nil {
		return err
	}
	if c.ClosedOn != nil {
		return s.caseClosed(w, r, c)
	}
	bodyLimit := s.cfg.MaxSubmissionBytes + uploadOverhead
	if r.ContentLength > bodyLimit {
		s.metrics.UploadRefused(true)
		return withStatus(http.StatusRequestEntityTooLarge, fmt.Errorf("web: upload of %d bytes declared, limit %d", r.ContentLength, bodyLimit))
	}
	r.Body = http.MaxBytesReader(w, r.Body, bodyLimit)
	mr, err := r.MultipartReader()
	if err != nil {
		return withStatus(http.StatusBadRequest, fmt.Errorf("web: record: %w", err))
	}
	form, err := upload.ReadForm(mr, upload.Limits{FileField: "documents", FileBytes: s.cfg.MaxFileBytes,
		TotalBytes: s.cfg.MaxSubmissionBytes, Files: maxUploadFiles, FieldBytes: maxNoteBytes, Parts: maxUploadParts})
	//lint:ignore SA5001 ReadForm returns a form to close, with its spooled files, even with an error
	defer form.Close()
	if err != nil {
		return s.uploadReadError(err)
	}

	f := s.recordForm(c)
	f.Note = cleanNote(form.Value("note"))
	f.Time = strings.TrimSpace(form.Value("received-time"))
	f.Sender = cleanNote(form.Value("sender"))
	f.Via = form.Value("via")
	f.Reason = cleanNote(form.Value("reason"))
	f.Kind = form.Value("kind")
	kind := store.SubmissionKind(f.Kind)
	if kind != store.KindPlan && kind != store.KindProgress {
		f.Errors.Add("kind", "Select what was received")
		kind = store.KindPlan
	}
	f.IsPlan = kind == store.KindPlan

	// The date and time it was received: a real date and time, in the
	// past, not before the report that asked for the plan.
	var received time.Time
	day, dateOK := readDate(form.Value, &f.Received, &f.Errors, "the date received")
	hour, minute, timeMsg := parseClock(f.Time)
	now := s.now()
	switch {
	case !dateOK:
	case day.After(domain.Today(now)):
		dateProblem(&f.Received, &f.Errors, "The date received must be today or in the past")
	case day.Before(c.ReportPublishedOn):
		dateProblem(&f.Received, &f.Errors, "The date received must be on or after "+domain.FormatLong(c.ReportPublishedOn)+", when the report was published")
	case timeMsg != "":
		f.Errors.Add("received-time", timeMsg)
	default:
		received = time.Date(day.Year(), day.Month(), day.Day(), hour, minute, 0, 0, domain.London())
		if received.After(now) {
			f.Errors.Add("received-time", "The time received must be in the past")
		}
	}
	if !dateOK && timeMsg != "" {
		f.Errors.Add("received-time", timeMsg)
	}
	if f.Via != "email" && f.Via != "post" {
		f.Via = ""
		f.Errors.Add("via", "Select how it arrived")
	}
	switch n := utf8.RuneCountInString(f.Sender); {
	case n == 0:
		f.Errors.Add("sender", "Enter who sent it")
	case n > maxSenderChars:
		f.Errors.Add("sender", fmt.Sprintf("Who sent it must be %d characters or fewer", maxSenderChars))
	}
	if n := utf8.RuneCountInString(f.Note); n > maxNoteChars {
		f.Errors.Add("note", fmt.Sprintf("Covering note or update must be %s characters or fewer", formatThousands(maxNoteChars)))
	}
	switch n := utf8.RuneCountInString(f.Reason); {
	case n == 0:
		f.Errors.Add("reason", "Enter why you are recording it")
	case n > maxReasonChars:
		f.Errors.Add("reason", fmt.Sprintf("Why you are recording it must be %s characters or fewer", formatThousands(maxReasonChars)))
	}

	docs, status, err := uploadedDocuments(w, form, &f.FileErrors, f.MaxFileMB, f.MaxTotalMB)
	if err != nil {
		return err
	}
	switch {
	case kind == store.KindPlan && len(form.Files) == 0 && len(f.FileErrors) == 0:
		f.FileErrors = append(f.FileErrors, "Select the documents of the plan")
	case kind == store.KindProgress && len(form.Files) == 0 && f.Note == "":
		f.Errors.Add("note", "Enter the progress update, or select its documents")
	}
	if len(f.FileErrors) > 0 || f.Errors.Any() {
		s.metrics.UploadRefused(status == http.StatusRequestEntityTooLarge)
		return rejected(status, recordPage(f))
	}

	sub, err := s.store.CreateSubmission(ctx, actor(r), scope(r), s.blobs, store.NewSubmission{
		CaseID: c.ID, Kind: kind, Note: f.Note, At: received, Documents: docs,
		Recorded: &store.Recording{Via: f.Via, Sender: f.Sender, Reason: f.Reason, At: now}})
	switch {
	case errors.Is(err, store.ErrCaseClosed):
		return s.caseClosed(w, r, c)
	case err != nil:
		return err
	}
	s.metrics.UploadStored(documentBytes(sub.Documents))
	msg := fmt.Sprintf("Version %d of the force's plan was recorded, received on %s, with %s.",
		sub.Version, components.FormatDateTime(sub.SubmittedAt), documentsText(len(sub.Documents)))
	if kind == store.KindProgress {
		msg = fmt.Sprintf("The force's progress update %d was recorded, received on %s, with %s.",
			sub.Version, components.FormatDateTime(sub.SubmittedAt), documentsText(len(sub.Documents)))
	}
	s.sessions.Put(ctx, "flash", msg)
	http.Redirect(w, r, fmt.Sprintf("/cases/%d/submissions", c.ID), http.StatusSeeOther)
	return nil
}

// clockTime is a time of day as people type it: "14:30", "9.30", "9:30am",
// "2pm".
var clockTime = regexp.MustCompile(`^(\d{1,2})(?:[:.](\d{2}))?\s*([ap]\.?m\.?)?$`)

// parseClock reads a time of day; msg is the GOV.UK error when it cannot.
func parseClock(s string) (hour, minute int, msg string) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return 0, 0, "Enter the time received"
	}
	m := clockTime.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, "Enter a real time, for example 9:30am or 14:30"
	}
	hour, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		minute, _ = strconv.Atoi(m[2])
	}
	switch suffix := strings.ReplaceAll(m[3], ".", ""); {
	case suffix != "" && (hour < 1 || hour > 12):
		return 0, 0, "Enter a real time, for example 9:30am or 14:30"
	case suffix == "pm" && hour < 12:
		hour += 12
	case suffix == "am" && hour == 12:
		hour = 0
	}
	if hour > 23 || minute > 59 {
		return 0, 0, "Enter a real time, for example 9:30am or 14:30"
	}
	return hour, minute, ""
}

// recordedText says who recorded sub on the force's behalf, when, and why.
func recordedText(sub store.Submission) string {
	return fmt.Sprintf("Recorded by %s on behalf of the force on %s: %s", sub.SubmitterName,
		domain.FormatLong(domain.LondonDate(sub.Recorded.At)), sub.Recorded.Reason)
}
