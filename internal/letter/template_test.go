package letter

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"inspectrack/internal/domain"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*Template)
		field string
		want  string // part of the message; "" for valid
	}{
		{"default", func(*Template) {}, "", ""},
		{"spaces inside braces", func(t *Template) { t.Subject = "About {{ force_name }}" }, "", ""},
		{"unknown placeholder", func(t *Template) { t.Body += "\n\n{{forcename}}" }, "body", "uses {{forcename}}, which is not a placeholder"},
		{"two unknown", func(t *Template) { t.Address = "{{a}} {{b}} {{a}}" }, "address", "uses {{a}}, {{b}}, which are not placeholders"},
		{"capitals are another name", func(t *Template) { t.Subject = "{{Force_Name}}" }, "subject", "{{Force_Name}}"},
		{"unclosed", func(t *Template) { t.Closing = "Yours {{contact_name" }, "closing", "has a {{ or }} that is not part of a placeholder"},
		{"stray close", func(t *Template) { t.Closing = "Yours }}" }, "closing", "has a {{ or }}"},
		{"empty braces", func(t *Template) { t.Closing = "Yours {{}}" }, "closing", "uses {{}}"},
		{"odd italics", func(t *Template) { t.Body = "Our *report" }, "body", "a * without its closing *"},
		{"no address", func(t *Template) { t.Address = "  \n " }, "address", "Enter the address of the letter"},
		{"no body", func(t *Template) { t.Body = "" }, "body", "Enter the body of the letter"},
		{"copied to may be empty", func(t *Template) { t.CopiedTo = "" }, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl := DefaultTemplate()
			tc.edit(&tpl)
			err := Validate(tpl)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var problems ProblemsError
			if !errors.As(err, &problems) {
				t.Fatalf("Validate = %v, want problems", err)
			}
			if problems[0].Field != tc.field || !strings.Contains(problems[0].Message, tc.want) {
				t.Errorf("Validate = %+v, want %s: %q", problems, tc.field, tc.want)
			}
			if _, err := Compose(tpl, Data{}); !errors.Is(err, ErrInvalid) {
				t.Errorf("Compose of an invalid template = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestComposeTidiesMissingFactsAndReportsThem(t *testing.T) {
	c, err := Compose(DefaultTemplate(), Data{
		ForceName: "Sussex Police", ChiefOfficerTitle: "Chief Constable", ReportTitle: "PEEL",
		Findings: []Finding{{Narrative: "One\n  two."}, {Narrative: " "}, {Narrative: "Three."}},
	})
	if err != nil {
		t.Fatal(err)
	}
	l := c.Letter
	if want := []string{"Chief Constable", "Sussex Police", "Via email"}; !reflect.DeepEqual(l.Address, want) {
		t.Errorf("address %q, want %q", l.Address, want)
	}
	if want := []string{"Copied to:"}; !reflect.DeepEqual(l.CopiedTo, want) {
		t.Errorf("copied to %q, want %q", l.CopiedTo, want)
	}
	if l.Subject != "HMICFRS assessment: PEEL" {
		t.Errorf("subject %q: without a terminology note the report's title stands in", l.Subject)
	}
	if l.Date != "" {
		t.Errorf("date %q, want none", l.Date)
	}
	found := false
	for _, p := range l.Body {
		if p.Text() == "One two. Three." {
			found = true
		}
	}
	if !found {
		t.Errorf("no findings paragraph %q in %q", "One two. Three.", l.Text())
	}
	for _, name := range []string{"letter_date", "chief_officer_name", "oversight_holder_name", "contact_email", "signatory_name"} {
		if !contains(c.Missing, name) {
			t.Errorf("missing %v does not name %s", c.Missing, name)
		}
	}
	for _, name := range []string{"force_name", "findings", "chief_officer", "signatory", "chief_officer_honours"} {
		if contains(c.Missing, name) {
			t.Errorf("missing %v names %s, which was recorded", c.Missing, name)
		}
	}
	if strings.Contains(l.Text(), "  ") || strings.Contains(l.Text(), "{{") {
		t.Errorf("untidy letter:\n%s", l.Text())
	}
}

func TestComposeItalicsComeFromTheTemplateOnly(t *testing.T) {
	tpl := DefaultTemplate()
	tpl.Body = "We published *{{report_title}}* in {{report_published}}.\n\nAn *{{cause_of_concern}}* here."
	c, err := Compose(tpl, Data{ReportTitle: "A *starred* title", ReportPublished: domain.Date(2016, 12, 8)})
	if err != nil {
		t.Fatal(err)
	}
	want := []Paragraph{
		{{Text: "We published "}, {Text: "A *starred* title", Italic: true}, {Text: " in December 2016."}},
		{{Text: "An here."}},
	}
	if !reflect.DeepEqual(c.Letter.Body, want) {
		t.Errorf("body %#v\nwant %#v", c.Letter.Body, want)
	}
}

func TestComposeKeepsLinesOfMultiLineFacts(t *testing.T) {
	c, err := Compose(DefaultTemplate(), Data{SignatoryName: "Jo Bloggs", SignatoryTitles: "Inspector\r\n\r\nDeputy  Chief\n"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Jo Bloggs", "Inspector", "Deputy Chief"}; !reflect.DeepEqual(c.Letter.Signature, want) {
		t.Errorf("signature %q, want %q", c.Letter.Signature, want)
	}
}

func TestEveryPlaceholderIsDescribedAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Placeholders {
		if seen[p.Name] || p.Description == "" || p.value == nil {
			t.Errorf("placeholder %q duplicated or undescribed", p.Name)
		}
		seen[p.Name] = true
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestTermOf(t *testing.T) {
	for _, tc := range []struct{ note, want string }{
		{"abuse of position for a sexual purpose", "abuse of position for a sexual purpose"},
		{"  abuse of   position ", "abuse of position"},
		{"In April 2017 the National Police Chiefs' Council agreed a national strategy, which calls this 'abuse of position for a sexual purpose'. The recommendation keeps its original words; letters use the new term.", "abuse of position for a sexual purpose"},
		{"Now called ‘abuse of position for a sexual purpose’ (NPCC, 2017)", "abuse of position for a sexual purpose"},
		{`Renamed "serious sexual misconduct".`, "serious sexual misconduct"},
		{"The forces' and officers' duties", "The forces' and officers' duties"},
		{"", ""},
	} {
		if got := TermOf(tc.note); got != tc.want {
			t.Errorf("TermOf(%q) = %q, want %q", tc.note, got, tc.want)
		}
	}
}

func TestDraftMarksWhatIsMissingAndComposeDoesNot(t *testing.T) {
	d := Data{ForceName: "Sussex Police", ContactName: "Jo Contact"}
	draft, err := Draft(DefaultTemplate(), d)
	if err != nil {
		t.Fatal(err)
	}
	final, err := Compose(DefaultTemplate(), d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(draft.Letter.Text(), "please contact Jo Contact at [contact_email] or on [contact_phone].") {
		t.Errorf("draft does not mark the gaps:\n%s", draft.Letter.Text())
	}
	if strings.Contains(final.Letter.Text(), "[") || draft.Letter.Date != "" {
		t.Errorf("Compose marks gaps, or the draft is dated:\n%s", final.Letter.Text())
	}
	if !reflect.DeepEqual(draft.Missing, final.Missing) {
		t.Errorf("missing %v and %v differ", draft.Missing, final.Missing)
	}
}

// A fact recorded as nothing but blanks (a name field saved as spaces)
// is as missing as one never recorded: the letter must not go out with a
// gap where the chief constable's name should be.
func TestComposeCountsABlankFactAsMissing(t *testing.T) {
	c, err := Compose(DefaultTemplate(), Data{
		ForceName: "Sussex Police", ChiefOfficerTitle: "Chief Constable", ChiefOfficerName: "   ", ReportTitle: "PEEL",
		Findings: []Finding{{Narrative: "Three."}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !contains(c.Missing, "chief_officer_name") {
		t.Errorf("a name of blanks is not reported missing: missing %v", c.Missing)
	}
}

func TestDefaultWordingOpensWithTheReportAndItsTerminologyNote(t *testing.T) {
	d := Data{ReportTitle: "PEEL: police legitimacy 2016", ReportPublished: time.Date(2016, 12, 1, 0, 0, 0, 0, time.UTC),
		Term: "In the interests of consistency, we now refer to this as 'abuse of position for a sexual purpose'."}
	c, err := Compose(DefaultTemplate(), d)
	if err != nil {
		t.Fatal(err)
	}
	want := "In December 2016, we published our *PEEL: police legitimacy 2016* inspection report. " +
		"In the interests of consistency, we now refer to this as 'abuse of position for a sexual purpose'."
	if got := c.Letter.Body[0].Text(); got != want {
		t.Errorf("first paragraph\n%q, want\n%q", got, want)
	}
	if c.Letter.Subject != "HMICFRS assessment: Abuse of position for a sexual purpose" {
		t.Errorf("subject %q", c.Letter.Subject)
	}

	// Without a note the sentence about the report stands alone, and a
	// recommendation needs none: the note is never a missing fact.
	d.Term = ""
	if c, err = Compose(DefaultTemplate(), d); err != nil {
		t.Fatal(err)
	}
	if got := c.Letter.Body[0].Text(); got != "In December 2016, we published our *PEEL: police legitimacy 2016* inspection report." {
		t.Errorf("first paragraph without a note: %q", got)
	}
	if contains(c.Missing, "term_note") {
		t.Errorf("missing %v names the optional terminology note", c.Missing)
	}
}
