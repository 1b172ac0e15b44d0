package letter

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"inspectrack/internal/domain"
)

// Template is the wording of a recommendation's letters, one text per block
// of the letter, with named placeholders such as {{force_name}} where the
// recorded facts go. Body paragraphs are separated by a blank line; a
// single line break inside a paragraph is a space; *words* are set in
// italics. The other blocks keep their line breaks and drop empty lines.
type Template struct {
	Address    string
	CopiedTo   string
	Salutation string
	Subject    string
	Body       string
	Closing    string
	Signature  string
}

// Field is one block of a Template, for forms and error messages.
type Field struct {
	Key   string // the form field and error key, e.g. "copied_to"
	Label string
	get   func(*Template) *string
}

// Fields lists the blocks of a template in the order of the letter.
var Fields = []Field{
	{"address", "Address", func(t *Template) *string { return &t.Address }},
	{"copied_to", "Copied to", func(t *Template) *string { return &t.CopiedTo }},
	{"salutation", "Salutation", func(t *Template) *string { return &t.Salutation }},
	{"subject", "Subject", func(t *Template) *string { return &t.Subject }},
	{"body", "Body", func(t *Template) *string { return &t.Body }},
	{"closing", "Closing", func(t *Template) *string { return &t.Closing }},
	{"signature", "Signature", func(t *Template) *string { return &t.Signature }},
}

// Get returns the text of f in t.
func (f Field) Get(t Template) string { return *f.get(&t) }

// Set sets the text of f in t.
func (f Field) Set(t *Template, v string) { *f.get(t) = v }

// DefaultTemplate is the wording of a recommendation that has no template
// of its own yet: the structure of the inspectorate's 2017 letters (the
// report and its terminology note, the cause of concern quoted as recorded,
// the recommendation, the request and review, the findings, publication and
// follow-up, contact).
func DefaultTemplate() Template {
	return Template{
		Address:    "{{chief_officer}}\n{{force_name}}\nVia email",
		CopiedTo:   "Copied to: {{oversight_holder_name}}\n{{oversight_body}}",
		Salutation: "Dear {{chief_officer_title}}",
		Subject:    "HMICFRS assessment: {{term_capitalised}}",
		Body: `In {{report_published}}, we published our *{{report_title}}* inspection report. {{term_note}}

The report set out the following cause of concern:

{{cause_of_concern}}

This concern led to the following recommendation:

{{recommendation}}

Further to my letter dated {{request_date}} and your force's subsequent document submission, we have reviewed your force's plans to address our cause of concern. I am writing to inform you of our assessment of your force's plans, which took place during {{assessment_period}}, and included a review of all documentation submitted by {{reviewed_up_to}}.

{{findings}}

This letter will be published on the HMICFRS website, alongside a national overview report. We will be returning to your force to assess implementation of your plans during a subsequent inspection.

If you have any queries, please contact {{contact_name}} at {{contact_email}} or on {{contact_phone}}.`,
		Closing:   "Yours sincerely",
		Signature: "{{signatory}}\n{{signatory_titles}}",
	}
}

// Finding is an assessment's finding against one criterion, in criterion
// order.
type Finding struct {
	Criterion string
	Finding   domain.CriterionFinding
	Narrative string
}

// Data are the recorded facts a letter is composed from. Calendar dates are
// at 00:00 UTC; a zero date is a fact not recorded.
type Data struct {
	LetterDate time.Time

	ForceName           string
	ChiefOfficerTitle   string
	ChiefOfficerName    string
	ChiefOfficerHonours string
	OversightBody       string
	OversightHolderName string

	ReportTitle     string
	ReportPublished time.Time
	Term            string // the recommendation's terminology note (see TermOf)
	CauseOfConcern  string
	Recommendation  string

	RequestDate    time.Time
	PlanDueDate    time.Time
	SubmissionDate time.Time // the latest submission reviewed

	Period       string
	ReviewedUpTo time.Time
	Findings     []Finding
	// FindingsParagraph, when not blank, is the findings paragraph as the
	// inspector wrote it whole, in place of the narratives.
	FindingsParagraph string

	ContactName, ContactEmail, ContactPhone          string
	SignatoryName, SignatoryHonours, SignatoryTitles string
}

// Placeholder is a name a template may use and what it stands for.
type Placeholder struct {
	Name        string
	Description string
	value       func(Data) string
	// requires names the facts a composite stands on: {{chief_officer}}
	// reads well without a name but is still missing it.
	requires []string
	// optional facts are never missing: not everyone has honours.
	optional bool
}

// Placeholders lists every name a template may use, in the order the
// template editor explains them. A name not listed is an error.
var Placeholders = []Placeholder{
	ph("letter_date", "date of the letter, e.g. 2 October 2017 (the day of publication when not set)", func(d Data) string { return date(d.LetterDate) }),
	ph("chief_officer", "chief officer's title, name and honours, e.g. Chief Constable Simon Cole QPM", func(d Data) string {
		return joinWords(d.ChiefOfficerTitle, d.ChiefOfficerName, d.ChiefOfficerHonours)
	}).composite([]string{"chief_officer_title", "chief_officer_name"}),
	ph("chief_officer_title", "chief officer's title, e.g. Chief Constable", func(d Data) string { return d.ChiefOfficerTitle }),
	ph("chief_officer_name", "chief officer's name, e.g. Simon Cole", func(d Data) string { return d.ChiefOfficerName }),
	ph("chief_officer_honours", "chief officer's honours, e.g. QPM", func(d Data) string { return d.ChiefOfficerHonours }).optionalFact(),
	ph("force_name", "the force's name, e.g. Leicestershire Police", func(d Data) string { return d.ForceName }),
	ph("oversight_holder_name", "name of the holder of the oversight body, e.g. Lord Willy Bach", func(d Data) string { return d.OversightHolderName }),
	ph("oversight_body", "the oversight body, e.g. Police and Crime Commissioner for Leicestershire", func(d Data) string { return d.OversightBody }),
	ph("report_title", "the report's title, e.g. PEEL: police legitimacy 2016", func(d Data) string { return d.ReportTitle }),
	ph("report_published", "month the report was published, e.g. December 2016", func(d Data) string { return month(d.ReportPublished) }),
	ph("term", "the term of the recommendation's terminology note (the phrase it quotes), e.g. abuse of position for a sexual purpose; the report's title when there is no note", func(d Data) string { return term(d) }),
	ph("term_note", "the recommendation's terminology note as written (left out when there is none), e.g. In the interests of consistency, we now refer to this as 'abuse of position for a sexual purpose'.", func(d Data) string { return d.Term }).optionalFact(),
	ph("term_capitalised", "the same with a capital first letter, e.g. Abuse of position for a sexual purpose", func(d Data) string { return capitalise(term(d)) }).composite([]string{"term"}),
	ph("cause_of_concern", "the text of the cause of concern the recommendation answers", func(d Data) string { return d.CauseOfConcern }),
	ph("recommendation", "the text of the recommendation", func(d Data) string { return d.Recommendation }),
	ph("request_date", "date of the letter asking for the plan, e.g. 16 May 2017", func(d Data) string { return date(d.RequestDate) }),
	ph("plan_due_date", "date the plan was due, e.g. 31 May 2017", func(d Data) string { return date(d.PlanDueDate) }),
	ph("submission_date", "date of the latest submission reviewed", func(d Data) string { return date(d.SubmissionDate) }),
	ph("assessment_period", "when the assessment took place, e.g. June 2017", func(d Data) string { return d.Period }),
	ph("reviewed_up_to", "date up to which documents were reviewed, e.g. 31 May 2017", func(d Data) string { return date(d.ReviewedUpTo) }),
	ph("findings", "the findings as one paragraph: the inspector's paragraph, or the narratives in criterion order", findings),
	ph("contact_name", "name of the contact for queries, e.g. John Young", func(d Data) string { return d.ContactName }),
	ph("contact_email", "the contact's email address", func(d Data) string { return d.ContactEmail }),
	ph("contact_phone", "the contact's telephone number", func(d Data) string { return d.ContactPhone }),
	ph("signatory", "signatory's name and honours, e.g. Michael Cunningham QPM", func(d Data) string { return joinWords(d.SignatoryName, d.SignatoryHonours) }).composite([]string{"signatory_name"}),
	ph("signatory_name", "signatory's name, e.g. Michael Cunningham", func(d Data) string { return d.SignatoryName }),
	ph("signatory_honours", "signatory's honours, e.g. QPM", func(d Data) string { return d.SignatoryHonours }).optionalFact(),
	ph("signatory_titles", "signatory's titles, one a line", func(d Data) string { return d.SignatoryTitles }),
}

// ph is a placeholder standing for one fact.
func ph(name, description string, value func(Data) string) Placeholder {
	return Placeholder{Name: name, Description: description, value: value}
}

func (p Placeholder) composite(requires []string) Placeholder { p.requires = requires; return p }
func (p Placeholder) optionalFact() Placeholder               { p.optional = true; return p }

func placeholder(name string) (Placeholder, bool) {
	for _, p := range Placeholders {
		if p.Name == name {
			return p, true
		}
	}
	return Placeholder{}, false
}

func date(d time.Time) string {
	if d.IsZero() {
		return ""
	}
	return domain.FormatLong(d)
}

func month(d time.Time) string {
	if d.IsZero() {
		return ""
	}
	return d.Format("January 2006")
}

func term(d Data) string {
	if t := TermOf(d.Term); t != "" {
		return t
	}
	return d.ReportTitle
}

// quotedRE finds a phrase in quotes: an opening quote at the start or after
// a space or bracket, a closing one at the end or before a space or
// punctuation, so the apostrophe of "Chiefs' Council" is not taken for one.
var quotedRE = regexp.MustCompile(`(?:^|[\s(\[])['‘"“]([^'‘’"“”]+?)['’"”](?:$|[\s.,;:!?)\]])`)

// TermOf is the term a recommendation's terminology note introduces: the
// first phrase it puts in quotes ("... which calls this 'abuse of position
// for a sexual purpose'."), or the whole note when it quotes nothing (a
// note that is just the term).
func TermOf(note string) string {
	note = strings.Join(strings.Fields(note), " ")
	if m := quotedRE.FindStringSubmatch(note); m != nil {
		return strings.TrimSpace(m[1])
	}
	return note
}

func capitalise(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}

// joinWords joins the non-empty words with single spaces, so a force with
// no honours recorded reads "Chief Constable Jane Doe", not with a gap.
func joinWords(words ...string) string {
	var kept []string
	for _, w := range words {
		if w = strings.TrimSpace(w); w != "" {
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, " ")
}

// findings is the inspector's findings paragraph when written, else the
// narratives joined, in criterion order, with a space: an inspector may
// write the narratives of two criteria as one sentence.
func findings(d Data) string {
	if p := strings.Join(strings.Fields(d.FindingsParagraph), " "); p != "" {
		return p
	}
	var parts []string
	for _, f := range d.Findings {
		if n := strings.Join(strings.Fields(f.Narrative), " "); n != "" {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, " ")
}

// Problem is what is wrong with one block of a template.
type Problem struct {
	Field   string // the Field key
	Message string
}

// ProblemsError lists the problems of a template, in field order.
type ProblemsError []Problem

func (e ProblemsError) Error() string {
	msgs := make([]string, len(e))
	for i, p := range e {
		msgs[i] = p.Field + ": " + p.Message
	}
	return "letter: template: " + strings.Join(msgs, "; ")
}

var (
	placeholderRE = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)
	blankLineRE   = regexp.MustCompile(`\n[ \t]*\n`)
)

// Validate checks every block of t: placeholders are known and well
// formed, italics are closed, and the blocks the letter cannot do without
// are there. It returns a ProblemsError, or nil.
func Validate(t Template) error {
	var problems ProblemsError
	for _, f := range Fields {
		text := f.Get(t)
		if strings.TrimSpace(text) == "" {
			if f.Key == "address" || f.Key == "salutation" || f.Key == "body" || f.Key == "signature" {
				problems = append(problems, Problem{f.Key, fmt.Sprintf("Enter the %s of the letter", strings.ToLower(f.Label))})
			}
			continue
		}
		if msg := checkText(f, text); msg != "" {
			problems = append(problems, Problem{f.Key, msg})
		}
	}
	if problems == nil {
		return nil
	}
	return problems
}

func checkText(f Field, text string) string {
	var unknown []string
	for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
		name := m[1]
		if _, ok := placeholder(name); !ok && !slices.Contains(unknown, "{{"+name+"}}") {
			unknown = append(unknown, "{{"+name+"}}")
		}
	}
	switch {
	case len(unknown) == 1:
		return fmt.Sprintf("%s uses %s, which is not a placeholder: use one of those listed", f.Label, unknown[0])
	case len(unknown) > 1:
		return fmt.Sprintf("%s uses %s, which are not placeholders: use those listed", f.Label, strings.Join(unknown, ", "))
	}
	rest := placeholderRE.ReplaceAllString(text, "")
	if strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
		return f.Label + " has a {{ or }} that is not part of a placeholder such as {{force_name}}"
	}
	if f.Key == "body" {
		for _, para := range paragraphs(text) {
			if strings.Count(para, "*")%2 != 0 {
				return "Body has a * without its closing *: put words in italics *like this*"
			}
		}
	}
	return ""
}

// ErrInvalid matches the error of Compose for a template that does not
// validate.
var ErrInvalid = errors.New("letter: invalid template")

// Composed is a letter and the facts its template asked for that were not
// recorded (placeholder names), so a page can say what is missing.
type Composed struct {
	Letter  Letter
	Missing []string
}

// Compose fills t with d. A template that does not validate is an error
// wrapping ErrInvalid and the ProblemsError.
func Compose(t Template, d Data) (Composed, error) { return compose(t, d, false) }

// Draft is Compose for a letter still being written: a fact not recorded
// shows as its placeholder's name in brackets ("please contact
// [contact_name] at ..."), so the gap is seen where it is. What is
// published is always Compose's.
func Draft(t Template, d Data) (Composed, error) { return compose(t, d, true) }

func compose(t Template, d Data, markMissing bool) (Composed, error) {
	if err := Validate(t); err != nil {
		return Composed{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	c := composer{data: d, markMissing: markMissing}
	l := Letter{
		Address:    c.lines(t.Address),
		CopiedTo:   c.lines(t.CopiedTo),
		Date:       c.fill("{{letter_date}}"),
		Salutation: strings.Join(c.lines(t.Salutation), " "),
		Subject:    strings.Join(c.lines(t.Subject), " "),
		Closing:    strings.Join(c.lines(t.Closing), " "),
	}
	for _, para := range paragraphs(t.Body) {
		if p := c.paragraph(para); len(p) > 0 {
			l.Body = append(l.Body, p)
		}
	}
	l.Signature = c.lines(t.Signature)
	return Composed{Letter: l, Missing: c.missing}, nil
}

type composer struct {
	data        Data
	markMissing bool
	missing     []string
}

// fill replaces the placeholders of s with their values, noting those with
// none.
func (c *composer) fill(s string) string {
	return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		name := placeholderRE.FindStringSubmatch(m)[1]
		p, _ := placeholder(name) // Validate has checked every name
		c.check(p)
		v := strings.TrimSpace(p.value(c.data))
		if v == "" && c.markMissing && !p.optional && name != "letter_date" {
			return "[" + name + "]"
		}
		return v
	})
}

// check notes p, or the facts it requires, as missing when not recorded.
func (c *composer) check(p Placeholder) {
	names := p.requires
	if names == nil {
		names = []string{p.Name}
	}
	for _, name := range names {
		q, _ := placeholder(name)
		if !q.optional && strings.TrimSpace(q.value(c.data)) == "" && !slices.Contains(c.missing, name) {
			c.missing = append(c.missing, name)
		}
	}
}

// lines fills a block whose line breaks matter (an address), tidying each
// line and dropping those left empty.
func (c *composer) lines(s string) []string {
	var out []string
	for _, line := range strings.Split(c.fill(s), "\n") {
		if line = tidy(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// paragraph fills one body paragraph: its lines run together, *words* in
// italics. Italics are read from the template before the facts go in, so a
// fact containing * is never taken for markup.
func (c *composer) paragraph(s string) Paragraph {
	var p Paragraph
	for i, part := range strings.Split(s, "*") {
		text := squash(c.fill(part))
		if len(p) > 0 && strings.HasSuffix(p[len(p)-1].Text, " ") {
			text = strings.TrimLeft(text, " ")
		}
		if len(p) == 0 {
			text = strings.TrimLeft(text, " ")
		}
		italic := i%2 == 1
		switch {
		case text == "":
		case len(p) > 0 && p[len(p)-1].Italic == italic:
			p[len(p)-1].Text += text
		default:
			p = append(p, Span{Text: text, Italic: italic})
		}
	}
	if len(p) == 0 {
		return nil
	}
	last := &p[len(p)-1]
	last.Text = strings.TrimRight(last.Text, " ")
	if last.Text == "" {
		p = p[:len(p)-1]
	}
	return p
}

// squash turns every run of white space (line breaks included) into one
// space, keeping a space at either end: it may separate two spans.
func squash(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

func tidy(line string) string { return strings.Join(strings.Fields(line), " ") }

// paragraphs splits a body at blank lines.
func paragraphs(body string) []string {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	var out []string
	for _, p := range blankLineRE.Split(body, -1) {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}
