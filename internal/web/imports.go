package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"inspectrack/internal/domain"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// The import file format: a CSV file (UTF-8, comma separated, a header row
// first, columns in any order) of findings for one report, one a row.
//
//	kind              required: cause of concern | recommendation | area for improvement
//	                  (also cause_of_concern, afi)
//	reference         e.g. "Recommendation 1"; unique in the report
//	text              required: the finding's words
//	deadline          recommendations: the deadline as written ("within six months");
//	                  empty: read from the text
//	deadline_date     recommendations: the date, 2017-06-08 or 8/6/2017, when the
//	                  words give none (or to correct the computed one)
//	answers           recommendations: reference of the cause of concern answered,
//	                  in this file or already in the report
//	terminology_note  recommendations: a later change of words
//	forces            recommendations: force codes separated by "|"; empty: all police forces
//	criteria          recommendations: assessment criteria in order, separated by "|"
//
// Only kind and text must be present as columns. A dry run checks every
// row and writes nothing; the checked content travels back in the confirm
// form with its SHA-256, and is checked again before anything is written,
// all rows in one transaction. Nothing is stored on the server's disk.
var importColumns = []string{"kind", "reference", "text", "deadline", "deadline_date", "answers", "terminology_note", "forces", "criteria"}

// findingsImport is the shape of the findings import file.
var findingsImport = csvImport{columns: sameNames(importColumns), known: strings.Join(importColumns, ", "),
	required: []string{"kind", "text"}, maxRows: maxImportRows, things: "findings"}

// sameNames maps each column to itself: headers without aliases.
func sameNames(columns []string) map[string]string {
	m := make(map[string]string, len(columns))
	for _, c := range columns {
		m[c] = c
	}
	return m
}

// Limits of an import.
const (
	maxImportBytes = 1 << 20 // 1 MiB of CSV
	maxImportRows  = 500
)

// importKinds are the words the kind column accepts.
var importKinds = map[string]domain.FindingKind{
	"cause of concern": domain.FindingCauseOfConcern, "cause_of_concern": domain.FindingCauseOfConcern,
	"recommendation":       domain.FindingRecommendation,
	"area for improvement": domain.FindingAFI, "afi": domain.FindingAFI,
}

// importPlan is what a dry run found: every row with its result or its
// problems, and problems with the file as a whole.
type importPlan struct {
	rows       []store.ImportRow
	view       []components.ImportRow
	fileErrors []string
}

func (p importPlan) ok() bool {
	return importOK(p.fileErrors, p.view, func(r components.ImportRow) []string { return r.Errors })
}

// checkImport reads and checks an import file against the report, its
// findings so far and the forces. It touches nothing.
func checkImport(content []byte, rp store.Report, existing []store.Finding, forceCodes map[string]bool) importPlan {
	var plan importPlan
	refs := map[string]domain.FindingKind{} // lower-case reference -> kind, in the report and the file
	for _, f := range existing {
		if f.Reference != "" {
			refs[strings.ToLower(f.Reference)] = f.Kind
		}
	}
	plan.fileErrors, _ = findingsImport.read(content, func(cr csvRow) error {
		line, get := cr.line, cr.get
		v := components.ImportRow{Line: line, Reference: get("reference"), Text: get("text")}
		row := store.ImportRow{Line: line}
		if cr.problem != "" {
			v.Errors = append(v.Errors, cr.problem)
		}
		kind, ok := importKinds[strings.ToLower(get("kind"))]
		if !ok {
			v.Errors = append(v.Errors, fmt.Sprintf("Kind “%s” is not cause of concern, recommendation or area for improvement", get("kind")))
		}
		v.Kind = kind.Label()
		in := store.FindingInput{Kind: kind, Reference: v.Reference, Body: v.Text, Scope: store.ScopeAllPolice}
		switch {
		case v.Text == "":
			v.Errors = append(v.Errors, "Enter the text of the finding")
		case utf8.RuneCountInString(v.Text) > maxBodyLen:
			v.Errors = append(v.Errors, "Text must be 10000 characters or fewer")
		}
		if ref := strings.ToLower(v.Reference); ref != "" {
			if utf8.RuneCountInString(ref) > maxReferenceLen {
				v.Errors = append(v.Errors, "Reference must be 100 characters or fewer")
			}
			if _, taken := refs[ref]; taken {
				v.Errors = append(v.Errors, fmt.Sprintf("Reference “%s” is already used in this report or this file", v.Reference))
			}
			refs[ref] = kind
		}
		var result []string
		if kind == domain.FindingRecommendation {
			result = checkImportRecommendation(get, rp, forceCodes, &in, &v)
			if a := get("answers"); a != "" {
				row.ParentRef = a // checked once every row's reference is known
				result = append(result, "answers "+a)
			}
		} else {
			for _, c := range []string{"deadline", "deadline_date", "answers", "terminology_note", "forces", "criteria"} {
				if get(c) != "" {
					v.Errors = append(v.Errors, fmt.Sprintf("Only a recommendation has %s", strings.ReplaceAll(c, "_", " ")))
				}
			}
		}
		v.Result = strings.Join(result, "; ")
		row.Input = in
		plan.rows = append(plan.rows, row)
		plan.view = append(plan.view, v)
		return nil
	})
	if len(plan.fileErrors) > 0 {
		return plan
	}
	for i, row := range plan.rows {
		if row.ParentRef == "" {
			continue
		}
		if refs[strings.ToLower(row.ParentRef)] != domain.FindingCauseOfConcern {
			plan.view[i].Errors = append(plan.view[i].Errors,
				fmt.Sprintf("Answers “%s”, which is not a cause of concern in this report or this file", row.ParentRef))
		}
	}
	if len(plan.view) == 0 {
		plan.fileErrors = append(plan.fileErrors, "The file has a header but no findings")
	}
	return plan
}

// checkImportRecommendation checks the recommendation-only columns of a
// row, filling in and returning what the row will record.
func checkImportRecommendation(get func(string) string, rp store.Report, forceCodes map[string]bool, in *store.FindingInput, v *components.ImportRow) []string {
	var result []string
	var entered *time.Time
	if ds := get("deadline_date"); ds != "" {
		d, err := parseImportDate(ds)
		if err != nil {
			v.Errors = append(v.Errors, fmt.Sprintf("Deadline date “%s” is not a real date: write it like 2017-06-08 or 8/6/2017", ds))
		} else {
			entered = &d
		}
	}
	phrase, on, overridden, err := resolveDeadline(rp.PublishedOn, in.Body, get("deadline"), entered)
	switch {
	case errors.Is(err, domain.ErrManualDeadline):
		v.Errors = append(v.Errors, fmt.Sprintf("The deadline “%s” gives no date: add the date in the deadline_date column", phrase))
	case on != nil && overridden:
		result = append(result, "deadline "+domain.FormatLong(*on)+" (as given)")
	case on != nil:
		result = append(result, fmt.Sprintf("deadline “%s”: %s", phrase, domain.FormatLong(*on)))
	default:
		result = append(result, "no deadline")
	}
	in.DeadlineText, in.DeadlineOn, in.DeadlineOverridden = phrase, on, overridden
	in.TerminologyNote = get("terminology_note")
	if utf8.RuneCountInString(in.TerminologyNote) > maxNoteLen {
		v.Errors = append(v.Errors, "Terminology note must be 2000 characters or fewer")
	}
	if fs := splitBar(get("forces")); len(fs) > 0 {
		in.Scope, in.ForceCodes = store.ScopeListed, fs
		for _, c := range fs {
			if !forceCodes[c] {
				v.Errors = append(v.Errors, fmt.Sprintf("No force has the code “%s”", c))
			}
		}
		result = append(result, fmt.Sprintf("%d listed forces", len(fs)))
	} else {
		result = append(result, "all police forces")
	}
	for _, c := range splitBar(get("criteria")) {
		if utf8.RuneCountInString(c) > 300 {
			v.Errors = append(v.Errors, "Each criterion must be 300 characters or fewer")
		}
		in.Criteria = append(in.Criteria, store.NewCriterion{Title: c})
	}
	result = append(result, fmt.Sprintf("%d criteria", len(in.Criteria)))
	return result
}

func splitBar(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "|") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseImportDate reads 2017-06-08 or 8/6/2017, through the date boxes'
// reader, so both refuse the same dates (the year 0000, 31 February).
func parseImportDate(s string) (time.Time, error) {
	if y, md, ok := strings.Cut(s, "-"); ok {
		m, d, _ := strings.Cut(md, "-")
		if len(y) != 4 || len(m) != 2 || len(d) != 2 {
			return time.Time{}, errors.New("web: not a date")
		}
		return domain.ParseDate(d, m, y)
	}
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return time.Time{}, errors.New("web: not a date")
	}
	return domain.ParseDate(parts[0], parts[1], parts[2])
}

func contentHash(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

func (s *Server) importReport(r *http.Request) (store.Report, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return store.Report{}, err
	}
	return s.store.Report(r.Context(), id)
}

func (s *Server) importsForm(w http.ResponseWriter, r *http.Request) error {
	rp, err := s.importReport(r)
	if err != nil {
		return err
	}
	return s.showForm(w, r, importPage(components.ImportView{ReportID: rp.ID, ReportTitle: rp.Title, Columns: importColumns}))
}

func importPage(v components.ImportView) formPage {
	fp := newFormPage("Import findings – "+v.ReportTitle, components.ImportPage, v)
	fp.wide = len(v.Rows) > 0
	return fp
}

// readUpload reads the one file of a multipart form into memory, at most
// maxImportBytes, streaming the parts so nothing reaches the disk.
func readUpload(w http.ResponseWriter, r *http.Request, field string) (name string, content []byte, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBytes+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, withStatus(http.StatusBadRequest, err)
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return "", nil, nil
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, withStatus(http.StatusRequestEntityTooLarge, err)
		}
		if err != nil {
			return "", nil, withStatus(http.StatusBadRequest, err)
		}
		if part.FormName() != field {
			continue
		}
		content, err := io.ReadAll(io.LimitReader(part, maxImportBytes+1))
		if errors.As(err, &tooBig) || len(content) > maxImportBytes {
			return "", nil, withStatus(http.StatusRequestEntityTooLarge, fmt.Errorf("web: import over %d bytes", maxImportBytes))
		}
		if err != nil {
			return "", nil, withStatus(http.StatusBadRequest, err)
		}
		return part.FileName(), content, nil
	}
}

// planImport checks content against the report as it is now.
func (s *Server) planImport(r *http.Request, rp store.Report, content []byte) (importPlan, error) {
	existing, err := s.store.ListFindings(r.Context(), rp.ID)
	if err != nil {
		return importPlan{}, err
	}
	forces, err := s.store.ListForces(r.Context(), store.Scope{})
	if err != nil {
		return importPlan{}, err
	}
	codes := map[string]bool{}
	for _, f := range forces {
		codes[f.Code] = true
	}
	return checkImport(content, rp, existing, codes), nil
}

// importsPost checks an uploaded file and shows each row's result; it
// writes nothing.
func (s *Server) importsPost(w http.ResponseWriter, r *http.Request) error {
	rp, err := s.importReport(r)
	if err != nil {
		return err
	}
	s.paceUpload(w, r)
	name, content, err := readUpload(w, r, "file")
	if err != nil {
		return err
	}
	v := components.ImportView{ReportID: rp.ID, ReportTitle: rp.Title, Columns: importColumns, FileName: name}
	if len(content) == 0 {
		v.Errors.Add("file", "Select a CSV file of findings")
		return invalid(importPage(v))
	}
	return s.showPlan(w, r, rp, v, content)
}

func (s *Server) showPlan(w http.ResponseWriter, r *http.Request, rp store.Report, v components.ImportView, content []byte) error {
	plan, err := s.planImport(r, rp, content)
	if err != nil {
		return err
	}
	v.Rows, v.FileErrors = plan.view, plan.fileErrors
	if !plan.ok() {
		v.Errors.Add("file", "The file has problems: nothing has been imported. Correct them and upload it again")
		return invalid(importPage(v))
	}
	v.Content = base64.StdEncoding.EncodeToString(content)
	v.Hash = contentHash(content)
	v.Ready = true
	return s.showForm(w, r, importPage(v))
}

// importsConfirmPost writes the checked file: it must be the content the dry
// run showed (its hash), and is checked again against the report as it is
// now; then every row is written in one transaction, or none.
func (s *Server) importsConfirmPost(w http.ResponseWriter, r *http.Request) error {
	rp, err := s.importReport(r)
	if err != nil {
		return err
	}
	s.paceUpload(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, 2*maxImportBytes)
	content, err := base64.StdEncoding.DecodeString(r.PostFormValue("content"))
	hash := r.PostFormValue("sha256")
	if err != nil || len(content) == 0 || len(content) > maxImportBytes ||
		subtle.ConstantTimeCompare([]byte(contentHash(content)), []byte(hash)) != 1 {
		return withStatus(http.StatusBadRequest, errors.New("web: import content does not match what the dry run checked"))
	}
	name := r.PostFormValue("file_name")
	v := components.ImportView{ReportID: rp.ID, ReportTitle: rp.Title, Columns: importColumns, FileName: name}
	plan, err := s.planImport(r, rp, content)
	if err != nil {
		return err
	}
	if !plan.ok() { // the report changed since the dry run
		return s.showPlan(w, r, rp, v, content)
	}
	n, err := s.store.ImportFindings(r.Context(), actor(r), rp.ID, plan.rows,
		fmt.Sprintf("%s, %d rows, sha256 %s", strconv.Quote(name), len(plan.rows), hash[:16]))
	if errors.Is(err, store.ErrReferenceTaken) || errors.Is(err, store.ErrBadParent) {
		return s.showPlan(w, r, rp, v, content) // raced with another change: check again
	}
	if err != nil {
		return err
	}
	s.sessions.Put(r.Context(), "flash", fmt.Sprintf("%d findings imported from %s.", n, name))
	http.Redirect(w, r, "/reports/"+strconv.FormatInt(rp.ID, 10), http.StatusSeeOther)
	return nil
}
