package components

// FieldError is one problem with one form field, shown in the error
// summary at the top of the page and beside the field.
type FieldError struct {
	Field   string // the id of the input it is about (the summary links to #Field)
	Message string
	Href    string // where the fact is set, when not on this page ("" links to #Field)
}

// Errors are the problems with a submitted form, in the order of the form.
type Errors []FieldError

// For returns the message for field, or "".
func (e Errors) For(field string) string {
	for _, fe := range e {
		if fe.Field == field {
			return fe.Message
		}
	}
	return ""
}

// Add appends a problem with field.
func (e *Errors) Add(field, message string) {
	*e = append(*e, FieldError{Field: field, Message: message})
}

// Link is the target of the summary's link to e: its Href, or #Field.
func (e FieldError) Link() string {
	if e.Href != "" {
		return e.Href
	}
	return "#" + e.Field
}

// Any reports whether there are problems.
func (e Errors) Any() bool { return len(e) > 0 }

// Input describes a text input, textarea or select in the GOV.UK pattern.
type Input struct {
	Name               string // name and id
	Label              string
	Hint               string
	Value              string
	Type               string // "text" when empty; "email", "password", "number", "url"
	Autocomplete       string
	Class              string // width class, e.g. "govuk-input--width-20"
	Error              string
	Rows               int      // textareas
	Options            []Option // selects and radios
	LabelIsPageHeading bool
}

// Option is one choice of a select or radios.
type Option struct {
	Value, Label, Hint string
}

// DateField is a GOV.UK date input: three fields named Name-day,
// Name-month and Name-year.
type DateField struct {
	Name             string
	Legend           string
	Hint             string
	Day, Month, Year string
	Error            string
}

func inputType(in Input) string {
	if in.Type == "" {
		return "text"
	}
	return in.Type
}

func hintID(in Input) string  { return in.Name + "-hint" }
func errorID(in Input) string { return in.Name + "-error" }

func describedBy(in Input) string {
	s := ""
	if in.Hint != "" {
		s = hintID(in)
	}
	if in.Error != "" {
		if s != "" {
			s += " "
		}
		s += errorID(in)
	}
	return s
}

func formGroupClass(errMsg string) string {
	if errMsg != "" {
		return "govuk-form-group govuk-form-group--error"
	}
	return "govuk-form-group"
}

func inputClass(base, errClass, extra, errMsg string) string {
	c := base
	if extra != "" {
		c += " " + extra
	}
	if errMsg != "" {
		c += " " + errClass
	}
	return c
}

func rows(in Input) string {
	if in.Rows == 0 {
		return "5"
	}
	return itoa(in.Rows)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
