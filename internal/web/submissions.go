package web

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"inspectrack/internal/auth"
	"inspectrack/internal/domain"
	"inspectrack/internal/store"
	"inspectrack/internal/upload"
	"inspectrack/web/components"
)

// Limits of a submission besides the configured sizes.
const (
	// uploadOverhead is what a submission's body may hold beyond its
	// files: the multipart framing of each part and the note.
	uploadOverhead = 1 << 20
	maxUploadFiles = 20
	maxUploadParts = 100
	maxNoteBytes   = 64 << 10 // read at most this much of the note...
	maxNoteChars   = 10000    // ...and accept at most this many characters
)

// uploadAccept is the file input's accept attribute: it only steers the
// browser's file picker; the server decides from content.
var uploadAccept = func() string {
	var exts []string
	for _, t := range upload.Types {
		exts = append(exts, t.Exts[0])
	}
	return strings.Join(exts, ",")
}()

// today is the "as of" date of pages shown for the present.
func (s *Server) today() time.Time { return domain.Today(s.now()) }

// caseSummary is the top of every page about a case's plans, with the
// plan's status on asOf, which is today or not.
func caseSummary(c store.CasePlan, asOf time.Time, today bool) components.CaseHeader {
	v := components.CaseHeader{ID: c.ID, ForceName: c.ForceName, ReportTitle: c.ReportTitle,
		Reference: c.Reference, Body: c.FindingBody, Status: planStatusTag(c, asOf), Closed: c.ClosedOn != nil}
	if !today {
		v.AsOf = asOf
	}
	if c.PlanDueOn != nil {
		v.DueOn = *c.PlanDueOn
	}
	return v
}

// planStatusTag says where the case's plan stands on asOf.
func planStatusTag(c store.CasePlan, asOf time.Time) components.StatusTag {
	st, n := c.PlanStatus(asOf)
	t := components.StatusTag{Label: st.Label(), Class: st.Tag()}
	switch st {
	case domain.PlanMissing:
		t.Detail = daysText(n) + " past the due date"
	case domain.PlanAwaited:
		switch {
		case c.PlanDueOn == nil:
			t.Detail = "no due date set"
		case n == 0:
			t.Detail = "due today"
		default:
			t.Detail = daysText(n) + " left"
		}
	case domain.PlanSentLate:
		t.Detail = "first version " + daysText(n) + " late"
	case domain.PlanNotRequested:
		t.Detail = "the inspectorate has not asked for a plan yet"
	case domain.PlanNotNeeded:
		t.Detail = "the case is closed"
	}
	return t
}

// timingTag says whether a plan version came by the due date that applied
// when it was sent.
func timingTag(sub store.Submission) components.StatusTag {
	switch late := sub.LateDays(); {
	case sub.DueOn == nil:
		return components.StatusTag{Label: "No due date", Class: "govuk-tag--grey", Detail: "no due date was set when it was sent"}
	case late > 0:
		return components.StatusTag{Label: "Late", Class: "govuk-tag--orange",
			Detail: daysText(late) + " after the due date, " + domain.FormatLong(*sub.DueOn)}
	default:
		return components.StatusTag{Label: "On time", Class: "govuk-tag--green",
			Detail: "due " + domain.FormatLong(*sub.DueOn)}
	}
}

// daysText writes a count of days: "1 day", "12 days".
func daysText(n int) string {
	if n == 1 {
		return "1 day"
	}
	return strconv.Itoa(n) + " days"
}

// submissionViews turns a case's submissions (newest first) into the plan
// versions and the progress updates, the newest plan marked latest.
func submissionViews(subs []store.Submission, canDownload bool) (plans, progress []components.SubmissionView) {
	for _, sub := range subs {
		v := submissionView(sub, canDownload)
		if sub.Kind == store.KindPlan {
			v.Latest = len(plans) == 0
			plans = append(plans, v)
		} else {
			progress = append(progress, v)
		}
	}
	return plans, progress
}

func submissionView(sub store.Submission, canDownload bool) components.SubmissionView {
	v := components.SubmissionView{ID: sub.ID, IsPlan: sub.Kind == store.KindPlan, SubmittedAt: sub.SubmittedAt,
		By: sub.SubmitterName, Note: sub.Note}
	if rec := sub.Recorded; rec != nil {
		v.By, v.ReceivedVia, v.Recorded = rec.Sender, rec.ReceivedVia(), recordedText(sub)
	}
	if v.IsPlan {
		v.Title = fmt.Sprintf("Plan, version %d", sub.Version)
		v.Timing = timingTag(sub)
	} else {
		v.Title = fmt.Sprintf("Progress update %d", sub.Version)
	}
	for _, d := range sub.Documents {
		label := d.ContentType
		if t, ok := upload.TypeOf(d.ContentType); ok {
			label = t.Label
		}
		v.Documents = append(v.Documents, components.DocumentRow{ID: d.ID, Name: d.Name, Type: label, Size: d.Size,
			SHA256: hex.EncodeToString(d.SHA256), Download: canDownload})
	}
	return v
}

// canSubmit reports whether the user may send plans for c: their force's
// liaison (the scope already hid other forces' cases) while it is open.
func canSubmit(r *http.Request, c store.CasePlan) bool {
	return auth.Allowed(auth.UserFrom(r.Context()), auth.SubmitPlans) && c.ClosedOn == nil
}

// submissionActions are the case page's buttons for plans: the force's
// liaison sends a plan (or a new version) and reports progress while the
// case is open; everyone who may see the case can open its plans.
func submissionActions(r *http.Request, c store.Case) []components.Link {
	var links []components.Link
	if auth.Allowed(auth.UserFrom(r.Context()), auth.SubmitPlans) && c.ClosedOn == nil {
		send := "Send your plan"
		if c.FirstSubmittedAt != nil {
			send = "Send a new version of your plan"
		}
		links = append(links,
			components.Link{Href: fmt.Sprintf("/cases/%d/submissions/new", c.ID), Label: send},
			components.Link{Href: fmt.Sprintf("/cases/%d/progress/new", c.ID), Label: "Report progress"})
	}
	return append(links, components.Link{Href: fmt.Sprintf("/cases/%d/submissions", c.ID), Label: "Plan versions and documents"})
}

// submissionTimeline puts each plan version and progress update on the
// case's timeline: when (Europe/London), by whom, late or not, the note
// and links to the documents.
func submissionTimeline(ctx context.Context, b *store.Batch, sc store.Scope, caseID int64, _ *store.Case) func() []components.TimelineItem {
	var subs []store.Submission
	b.CaseSubmissions(sc, caseID, &subs)
	canDownload := auth.Allowed(auth.UserFrom(ctx), auth.ReadDocuments)
	return func() []components.TimelineItem {
		var items []components.TimelineItem
		for _, sub := range subs {
			it := components.TimelineItem{On: domain.LondonDate(sub.SubmittedAt), At: sub.SubmittedAt, By: sub.SubmitterName}
			if sub.Recorded != nil {
				it.By = sub.Recorded.Sender
				it.Lines = append(it.Lines, "Received "+sub.Recorded.ReceivedVia()+". "+recordedText(sub))
			}
			if sub.Kind == store.KindPlan {
				it.Kind, it.Title = "plan", fmt.Sprintf("Plan received: version %d", sub.Version)
				t := timingTag(sub)
				it.Lines = append(it.Lines, t.Label+": "+t.Detail+".")
			} else {
				it.Kind, it.Title = "progress", fmt.Sprintf("Progress update %d", sub.Version)
			}
			if sub.Note != "" {
				it.Lines = append(it.Lines, components.Excerpt(sub.Note, 400))
			}
			for _, d := range sub.Documents {
				if canDownload {
					it.Links = append(it.Links, components.Link{Href: fmt.Sprintf("/documents/%d", d.ID), Label: d.Name})
				} else {
					it.Lines = append(it.Lines, d.Name)
				}
			}
			items = append(items, it)
		}
		return items
	}
}

// casePlanFrom returns the case of the URL's {id} in the user's scope,
// with what its force has sent: a case of another force is not found.
func (s *Server) casePlanFrom(r *http.Request) (store.CasePlan, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return store.CasePlan{}, err
	}
	return s.store.CasePlan(r.Context(), scope(r), id)
}

// submissionsList shows every plan version and progress update of a case.
func (s *Server) submissionsList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := s.casePlanFrom(r)
	if err != nil {
		return err
	}
	subs, err := s.store.CaseSubmissions(ctx, scope(r), c.ID)
	if err != nil {
		return err
	}
	asOf, today, err := s.asOfOnly(r)
	if err != nil {
		return err
	}
	v := components.CaseSubmissions{Case: caseSummary(c, asOf, today), CanSubmit: canSubmit(r, c),
		CanRecord: auth.Allowed(auth.UserFrom(ctx), auth.RecordOnBehalf) && c.ClosedOn == nil,
		Flash:     s.sessions.PopString(ctx, "flash")}
	v.Plans, v.Progress = submissionViews(subs, auth.Allowed(auth.UserFrom(ctx), auth.ReadDocuments))
	p := s.page(r, "Plan and progress: "+c.ForceName)
	return s.render(w, r, http.StatusOK, components.CaseSubmissionsPage(p, v))
}

// submissionsShow shows one plan version or progress update.
func (s *Server) submissionsShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	sub, err := s.store.Submission(ctx, scope(r), id)
	if err != nil {
		return err
	}
	c, err := s.store.CasePlan(ctx, scope(r), sub.CaseID)
	if err != nil {
		return err
	}
	asOf, today, err := s.asOfOnly(r)
	if err != nil {
		return err
	}
	v := components.SubmissionPage{Case: caseSummary(c, asOf, today),
		Submission: submissionView(sub, auth.Allowed(auth.UserFrom(ctx), auth.ReadDocuments))}
	if sub.Kind == store.KindPlan {
		v.Submission.Latest = sub.Version == c.PlanVersions
	}
	return s.render(w, r, http.StatusOK, components.SubmissionShowPage(s.page(r, v.Submission.Title), v))
}

func (s *Server) submissionsForm(w http.ResponseWriter, r *http.Request) error {
	return s.uploadNew(w, r, store.KindPlan)
}

func (s *Server) progressForm(w http.ResponseWriter, r *http.Request) error {
	return s.uploadNew(w, r, store.KindProgress)
}

func (s *Server) submissionsPost(w http.ResponseWriter, r *http.Request) error {
	return s.uploadCreate(w, r, store.KindPlan)
}

func (s *Server) progressPost(w http.ResponseWriter, r *http.Request) error {
	return s.uploadCreate(w, r, store.KindProgress)
}

// uploadNew shows the form for a plan version or a progress update.
func (s *Server) uploadNew(w http.ResponseWriter, r *http.Request, kind store.SubmissionKind) error {
	c, err := s.casePlanFrom(r)
	if err != nil {
		return err
	}
	if c.ClosedOn != nil {
		return s.caseClosed(w, r, c)
	}
	return s.showForm(w, r, uploadPage(s.uploadForm(c, kind)))
}

// caseClosed sends the user back to the case: a closed case takes no more
// plans or updates.
func (s *Server) caseClosed(w http.ResponseWriter, r *http.Request, c store.CasePlan) error {
	msg := "This case is closed: it no longer takes plans or progress updates. Nothing was sent."
	if c.ClosedOn != nil {
		msg = "This case was closed on " + domain.FormatLong(*c.ClosedOn) + ": it no longer takes plans or progress updates. Nothing was sent."
	}
	s.sessions.Put(r.Context(), "flash", msg)
	http.Redirect(w, r, fmt.Sprintf("/cases/%d/submissions", c.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) uploadForm(c store.CasePlan, kind store.SubmissionKind) components.UploadForm {
	f := components.UploadForm{Case: caseSummary(c, s.today(), true), IsPlan: kind == store.KindPlan,
		MaxFileMB: s.cfg.MaxFileBytes >> 20, MaxTotalMB: s.cfg.MaxSubmissionBytes >> 20, MaxFiles: maxUploadFiles,
		Types: upload.AcceptedList, Accept: uploadAccept}
	if f.IsPlan {
		f.Action, f.NextVersion = fmt.Sprintf("/cases/%d/submissions", c.ID), c.PlanVersions+1
	} else {
		f.Action, f.NextVersion = fmt.Sprintf("/cases/%d/progress", c.ID), c.ProgressUpdates+1
	}
	return f
}

func uploadPage(f components.UploadForm) formPage {
	title := "Send your plan"
	if !f.IsPlan {
		title = "Report progress"
	}
	return newFormPage(title, components.UploadPage, f)
}

// uploadCreate receives a plan version or a progress update: the form is
// read as a stream (each file spooled, counted and hashed as it arrives,
// the limits enforced at the first byte over them, with or without
// Content-Length), every file's type decided from its content, and only
// then, if all is well, the submission, its documents, their blobs and the
// audit event written in one transaction. Anything wrong: the form again
// with the note kept (413 when too large, 422 otherwise) and nothing
// written. A client gone or a server stopping mid-upload: nothing written.
func (s *Server) uploadCreate(w http.ResponseWriter, r *http.Request, kind store.SubmissionKind) error {
	ctx := r.Context()
	// The case first, within the liaison's scope: another force's case is
	// a 404 before a byte of the upload is read.
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
	s.paceUpload(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, bodyLimit)
	mr, err := r.MultipartReader()
	if err != nil {
		return withStatus(http.StatusBadRequest, fmt.Errorf("web: upload: %w", err))
	}
	form, err := upload.ReadForm(mr, upload.Limits{FileField: "documents", FileBytes: s.cfg.MaxFileBytes,
		TotalBytes: s.cfg.MaxSubmissionBytes, Files: maxUploadFiles, FieldBytes: maxNoteBytes, Parts: maxUploadParts})
	//lint:ignore SA5001 ReadForm returns a form to close, with its spooled files, even with an error
	defer form.Close()
	if err != nil {
		return s.uploadReadError(err)
	}

	f := s.uploadForm(c, kind)
	f.Note = cleanNote(form.Value("note"))
	docs, status, err := uploadedDocuments(w, form, &f.FileErrors, f.MaxFileMB, f.MaxTotalMB)
	if err != nil {
		return err
	}
	switch {
	case kind == store.KindPlan && len(form.Files) == 0 && len(f.FileErrors) == 0:
		f.FileErrors = append(f.FileErrors, "Select the documents of your plan")
	case kind == store.KindProgress && f.Note == "":
		f.Errors.Add("note", "Enter the progress update")
	}
	if n := utf8.RuneCountInString(f.Note); n > maxNoteChars {
		label := "Covering note"
		if kind == store.KindProgress {
			label = "Progress update"
		}
		f.Errors.Add("note", fmt.Sprintf("%s must be %s characters or fewer", label, formatThousands(maxNoteChars)))
	}
	if len(f.FileErrors) > 0 {
		// Nothing was stored, but a refused file (a page named .pdf, a ZIP
		// bomb) is worth a trace.
		a := actor(r)
		summary := components.Excerpt(strings.ToLower(kind.Label())+" refused: "+strings.Join(f.FileErrors, "; "), 1000)
		if err := s.store.AuditOne(ctx, a.Event("submission.refused", "case", c.ID, c.ForceID, summary)); err != nil {
			return err
		}
	}
	if len(f.FileErrors) > 0 || f.Errors.Any() {
		s.metrics.UploadRefused(status == http.StatusRequestEntityTooLarge)
		return rejected(status, uploadPage(f))
	}

	sub, err := s.store.CreateSubmission(ctx, actor(r), scope(r), s.blobs, store.NewSubmission{
		CaseID: c.ID, Kind: kind, Note: f.Note, At: s.now(), Documents: docs})
	if errors.Is(err, store.ErrCaseClosed) {
		return s.caseClosed(w, r, c)
	}
	if err != nil {
		return err
	}
	s.metrics.UploadStored(documentBytes(sub.Documents))
	msg := fmt.Sprintf("Version %d of your plan was sent, with %s.", sub.Version, documentsText(len(sub.Documents)))
	if kind == store.KindProgress {
		msg = fmt.Sprintf("Your progress update was sent, with %s.", documentsText(len(sub.Documents)))
	}
	s.sessions.Put(ctx, "flash", msg)
	http.Redirect(w, r, fmt.Sprintf("/cases/%d/submissions", c.ID), http.StatusSeeOther)
	return nil
}

// documentBytes is the size of docs together.
func documentBytes(docs []store.Document) int64 {
	var n int64
	for _, d := range docs {
		n += d.Size
	}
	return n
}

// uploadReadError maps a failure to read an upload to its answer: too
// large (the body over its bound, or a field over its own) is 413 with the
// design-system page; a form no page of the portal sends, or a body cut
// short (the client gone, the server stopping), is 400. Nothing was
// written in either case; the metrics count it as refused.
func (s *Server) uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	var tl *upload.TooLargeError
	tooLarge := errors.As(err, &mbe) || errors.As(err, &tl)
	s.metrics.UploadRefused(tooLarge)
	switch {
	case tooLarge:
		return withStatus(http.StatusRequestEntityTooLarge, err)
	case errors.Is(err, upload.ErrTooManyParts):
		return withStatus(http.StatusBadRequest, err)
	}
	return withStatus(http.StatusBadRequest, fmt.Errorf("web: upload cut short: %w", err))
}

// cleanNote makes a note storable: valid UTF-8 without NUL (PostgreSQL
// text holds neither), line breaks as "\n", no surrounding space.
func cleanNote(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.TrimSpace(s)
}

func documentsText(n int) string {
	switch n {
	case 0:
		return "no documents"
	case 1:
		return "1 document"
	}
	return strconv.Itoa(n) + " documents"
}

// formatThousands writes n with thousands separators: 10000 is "10,000".
func formatThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// uploadedDocuments checks the files of an upload form, the liaison's and
// the one an inspector records on a force's behalf alike: each refusal
// (too large, too many, a name that could not be read, a type not
// accepted) is added to fileErrors for the error summary, and the status
// to answer with is 413 when a size limit was passed, else 422. The
// accepted files come back as documents to store. A form not read to its
// end closes the connection, since the rest of the body was never read.
func uploadedDocuments(w http.ResponseWriter, form *upload.Form, fileErrors *[]string, maxFileMB, maxTotalMB int64) ([]store.NewDocument, int, error) {
	if form.Stopped {
		w.Header().Set("Connection", "close")
	}
	status := http.StatusUnprocessableEntity
	for _, name := range form.TooLarge {
		*fileErrors = append(*fileErrors, fmt.Sprintf("%s must be smaller than %d MB", name, maxFileMB))
		status = http.StatusRequestEntityTooLarge
	}
	if form.OverTotal {
		*fileErrors = append(*fileErrors, fmt.Sprintf("The selected files must be smaller than %d MB in total", maxTotalMB))
		status = http.StatusRequestEntityTooLarge
	}
	if form.BadNames > 0 {
		*fileErrors = append(*fileErrors, "One of the selected files was not sent because its name could not be read. Rename the file and select it again")
	}
	if form.TooManyFiles {
		*fileErrors = append(*fileErrors, fmt.Sprintf("Select %d files or fewer", maxUploadFiles))
	}
	var docs []store.NewDocument
	for _, file := range form.Files {
		_, contentType, err := upload.Inspect(file, upload.DefaultZipLimits)
		var rej *upload.RejectError
		switch {
		case errors.As(err, &rej):
			*fileErrors = append(*fileErrors, rej.Message())
			continue
		case err != nil:
			return nil, 0, err
		}
		docs = append(docs, store.NewDocument{Name: file.Name, ContentType: contentType, Size: file.Size,
			SHA256: file.SHA256, Body: file.Reader()})
	}
	return docs, status, nil
}
