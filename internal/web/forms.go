package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"inspectrack/internal/domain"
	"inspectrack/web/components"
)

// A form is read and answered the same way everywhere: its values are read
// into the view model as typed (readDate, readText), every problem goes into
// the view model's components.Errors, and a form with problems is returned
// as an error from invalid; handle then renders the page again, its values
// kept and its error summary at the top, with 422. No form's handler sets
// HasErrors or writes 422 itself. (The as-of boxes of the dashboard and the
// lists are a filter of a page, not a form: those pages mark the day that
// cannot be read by its boxes, and show the page as of today.)

// formPage is a page showing a form: its title, whether it is wide, and
// build, which makes its view given the layout. build may read what the
// form offers (the forces to choose from) and set the title from it.
type formPage struct {
	title string
	wide  bool
	build func(r *http.Request, p *components.Page) (templ.Component, error)
}

// newFormPage is the page titled title that view renders with f.
func newFormPage[F any](title string, view func(components.Page, F) templ.Component, f F) formPage {
	return formPage{title: title, build: func(_ *http.Request, p *components.Page) (templ.Component, error) {
		return view(*p, f), nil
	}}
}

// invalidForm is a form sent with problems the user can put right: handle
// renders its page again with status (422 unless set) and "Error: " before
// the title. Nothing was written.
type invalidForm struct {
	page   formPage
	status int
}

func (e *invalidForm) Error() string { return "web: the form “" + e.page.title + "” has problems" }

// invalid is the answer to a form with problems: its page again, with 422.
func invalid(fp formPage) error { return rejected(http.StatusUnprocessableEntity, fp) }

// rejected is the answer to a form refused with status (409 for a save
// over someone else's, 413 for a file too large): its page again.
func rejected(status int, fp formPage) error { return &invalidForm{page: fp, status: status} }

// showForm renders a form's page with 200: the form before it is sent.
func (s *Server) showForm(w http.ResponseWriter, r *http.Request, fp formPage) error {
	return s.renderFormPage(w, r, http.StatusOK, fp, false)
}

func (s *Server) renderFormPage(w http.ResponseWriter, r *http.Request, status int, fp formPage, hasErrors bool) error {
	p := s.page(r, fp.title)
	p.Wide, p.HasErrors = fp.wide, hasErrors
	c, err := fp.build(r, &p)
	if err != nil {
		return err
	}
	return s.render(w, r, status, c)
}

// formGetter reads one value of a form or query by name.
type formGetter func(name string) string

// postValue reads r's posted form.
func postValue(r *http.Request) formGetter { return r.PostFormValue }

// readText reads the text input or textarea in from get, trimmed, into
// in.Value: an error on in and in errs when it is empty and required says
// what to enter, or when it is longer than max characters.
func readText(get formGetter, in *components.Input, errs *components.Errors, required string, max int) string {
	in.Value = strings.TrimSpace(get(in.Name))
	switch {
	case in.Value == "" && required != "":
		in.Error = required
	case len([]rune(in.Value)) > max:
		in.Error = fmt.Sprintf("%s must be %d characters or fewer", in.Label, max)
	}
	if in.Error != "" {
		errs.Add(in.Name, in.Error)
	}
	return in.Value
}

// textField reads a reason or note of at most maxReason characters (see
// readText) from r's posted form.
func textField(r *http.Request, in *components.Input, errs *components.Errors, required string) string {
	return readText(postValue(r), in, errs, required, maxReason)
}

// readDate reads the GOV.UK date input d (its name, legend and hint kept)
// from get: its three boxes, trimmed, go back into d. A missing or
// impossible date is an error on d and in errs, on the box at fault, in
// GOV.UK wording with inSentence naming the date mid-sentence ("the plan
// due date"); ok is false then. A date that may be left empty is read only
// when dateGiven.
func readDate(get formGetter, d *components.DateField, errs *components.Errors, inSentence string) (t time.Time, ok bool) {
	d.Day = strings.TrimSpace(get(d.Name + "-day"))
	d.Month = strings.TrimSpace(get(d.Name + "-month"))
	d.Year = strings.TrimSpace(get(d.Name + "-year"))
	t, err := domain.ParseDate(d.Day, d.Month, d.Year)
	if err == nil {
		return t, true
	}
	msg, box := "Enter a real date", domain.DateFieldDay
	var de *domain.DateError
	if errors.As(err, &de) {
		msg = de.Message(inSentence)
		if len(de.Fields) > 0 {
			box = de.Fields[0]
		}
	}
	d.Error = msg
	errs.Add(d.Name+"-"+string(box), msg)
	return time.Time{}, false
}

// dateGiven reports whether any box of the date input name was filled.
func dateGiven(get formGetter, name string) bool {
	return strings.TrimSpace(get(name+"-day")+get(name+"-month")+get(name+"-year")) != ""
}

// dateProblem records a rule the date d breaks (in the future, too early):
// on d and in errs, against its day box.
func dateProblem(d *components.DateField, errs *components.Errors, msg string) {
	d.Error = msg
	errs.Add(d.Name+"-day", msg)
}

// dateFromForm reads the date input name, with legend label, from r's
// posted form into a new field (see readDate).
func dateFromForm(r *http.Request, name, label, inSentence string, errs *components.Errors) (time.Time, components.DateField) {
	field := components.DateField{Name: name, Legend: label}
	d, _ := readDate(postValue(r), &field, errs, inSentence)
	return d, field
}

// setDate fills the boxes of d with the date t; the zero time leaves them
// empty.
func setDate(d *components.DateField, t time.Time) {
	if t.IsZero() {
		d.Day, d.Month, d.Year = "", "", ""
		return
	}
	d.Day, d.Month, d.Year = strconv.Itoa(t.Day()), strconv.Itoa(int(t.Month())), strconv.Itoa(t.Year())
}

// asOfDate reads the day a page is shown as of: ?asof=2017-06-01, or the
// three boxes asof-day, asof-month and asof-year of the page's form; today
// when neither is given. It is the one reader of the day for every page and
// export (dashboard and CSV, forces, a force, a case, the liaison home, the
// plans), so both forms give the same page. A date that cannot be read
// gives today and the message to show by the boxes.
func (s *Server) asOfDate(r *http.Request) (asOf time.Time, field components.DateField, isToday bool, errMsg string) {
	today := domain.Today(s.now())
	q := r.URL.Query()
	field = components.DateField{Name: "asof", Legend: "Show as of", Hint: "For example, 1 6 2017"}
	switch {
	case q.Get("asof") != "":
		d, err := time.Parse("2006-01-02", q.Get("asof"))
		if err != nil {
			return today, field, true, "Enter the date to show the page as of, like 1 6 2017"
		}
		asOf = domain.Date(d.Date())
	case dateGiven(q.Get, "asof"):
		var errs components.Errors
		d, ok := readDate(q.Get, &field, &errs, "the date")
		if !ok {
			field.Error = ""
			return today, field, true, errs[0].Message
		}
		asOf = d
	default:
		return today, field, true, ""
	}
	setDate(&field, asOf)
	return asOf, field, asOf.Equal(today), ""
}

// asOfOnly is asOfDate for pages and exports with no boxes to show a
// message by (the plans of a case, the calendar feed): a day that cannot
// be read is a 400.
func (s *Server) asOfOnly(r *http.Request) (asOf time.Time, isToday bool, err error) {
	asOf, _, isToday, msg := s.asOfDate(r)
	if msg != "" {
		return asOf, isToday, withStatus(http.StatusBadRequest, errors.New("web: as of: "+msg))
	}
	return asOf, isToday, nil
}
