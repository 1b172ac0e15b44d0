// Package components holds the templ views of inspectrack: the layout every
// page sits in (layout.templ), the pages that belong to no resource
// (pages.templ), and one .templ file per resource.
//
// Views take view models (plain structs shaped like the page) and never the
// store. They follow the GOV.UK Design System without GOV.UK branding: no
// crown, no GOV.UK logo, no GDS Transport font.
package components

import (
	"time"

	"inspectrack/internal/domain"
)

// ServiceName is the name of the service, shown in the header and the <title>.
const ServiceName = "Inspection tracker"

// london is the time zone every date and time is shown in.
var london = domain.London()

// FormatDate is domain.FormatLong for the views: "2 October 2017", the zero
// time "".
func FormatDate(t time.Time) string { return domain.FormatLong(t) }

// FormatDateTime formats t as a GOV.UK style date and time in Europe/London:
// "2 October 2017 at 3:04pm", "2 October 2017 at 10am", "... at midday",
// "... at midnight". The zero time formats as "".
func FormatDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return domain.FormatLong(t) + " at " + formatClock(t.In(london))
}

// formatClock writes the time of day the GOV.UK way: 12-hour clock, no ":00",
// "midday" and "midnight" instead of 12pm and 12am.
func formatClock(t time.Time) string {
	switch h, m := t.Hour(), t.Minute(); {
	case h == 12 && m == 0:
		return "midday"
	case h == 0 && m == 0:
		return "midnight"
	case m == 0:
		return t.Format("3pm")
	default:
		return t.Format("3:04pm")
	}
}

// pageTitle is the text of <title>: "Cases – Inspection tracker", with
// "Error: " in front when the page shows a form with errors.
func pageTitle(p Page) string {
	title := ServiceName
	if p.Title != "" {
		title = p.Title + " – " + ServiceName
	}
	if p.HasErrors {
		title = "Error: " + title
	}
	return title
}

// containerClass is the class of the width containers (header, main, footer):
// GOV.UK Frontend's, or our wider one for pages of big tables.
func containerClass(p Page) string {
	if p.Wide {
		return "app-width-container--wide"
	}
	return "govuk-width-container"
}

// withTitle returns p with its Title set to title when the handler left it
// empty, so that pages such as "Page not found" always have their own title.
func withTitle(p Page, title string) Page {
	if p.Title == "" {
		p.Title = title
	}
	return p
}

// homeCaption is the caption above a user's welcome: their role, and their
// force for a liaison ("Force liaison, Sussex Police").
func homeCaption(h Home) string {
	if h.ForceName == "" {
		return h.Role
	}
	return h.Role + ", " + h.ForceName
}
