// Package notify words the portal's messages: for each kind, its subject
// and its text and HTML parts, in plain English after GOV.UK Notify's
// style (say what to do, one clear link, nothing sensitive beyond what the
// link's page shows after signing in). It is pure: no database, no SMTP.
package notify

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
)

// The kinds of message.
const (
	KindInvite              = "invite"
	KindReset               = "reset"
	KindRequestIssued       = "request_issued"
	KindPlanReceived        = "plan_received"
	KindAssessmentSubmitted = "assessment_submitted"
	KindAssessmentReturned  = "assessment_returned"
	KindLetterPublished     = "letter_published"
	KindFollowUpScheduled   = "follow_up_scheduled"
	KindFollowUpMoved       = "follow_up_moved"
	KindReminder            = "reminder"
	KindChaser              = "chaser"
	KindDigest              = "digest"
)

// Kinds lists every kind, for tests that send each.
var Kinds = []string{KindInvite, KindReset, KindRequestIssued, KindPlanReceived,
	KindAssessmentSubmitted, KindAssessmentReturned, KindLetterPublished,
	KindFollowUpScheduled, KindFollowUpMoved, KindReminder, KindChaser, KindDigest}

// TokenPurpose is the one-time link a kind carries ("invite", "reset"),
// or "" for a kind whose link needs no token.
func TokenPurpose(kind string) string {
	switch kind {
	case KindInvite:
		return "invite"
	case KindReset:
		return "reset"
	}
	return ""
}

// Params are what a message says: names, dates and the path of its link.
// Never a secret: they are kept with the message.
type Params map[string]string

// Email is a message ready to send.
type Email struct {
	To, Subject, Text, HTML string
	// ID is the outbound message's id: the Message-ID is made from it, so
	// a receiver can tell a repeat from a new message.
	ID int64
}

// letter is the shape of every message: a greeting, paragraphs, one link
// and what happens if the reader did not expect it.
type letter struct {
	Greeting   string
	Paragraphs []string
	LinkText   string
	Link       string
	After      []string
}

// Subject is the subject line of a message of kind with params: it says
// what to do.
func Subject(kind string, p Params) string {
	switch kind {
	case KindInvite:
		return "Choose a password to use the inspection tracker"
	case KindReset:
		return "Reset your password for the inspection tracker"
	case KindRequestIssued:
		return "Send your force's plan by " + p["due"]
	case KindPlanReceived:
		return "We have received your force's plan"
	case KindAssessmentSubmitted:
		return "Approve an assessment of " + p["force"] + "'s plan"
	case KindAssessmentReturned:
		return "Change your assessment of " + p["force"] + "'s plan"
	case KindLetterPublished:
		return "Read the published letter about your force's plan"
	case KindFollowUpScheduled:
		return "A follow-up inspection is planned for " + p["planned"]
	case KindFollowUpMoved:
		return "A follow-up inspection has moved to " + p["planned"]
	case KindReminder:
		return "Send your force's plan by " + p["due"]
	case KindChaser:
		return "Your force's plan is overdue: send it now"
	case KindDigest:
		return "This week's overdue work: " + p["week"]
	}
	return "A message from the inspection tracker"
}

// Render words a message of kind to name with params; base is the
// portal's address (INSPECTRACK_BASE_URL) and token the one-time link's
// token for the kinds that carry one.
func Render(kind, to string, p Params, base, token string) (Email, error) {
	hello := "Hello"
	if n := strings.TrimSpace(p["name"]); n != "" {
		hello = "Hello " + n
	}
	l := letter{Greeting: hello}
	link := func(path string) string { return strings.TrimRight(base, "/") + path }
	ignore := "If you were not expecting this email, you can ignore it."
	switch kind {
	case KindInvite:
		if token == "" {
			return Email{}, fmt.Errorf("notify: %s needs a token", kind)
		}
		l.Paragraphs = []string{
			"You have been given an account on the inspection tracker, where " + orDefault(p["for"], "the inspectorate") + " works on inspections' recommendations.",
			"Use this link to choose your password. The link works once and expires in 7 days.",
		}
		l.LinkText, l.Link = "Choose your password", link("/invitation/"+token)
		l.After = []string{"If the link has expired, ask your inspection tracker administrator to send a new one.", ignore}
	case KindReset:
		if token == "" {
			return Email{}, fmt.Errorf("notify: %s needs a token", kind)
		}
		l.Paragraphs = []string{
			"Someone asked to reset the password of your inspection tracker account.",
			"Use this link to choose a new password. The link works once and expires in 1 hour.",
		}
		l.LinkText, l.Link = "Reset your password", link("/password-reset/"+token)
		l.After = []string{"If you did not ask for this, you can ignore this email: your password has not changed."}
	case KindRequestIssued:
		l.Paragraphs = []string{
			"The inspectorate has asked " + p["force"] + " for its plan in response to a recommendation of " + p["report"] + ".",
			"Send the plan by " + p["due"] + ". Sign in to see what was asked and to upload the plan.",
		}
		l.LinkText, l.Link = "See what your force has been asked", link(p["path"])
	case KindPlanReceived:
		l.Paragraphs = []string{
			"We have received version " + p["version"] + " of " + p["force"] + "'s plan for " + p["report"] + ", with " + p["files"] + ".",
			"You do not need to do anything else. Inspectors will now assess the plan.",
		}
		l.LinkText, l.Link = "See the plan you sent", link(p["path"])
	case KindAssessmentSubmitted:
		l.Paragraphs = []string{
			p["inspector"] + " has submitted an assessment of " + p["force"] + "'s plan for approval.",
			"Read it and approve it, or return it with a comment.",
		}
		l.LinkText, l.Link = "Read the assessment", link(p["path"])
	case KindAssessmentReturned:
		l.Paragraphs = []string{
			p["manager"] + " has returned your assessment of " + p["force"] + "'s plan.",
			"Their comment: " + orDefault(p["comment"], "(none given)"),
			"Change the assessment and submit it again.",
		}
		l.LinkText, l.Link = "Change the assessment", link(p["path"])
	case KindLetterPublished:
		l.Paragraphs = []string{
			"The inspectorate has published its letter about " + p["force"] + "'s plan for " + p["report"] + ".",
			"Anyone can read it at this link.",
		}
		l.LinkText, l.Link = "Read the letter", link(p["path"])
	case KindFollowUpScheduled, KindFollowUpMoved:
		verb := "has planned"
		if kind == KindFollowUpMoved {
			verb = "has moved"
		}
		l.Paragraphs = []string{
			"The inspectorate " + verb + " a follow-up inspection of " + p["force"] + " for " + p["report"] + " on " + p["planned"] + ".",
			"Sign in to see the recommendation it follows up.",
		}
		l.LinkText, l.Link = "See the follow-up inspection", link(p["path"])
	case KindReminder:
		l.Paragraphs = []string{
			"This is a reminder that " + p["force"] + "'s plan for a recommendation of " + p["report"] + " is due on " + p["due"] + ".",
			"Sign in to upload the plan.",
		}
		l.LinkText, l.Link = "Upload your force's plan", link(p["path"])
		l.After = []string{"You can turn reminders off in your settings."}
	case KindChaser:
		l.Paragraphs = []string{
			p["force"] + "'s plan for a recommendation of " + p["report"] + " was due on " + p["due"] + ". We have not received it.",
			"Sign in to upload the plan as soon as you can.",
		}
		l.LinkText, l.Link = "Upload your force's plan", link(p["path"])
		l.After = []string{"You can turn reminders off in your settings."}
	case KindDigest:
		// counts and behind are lines the store wrote: the overdue counts
		// by kind, and the forces furthest behind.
		l.Paragraphs = []string{"Here is what is overdue across the forces on " + p["week"] + "."}
		l.Paragraphs = append(l.Paragraphs, strings.Split(p["counts"], "\n")...)
		if p["behind"] != "" {
			l.Paragraphs = append(l.Paragraphs, "The forces furthest behind:")
			l.Paragraphs = append(l.Paragraphs, strings.Split(p["behind"], "\n")...)
		}
		l.LinkText, l.Link = "Open the dashboard", link("/dashboard")
		l.After = []string{"You can turn this weekly email off in your settings."}
	default:
		return Email{}, fmt.Errorf("notify: unknown kind %q", kind)
	}
	if l.Link == link("") {
		return Email{}, fmt.Errorf("notify: %s has no link", kind)
	}
	var text strings.Builder
	text.WriteString(l.Greeting + ",\n\n")
	for _, para := range l.Paragraphs {
		text.WriteString(para + "\n\n")
	}
	text.WriteString(l.LinkText + ":\n" + l.Link + "\n\n")
	for _, para := range l.After {
		text.WriteString(para + "\n\n")
	}
	text.WriteString("Inspection tracker\n")
	var html bytes.Buffer
	if err := htmlTemplate.Execute(&html, l); err != nil {
		return Email{}, fmt.Errorf("notify: %s: %w", kind, err)
	}
	return Email{To: to, Subject: Subject(kind, p), Text: text.String(), HTML: html.String()}, nil
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

var htmlTemplate = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Inspection tracker</title></head>
<body style="font-family: Arial, sans-serif; font-size: 19px; line-height: 1.4; color: #0b0c0c; max-width: 580px; margin: 0 auto; padding: 15px;">
<p>{{.Greeting}},</p>
{{range .Paragraphs}}<p>{{.}}</p>
{{end}}<p><a href="{{.Link}}" style="color: #1d70b8;">{{.LinkText}}</a></p>
{{range .After}}<p>{{.}}</p>
{{end}}<p>Inspection tracker</p>
</body></html>
`))
