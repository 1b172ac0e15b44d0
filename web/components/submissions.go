package components

import (
	"fmt"
	"strings"
	"time"
)

// StatusTag is a GOV.UK tag with the sentence that explains it: "Overdue"
// and "12 days overdue (due 31 May 2017)".
type StatusTag struct {
	Label  string
	Class  string // govuk-tag modifier, e.g. "govuk-tag--red"
	Detail string
}

// DocumentRow is one document as lists show it.
type DocumentRow struct {
	ID       int64
	Name     string
	Type     string // "PDF", "Word document (DOCX)"
	Size     int64
	SHA256   string // hex, for people checking a copy
	Download bool   // the viewer may download it
}

// Href is the document's download address.
func (d DocumentRow) Href() string { return fmt.Sprintf("/documents/%d", d.ID) }

// SubmissionView is one plan version or progress update.
type SubmissionView struct {
	ID          int64
	IsPlan      bool
	Title       string // "Plan, version 2" or "Progress update 1"
	Latest      bool   // the newest plan version: the others are superseded
	SubmittedAt time.Time
	By          string
	Timing      StatusTag // plans: on time or late against the due date of the time
	Note        string
	Documents   []DocumentRow
	// ReceivedVia and Recorded are set for what an inspector recorded on
	// the force's behalf: "by email", and "Recorded by ... : reason".
	ReceivedVia string
	Recorded    string
}

// Href is the submission's own page.
func (s SubmissionView) Href() string { return fmt.Sprintf("/submissions/%d", s.ID) }

// CaseSubmissions is the page of everything a force has sent for a case.
type CaseSubmissions struct {
	Case      CaseHeader
	Plans     []SubmissionView // newest first
	Progress  []SubmissionView // newest first
	CanSubmit bool             // the viewer is this force's liaison and the case is open
	CanRecord bool             // the viewer may record what the force sent by email or post
	Flash     string
}

// RecordForm is the form on which an inspector records a plan or progress
// update the force sent by email or post: the upload form's documents and
// limits, and when, how and from whom it came, and why it is recorded.
type RecordForm struct {
	UploadForm
	Kind     string // "plan" or "progress"
	Received DateField
	Time     string // as typed: "4:20pm", "16:20"
	Sender   string
	Via      string // "email" or "post"
	Reason   string
}

// UploadForm is the form that sends a plan version or a progress update.
type UploadForm struct {
	Case        CaseHeader
	IsPlan      bool
	Action      string // where the form posts
	NextVersion int    // the version this plan will be, or the update's number
	Note        string
	Errors      Errors
	// FileErrors are the problems with the chosen files, one sentence per
	// file; they show in the error summary and above the file input.
	FileErrors []string
	MaxFileMB  int64
	MaxTotalMB int64
	MaxFiles   int
	Types      string // the accepted types, for the hint: "PDF, DOCX, ... or CSV"
	Accept     string // the file input's accept attribute: a hint to the browser's picker only
}

// SubmissionPage is one submission on its own page.
type SubmissionPage struct {
	Case       CaseHeader
	Submission SubmissionView
}

// FormatBytes writes a size the way people read it: "850 bytes",
// "12 KB", "2.4 MB". Units are powers of 1024, called KB and MB as Windows
// and GOV.UK do.
func FormatBytes(n int64) string {
	switch {
	case n < 1<<10:
		if n == 1 {
			return "1 byte"
		}
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%d KB", (n+512)>>10)
	case n < 10<<20:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), ".0") + " MB"
	default:
		return fmt.Sprintf("%d MB", (n+(1<<19))>>20)
	}
}

// Plural is one or many, as n asks: the one rule for a count's noun.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// plural writes a count with its noun: "1 document", "3 documents".
func plural(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, Plural(n, one, many))
}

// ReferenceOr is a recommendation's reference, or "Recommendation" when it
// has none.
func ReferenceOr(ref string) string {
	if ref == "" {
		return "Recommendation"
	}
	return ref
}

func firstOf(msgs []string) string {
	if len(msgs) == 0 {
		return ""
	}
	return msgs[0]
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// LiaisonCase is one open case on a liaison's home page.
type LiaisonCase struct {
	ID              int64
	ReportTitle     string
	Reference       string
	Asked           string // the recommendation's words, shortened for the list
	DueOn           time.Time
	Status          StatusTag
	PlanVersions    int
	ProgressUpdates int
	LastPlanAt      time.Time // zero: no plan sent
}

// Href is the case's page.
func (c LiaisonCase) Href() string { return fmt.Sprintf("/cases/%d", c.ID) }

// SentHref is the case's page of everything sent.
func (c LiaisonCase) SentHref() string { return fmt.Sprintf("/cases/%d/submissions", c.ID) }

// LiaisonHome is a force liaison's landing page: their force's open cases,
// what was asked, by when, and what they have sent.
type LiaisonHome struct {
	ForceName string
	Cases     []LiaisonCase
	// Counts are the force's items per kind on the as-of day, as every
	// page counts them.
	Counts   []StatusCount
	AsOfText string
	IsToday  bool
	Flash    string
}

// PlanRow is one force's case on the page of plans for a recommendation.
type PlanRow struct {
	CaseID     int64
	ForceName  string
	DueOn      time.Time
	Status     StatusTag
	Versions   int
	Updates    int
	FirstAt    time.Time // when the first plan version came; zero when none
	LastAt     time.Time // when the latest came
	Submission string    // link to the case's plans
}

// PlanGroup is the forces whose plan stands the same way.
type PlanGroup struct {
	Key   string // the status, for ids and tests
	Label string
	Class string
	Rows  []PlanRow
}

// RecommendationPlans is the page that says, for one recommendation, which
// forces have sent plans, which are late and which are missing.
type RecommendationPlans struct {
	FindingID   int64
	ReportTitle string
	Reference   string
	Asked       string
	Total       int
	Groups      []PlanGroup // in order of what needs chasing first; empty groups left out
}

// PlanCount is how many forces stand one way, for the overview.
type PlanCount struct {
	Key, Label, Class string
	N                 int
}

// PlansOverviewRow is one recommendation on the overview of plans.
type PlansOverviewRow struct {
	FindingID   int64
	ReportTitle string
	Reference   string
	Asked       string // shortened
	Forces      int
	Counts      []PlanCount // every status, in display order
}

// Href is the recommendation's page of plans.
func (r PlansOverviewRow) Href() string { return fmt.Sprintf("/recommendations/%d/plans", r.FindingID) }
