package components

import (
	"strconv"
	"time"

	"github.com/a-h/templ"
)

// CaseHeader is what a page about one case shows of it above its own
// content: the force, the report and the recommendation, and where the case
// stands. It is the one view model of a case's heading, whichever page it
// tops (its assessment, its letter, its follow-ups, its plans); each page
// fills what it shows.
type CaseHeader struct {
	ID          int64
	ForceName   string
	ForceHref   string
	ReportTitle string
	Reference   string // the recommendation's reference, e.g. "Recommendation 1"; may be ""
	Body        string // the recommendation's words
	Stage       string // the case's stage, its label
	StageTag    string
	StageReason string
	DueOn       time.Time // the plan's due date; zero: none
	Status      StatusTag // where the plan stands today, or on AsOf
	AsOf        time.Time // the day a page is shown as of (?asof=); zero for today
	Closed      bool
}

func (c CaseHeader) href() templ.SafeURL {
	return templ.SafeURL("/cases/" + strconv.FormatInt(c.ID, 10))
}

func (c CaseHeader) followUpsHref() templ.SafeURL {
	return templ.SafeURL("/cases/" + strconv.FormatInt(c.ID, 10) + "/follow-ups")
}
