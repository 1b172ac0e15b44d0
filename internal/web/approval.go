package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"inspectrack/internal/compose"
	"inspectrack/internal/domain"
	"inspectrack/internal/letter"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// Four eyes that hold: a letter's text is composed and frozen when its
// assessment is submitted for approval (or changed while it awaits
// approval), a manager approves that exact text (its SHA-256), and
// publishing publishes that text, dated. Before approving and publishing,
// the letter is composed again from the records as they stand: if that
// differs from the frozen text, an input changed after submission, and the
// assessment goes back to the inspector with a note naming what changed.

// composedLetter is the letter of recs as approval sees it: composed with
// letter.Compose (never the draft's [placeholders]), undated unless the
// letter has a date of its own, with the fingerprints of its inputs.
func composedLetter(recs store.LetterRecords) (letter.Composed, store.FrozenLetter, error) {
	c, err := letter.Compose(compose.Wording(recs), compose.Data(recs))
	if err != nil {
		return c, store.FrozenLetter{}, err
	}
	blocks, err := json.Marshal(c.Letter)
	if err != nil {
		return c, store.FrozenLetter{}, fmt.Errorf("web: letter of case %d: %w", recs.Case.CaseID, err)
	}
	inputs, err := json.Marshal(letterInputs(recs))
	if err != nil {
		return c, store.FrozenLetter{}, fmt.Errorf("web: letter of case %d: inputs: %w", recs.Case.CaseID, err)
	}
	text := c.Letter.Text()
	return c, store.FrozenLetter{Text: text, Blocks: blocks, SHA256: sha256Of(text), Inputs: inputs}, nil
}

func sha256Of(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// The inputs of a letter, fingerprinted apart so a change can be named.
const (
	inputAssessment = "assessment"
	inputWording    = "wording"
	inputForce      = "force"
)

// inputChanges say what changed, for the note on a letter sent back.
var inputChanges = map[string]string{
	inputAssessment: "the assessment, its case or the letter’s details changed",
	inputWording:    "the wording of this recommendation’s letters changed",
	inputForce:      "the force’s names changed",
}

// letterInputs fingerprints each input of the letter of recs: the force's
// names, the wording, and everything else (the assessment, its case and
// report, the letter's own details).
func letterInputs(recs store.LetterRecords) map[string]string {
	d := compose.Data(recs)
	force := []string{d.ForceName, d.ChiefOfficerTitle, d.ChiefOfficerName, d.ChiefOfficerHonours, d.OversightBody, d.OversightHolderName}
	d.ForceName, d.ChiefOfficerTitle, d.ChiefOfficerName, d.ChiefOfficerHonours, d.OversightBody, d.OversightHolderName = "", "", "", "", "", ""
	return map[string]string{
		inputAssessment: fingerprint(d),
		inputWording:    fingerprint(compose.Wording(recs)),
		inputForce:      fingerprint(force),
	}
}

func fingerprint(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs of strings and times always marshal
	}
	return sha256Of(string(b))
}

// changedInputs names the inputs whose fingerprints differ between the
// frozen letter and now, in a fixed order.
func changedInputs(frozen []byte, now map[string]string) []string {
	var was map[string]string
	_ = json.Unmarshal(frozen, &was) // nil when there were none
	if was == nil {
		// Submitted before letters were frozen for approval: nothing to compare.
		return []string{"the letter’s text was never frozen for approval (it was submitted before the portal froze letters)"}
	}
	var out []string
	for _, k := range []string{inputAssessment, inputWording, inputForce} {
		if was[k] != now[k] {
			out = append(out, inputChanges[k])
		}
	}
	if len(out) == 0 {
		out = []string{"the letter composes differently from the text submitted"}
	}
	return out
}

// staleNote is the note on an assessment sent back because its letter no
// longer composes to the text submitted for approval.
func staleNote(changes []string) string {
	return "Sent back automatically: " + strings.Join(changes, "; ") +
		" after the letter was submitted for approval, so the approved text is no longer the letter. Check the letter and submit it again."
}

// letterProblems are the facts the letter of recs lacks, in plain words,
// each linking to the page where it is set. The letter's date is never
// missing: an undated letter is dated the day it is published.
func letterProblems(recs store.LetterRecords, missing []string) components.Errors {
	var errs components.Errors
	f := recs.Case.Force
	forceEdit := "/forces/" + f.Code + "/edit"
	caseID := recs.Case.CaseID
	add := func(field, msg, href string) {
		errs = append(errs, components.FieldError{Field: field, Message: msg, Href: href})
	}
	for _, name := range missing {
		switch name {
		case "letter_date":
		case "chief_officer_name":
			add(name, "Enter the "+lowerOr(f.ChiefOfficerTitle, "chief officer")+"’s name", forceEdit+"#chief_officer_name")
		case "oversight_holder_name":
			add(name, "Enter the "+lowerOr(oversightRole(f.OversightBody), "oversight body’s holder")+"’s name", forceEdit+"#oversight_holder_name")
		case "chief_officer_title", "oversight_body", "force_name":
			add(name, "Record the force’s "+strings.ReplaceAll(name, "_", " ")+" in the list of forces", "/forces/"+f.Code)
		case "contact_name":
			add(name, "Enter the name of the contact for queries", caseHref(caseID, "/letter/edit#contact_name"))
		case "contact_email":
			add(name, "Enter the contact’s email address", caseHref(caseID, "/letter/edit#contact_email"))
		case "contact_phone":
			add(name, "Enter the contact’s telephone number", caseHref(caseID, "/letter/edit#contact_phone"))
		case "signatory_name":
			add(name, "Enter the name of the person who signs the letter", caseHref(caseID, "/letter/edit#signatory_name"))
		case "signatory_titles":
			add(name, "Enter the signatory’s titles", caseHref(caseID, "/letter/edit#signatory_titles"))
		case "assessment_period":
			add(name, "Enter the assessment period", caseHref(caseID, "/assessment/edit#period"))
		case "reviewed_up_to":
			add(name, "Enter the date documents were reviewed up to", caseHref(caseID, "/assessment/edit#reviewed_up_to-day"))
		case "findings":
			add(name, "Enter the findings: a narrative for each criterion, or the findings as one paragraph", caseHref(caseID, "/assessment/edit#findings_paragraph"))
		case "submission_date":
			add(name, "Select the submissions reviewed", caseHref(caseID, "/assessment/edit#submissions"))
		case "request_date", "plan_due_date":
			add(name, "Record the "+placeholderWords(name)+" on the case", caseHref(caseID, ""))
		default: // facts of the report and its recommendation
			add(name, "Record "+placeholderWords(name)+" on the report", "/reports/"+strconv.FormatInt(recs.Case.ReportID, 10))
		}
	}
	return errs
}

// placeholderWords describes a placeholder in words, without its example.
func placeholderWords(name string) string {
	for _, p := range letter.Placeholders {
		if p.Name == name {
			d, _, _ := strings.Cut(p.Description, ", e.g.")
			d, _, _ = strings.Cut(d, " (")
			return d
		}
	}
	return strings.ReplaceAll(name, "_", " ")
}

// oversightRole is the office of an oversight body: "Police and Crime
// Commissioner for Sussex" holds a police and crime commissioner.
func oversightRole(body string) string {
	role, _, _ := strings.Cut(body, " for ")
	return role
}

func lowerOr(s, fallback string) string {
	if s = strings.TrimSpace(s); s == "" {
		return fallback
	}
	return strings.ToLower(s)
}

// addressee is who the letter of recs is addressed and copied to.
func addressee(recs store.LetterRecords) components.Addressee {
	f := recs.Case.Force
	return components.Addressee{ChiefOfficer: strings.TrimSpace(strings.Join(slices.DeleteFunc(
		[]string{f.ChiefOfficerTitle, f.ChiefOfficerName, f.ChiefOfficerHonours}, func(s string) bool { return s == "" }), " ")),
		OversightBody: f.OversightBody, OversightName: f.OversightHolderName, EditHref: "/forces/" + f.Code + "/edit"}
}

// freezeLetter composes the letter of case caseID as st sees it (inside
// the transaction of the change that submits it) and stores it as the text
// a manager is to approve.
func freezeLetter(ctx context.Context, st *store.Store, a store.Actor, sc store.Scope, caseID int64, at time.Time) error {
	recs, err := st.LetterRecords(ctx, sc, caseID)
	if err != nil {
		return err
	}
	_, frozen, err := composedLetter(recs)
	if err != nil {
		return err
	}
	return st.FreezeLetter(ctx, a, sc, recs.Assessment.ID, frozen, at)
}

// publishedFromFrozen is the approved letter as publishing stores it: the
// frozen blocks, dated date when the approved text was undated.
func publishedFromFrozen(l store.Letter, date time.Time) (store.PublishedLetter, error) {
	var c letter.Letter
	if err := json.Unmarshal(l.Frozen.Blocks, &c); err != nil {
		return store.PublishedLetter{}, fmt.Errorf("web: frozen letter %d: %w", l.ID, err)
	}
	if c.Text() != l.Frozen.Text {
		return store.PublishedLetter{}, fmt.Errorf("web: frozen letter %d: blocks and text disagree", l.ID)
	}
	if c.Date == "" {
		c.Date = letterDate(date)
	}
	body, err := json.Marshal(c)
	if err != nil {
		return store.PublishedLetter{}, fmt.Errorf("web: letter %d: %w", l.ID, err)
	}
	return store.PublishedLetter{LetterDate: date, Text: c.Text(), Composed: body, ApprovedSHA256: l.ApprovedSHA256}, nil
}

// letterDate is the date line of a letter, as letter.Compose writes it.
func letterDate(d time.Time) string {
	c, err := letter.Compose(letter.Template{Address: "x", Salutation: "x", Body: "x", Signature: "x"}, letter.Data{LetterDate: d})
	if err != nil {
		panic(err) // a fixed, valid template
	}
	return c.Letter.Date
}

// approvalsBulkForm lists the assessments awaiting approval or publication,
// for a manager to approve or publish a selection in one action.
func (s *Server) approvalsBulkForm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.bulkView(r, nil)
	if err != nil {
		return err
	}
	return s.showForm(w, r, bulkApprovalPage(v))
}

func (s *Server) bulkView(r *http.Request, checked []string) (components.BulkApproval, error) {
	pending, err := s.store.PendingLetters(r.Context(), scope(r), 0, "")
	if err != nil {
		return components.BulkApproval{}, err
	}
	var v components.BulkApproval
	for _, p := range pending {
		value := strconv.FormatInt(p.CaseID, 10) + "-" + strconv.Itoa(p.Version)
		v.Options = append(v.Options, components.CheckOption{Value: value,
			Label: p.ForceName + ": " + p.ReportTitle + " (" + p.State.Label() + ")", Checked: slices.Contains(checked, value)})
	}
	return v, nil
}

func bulkApprovalPage(v components.BulkApproval) formPage {
	return newFormPage("Approve or publish assessments", components.BulkApprovalPage, v)
}

// approvalsBulkPost approves, or publishes, each selected assessment on its
// own, on the version the manager read, exactly as its own page would, and
// lists what was done and what was refused, and why.
func (s *Server) approvalsBulkPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	selected := r.PostForm["cases"]
	action := domain.Action(r.PostFormValue("action"))
	v, err := s.bulkView(r, selected)
	if err != nil {
		return err
	}
	if len(selected) == 0 {
		v.Errors.Add("cases", "Select the assessments to approve or publish")
	}
	if action != domain.ActionApprove && action != domain.ActionPublish {
		v.Errors.Add("action", "Select whether to approve or to publish them")
	} else {
		v.Action = string(action)
	}
	if v.Errors.Any() {
		return invalid(bulkApprovalPage(v))
	}
	res := components.BulkResult{Action: pastTense(action)}
	for _, value := range selected {
		caseText, versionText, _ := strings.Cut(value, "-")
		caseID, err1 := strconv.ParseInt(caseText, 10, 64)
		version, err2 := strconv.Atoi(versionText)
		if err1 != nil || err2 != nil {
			res.Refused = append(res.Refused, components.BulkOutcome{ForceName: value, Reasons: []string{"Not an assessment in the list"}})
			continue
		}
		o := components.BulkOutcome{ForceName: "Case " + caseText, Href: caseHref(caseID, "/assessment")}
		if ac, err := s.store.AssessmentCase(r.Context(), scope(r), caseID); err == nil {
			o.ForceName = ac.Force.Name + ": " + ac.ReportTitle
		}
		err := s.takeStep(r, caseID, action, version, "", nil)
		var no *stepRefused
		switch {
		case err == nil:
			res.Done = append(res.Done, o)
			continue
		case errors.As(err, &no):
			for _, e := range no.errs {
				o.Reasons = append(o.Reasons, e.Message)
			}
		case isNotFound(err) || errors.Is(err, errHidden):
			o.Reasons = []string{"Not an assessment you can " + strings.ToLower(action.Label())}
		default:
			return err // each done step is already committed and audited on its own
		}
		res.Refused = append(res.Refused, o)
	}
	return s.render(w, r, http.StatusOK, components.BulkResultPage(s.page(r, "Assessments "+res.Action), res))
}

// sendBackStale sends back to the inspector every assessment awaiting
// approval or publication, of recommendation findingID (0: any) and force
// forceCode ("": any), whose letter no longer composes to the text
// submitted, with a note naming what changed. It runs on st, inside the
// transaction of the change, so the change and its consequences commit
// together; it returns how many went back.
func sendBackStale(ctx context.Context, st *store.Store, a store.Actor, sc store.Scope, findingID int64, forceCode string, now time.Time) (int, error) {
	pending, err := st.PendingLetters(ctx, sc, findingID, forceCode)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range pending {
		recs, err := st.LetterRecords(ctx, sc, p.CaseID)
		if err != nil {
			return n, err
		}
		_, fresh, err := composedLetter(recs)
		if err != nil {
			return n, err
		}
		if recs.Letter.Frozen.SHA256 == fresh.SHA256 {
			continue
		}
		note := staleNote(changedInputs(recs.Letter.Frozen.Inputs, letterInputs(recs)))
		if err := st.TransitionAssessment(ctx, a, sc, p.AssessmentID, p.Version, domain.ActionReturn, p.State, domain.StateReturned, note, now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// sentBackNote tells the user who changed an input how many letters went
// back to the inspector.
func sentBackNote(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return " One assessment awaiting approval or publication has gone back to the inspector, as its letter changed."
	}
	return fmt.Sprintf(" %d assessments awaiting approval or publication have gone back to the inspector, as their letters changed.", n)
}

// pastStep is the real date of a workflow step recorded after the fact
// (past work entered later), and why.
type pastStep struct {
	On     time.Time // a calendar date
	Reason string
}

// at is the moment the step is recorded as taken: midday UTC of its day,
// the same London date all year.
func (p *pastStep) at() time.Time { return p.On.Add(12 * time.Hour) }

// note adds the real date and the reason to a step's comment, which the
// history and the audit trail keep; the audit event's own time is when it
// was entered.
func (p *pastStep) note(comment string, entered time.Time) string {
	n := "Happened on " + domain.FormatLong(p.On) + ", entered on " + domain.FormatLong(domain.Today(entered)) + ": " + p.Reason
	if comment == "" {
		return n
	}
	return comment + "\n\n" + n
}

// Longest reason for recording a step after the fact.
const maxPastReason = 1000

// readPastStep reads the optional real date of a step and its reason:
// nil when none was given, a *stepRefused when they do not hold (a date
// in the future, before the report, not a date, or without a reason).
func (s *Server) readPastStep(r *http.Request, caseID int64, action domain.Action) (*pastStep, components.DateField, string, error) {
	name := components.PastField(string(action))
	get := postValue(r)
	d := components.DateField{Name: name, Legend: "This happened on (optional)",
		Hint: "Only when recording past work: the day this step really took place. For example, 2 10 2017"}
	reason := strings.TrimSpace(r.PostFormValue(components.ReasonField(string(action))))
	if !dateGiven(get, name) {
		if reason != "" {
			return nil, d, reason, &stepRefused{status: http.StatusUnprocessableEntity, errs: components.Errors{{Field: name + "-day",
				Message: "Enter the date this happened, or leave the reason empty"}}}
		}
		return nil, components.DateField{}, "", nil
	}
	var errs components.Errors
	on, ok := readDate(get, &d, &errs, "the date this happened")
	switch {
	case !ok:
	case on.After(domain.Today(s.now())):
		dateProblem(&d, &errs, "The date this happened must be today or in the past")
	default:
		ac, err := s.store.AssessmentCase(r.Context(), scope(r), caseID)
		if err != nil {
			return nil, d, reason, err
		}
		if on.Before(ac.ReportPublished) {
			dateProblem(&d, &errs, "The date this happened must be on or after the report was published, "+domain.FormatLong(ac.ReportPublished))
		}
	}
	switch {
	case reason == "":
		errs.Add(components.ReasonField(string(action)), "Enter why this is recorded after the fact")
	case len(reason) > maxPastReason:
		errs.Add(components.ReasonField(string(action)), fmt.Sprintf("The reason must be %d characters or fewer", maxPastReason))
	}
	if errs.Any() {
		return nil, d, reason, &stepRefused{status: http.StatusUnprocessableEntity, errs: errs}
	}
	return &pastStep{On: on, Reason: reason}, d, reason, nil
}
