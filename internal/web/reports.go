package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/a-h/templ"

	"inspectrack/internal/auth"
	"inspectrack/internal/domain"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

func reportAbout(r store.Report) string {
	if r.Kind == store.ReportForce {
		return r.ForceName
	}
	return "National: all forces"
}

func (s *Server) reportsList(w http.ResponseWriter, r *http.Request) error {
	reports, err := s.store.ListReports(r.Context())
	if err != nil {
		return err
	}
	rows := make([]components.ReportRow, 0, len(reports))
	for _, rp := range reports {
		rows = append(rows, components.ReportRow{ID: rp.ID, Title: rp.Title, Kind: reportAbout(rp),
			Published: rp.PublishedOn, Findings: rp.Findings, Cases: rp.Cases})
	}
	p := s.page(r, "Reports")
	p.Wide = true
	canEdit := auth.Allowed(auth.UserFrom(r.Context()), auth.EditReports)
	return s.render(w, r, http.StatusOK, components.ReportsPage(p, rows, canEdit, s.sessions.PopString(r.Context(), "flash")))
}

func (s *Server) reportsNewForm(w http.ResponseWriter, r *http.Request) error {
	return s.showForm(w, r, s.reportFormPage(components.ReportForm{Kind: store.ReportNational,
		Published: components.DateField{Name: "published", Legend: "Date published"}}))
}

func (s *Server) reportFormPage(f components.ReportForm) formPage {
	return formPage{title: "Add a report", build: func(r *http.Request, p *components.Page) (templ.Component, error) {
		opts, err := s.forceOptions(r)
		if err != nil {
			return nil, err
		}
		f.Forces = opts
		f.Kinds = []components.Option{
			{Value: store.ReportNational, Label: "All forces (a national report)"},
			{Value: store.ReportForce, Label: "One force"},
		}
		return components.ReportNewPage(*p, f), nil
	}}
}

func (s *Server) reportsNewPost(w http.ResponseWriter, r *http.Request) error {
	f := components.ReportForm{
		Title:     strings.TrimSpace(r.PostFormValue("title")),
		Kind:      r.PostFormValue("kind"),
		ForceCode: r.PostFormValue("force"),
		URL:       strings.TrimSpace(r.PostFormValue("url")),
		Summary:   strings.TrimSpace(r.PostFormValue("summary")),
	}
	switch {
	case f.Title == "":
		f.Errors.Add("title", "Enter the report's title")
	case utf8.RuneCountInString(f.Title) > 300:
		f.Errors.Add("title", "Title must be 300 characters or fewer")
	}
	switch f.Kind {
	case store.ReportNational:
		f.ForceCode = ""
	case store.ReportForce:
		if f.ForceCode == "" {
			f.Errors.Add("force", "Select the force the report is about")
		}
	default:
		f.Errors.Add("kind", "Select what the report is about")
	}
	published, field := dateFromForm(r, "published", "Date published", "the date the report was published", &f.Errors)
	f.Published = field
	if f.URL != "" && !strings.HasPrefix(f.URL, "https://") && !strings.HasPrefix(f.URL, "http://") {
		f.Errors.Add("url", "Enter the link in full, starting with https://")
	}
	if utf8.RuneCountInString(f.Summary) > 5000 {
		f.Errors.Add("summary", "Summary must be 5000 characters or fewer")
	}
	if f.Errors.Any() {
		return invalid(s.reportFormPage(f))
	}
	id, err := s.store.CreateReport(r.Context(), actor(r), store.NewReport{Title: f.Title, Kind: f.Kind, ForceCode: f.ForceCode,
		PublishedOn: published, URL: f.URL, Summary: f.Summary})
	switch {
	case errors.Is(err, store.ErrReportExists):
		f.Errors.Add("title", "A report with this title published on "+domain.FormatLong(published)+" already exists")
		return invalid(s.reportFormPage(f))
	case errors.Is(err, store.ErrUnknownForce):
		f.Errors.Add("force", "Select a force from the list")
		return invalid(s.reportFormPage(f))
	case err != nil:
		return err
	}
	s.sessions.Put(r.Context(), "flash", "Report added. Now add its causes of concern and recommendations.")
	http.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) reportsShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rp, err := s.store.Report(r.Context(), id)
	if err != nil {
		return err
	}
	findings, err := s.store.ListFindings(r.Context(), id)
	if err != nil {
		return err
	}
	v := components.ReportView{ID: rp.ID, Title: rp.Title, About: reportAbout(rp), Published: rp.PublishedOn,
		URL: rp.URL, Summary: rp.Summary, CanEdit: auth.Allowed(auth.UserFrom(r.Context()), auth.EditReports),
		Flash: s.sessions.PopString(r.Context(), "flash")}
	headings := map[domain.FindingKind][2]string{
		domain.FindingCauseOfConcern: {"Causes of concern", "Add a cause of concern"},
		domain.FindingRecommendation: {"Recommendations", "Add a recommendation"},
		domain.FindingAFI:            {"Areas for improvement", "Add an area for improvement"},
	}
	for _, k := range domain.FindingKinds() {
		g := components.FindingGroup{Heading: headings[k][0], AddText: headings[k][1], Kind: string(k)}
		for _, f := range findings {
			if f.Kind == k {
				g.Rows = append(g.Rows, findingRow(f))
			}
		}
		v.Groups = append(v.Groups, g)
	}
	p := s.page(r, rp.Title)
	p.Wide = true
	return s.render(w, r, http.StatusOK, components.ReportPage(p, v))
}

func findingRow(f store.Finding) components.FindingRow {
	return components.FindingRow{ID: f.ID, Kind: f.Kind.Label(), Reference: f.Reference, Body: f.Body,
		ParentRef: f.ParentReference, ParentID: f.ParentID, DeadlineText: f.DeadlineText,
		DeadlineOn: derefDate(f.DeadlineOn), Cases: f.Cases}
}
