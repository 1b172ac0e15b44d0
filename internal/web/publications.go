package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"inspectrack/internal/auth"
	"inspectrack/internal/domain"
	"inspectrack/internal/letter"
	"inspectrack/internal/store"
	"inspectrack/internal/upload"
	"inspectrack/web/components"
)

// Published letters and overviews are public: these handlers answer anyone,
// and every query they make selects only what is published, so a draft
// or an unpublished letter is not found (404) for everyone, staff
// included (staff read those on the case's pages).
//
// A recommendation's national overview is published when a manager
// publishes it, deliberately, not with the first letter: it is a report of
// its own. Once published it shows every published assessment, including
// letters published later. Staff may read it before.

func publicationHref(letterID int64, suffix string) string {
	return "/publications/" + strconv.FormatInt(letterID, 10) + suffix
}

func overviewHref(findingID int64, suffix string) string {
	return "/publications/overviews/" + strconv.FormatInt(findingID, 10) + suffix
}

// publicationsList lists the published letters by report, recommendation
// and force; a liaison sees their own force's first.
func (s *Server) publicationsList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pubs, err := s.store.ListPublications(ctx, 0)
	if err != nil {
		return err
	}
	overviews, err := s.store.PublishedOverviews(ctx)
	if err != nil {
		return err
	}
	published := map[int64]bool{}
	for _, o := range overviews {
		published[o.ID] = true
	}
	v := components.PublicationsView{LetterCount: len(pubs)}
	u := auth.UserFrom(ctx)
	if u != nil && u.Role == auth.RoleLiaison {
		v.YourForce = u.ForceName
	}
	for _, p := range pubs {
		item := components.PublishedItem{ForceName: p.ForceName, Href: publicationHref(p.ID, ""), Date: p.LetterDate}
		if v.YourForce != "" && p.ForceCode == u.ForceCode {
			v.YourLetters = append(v.YourLetters, item)
		}
		n := len(v.Groups)
		if n == 0 || v.Groups[n-1].FindingID != p.FindingID {
			g := components.PublicationGroup{FindingID: p.FindingID, ReportTitle: p.ReportTitle,
				Recommendation: recommendationOf(p).Name(), Text: p.Recommendation}
			if published[p.FindingID] {
				g.OverviewHref = overviewHref(p.FindingID, "")
			}
			v.Groups = append(v.Groups, g)
			n++
		}
		v.Groups[n-1].Letters = append(v.Groups[n-1].Letters, item)
	}
	return s.render(w, r, http.StatusOK, components.PublicationsPage(s.page(r, "Published letters"), v))
}

func recommendationOf(p store.Publication) store.Recommendation {
	return store.Recommendation{ID: p.FindingID, Reference: p.Reference, Body: p.Recommendation, ReportTitle: p.ReportTitle}
}

// publishedLetter reads the published letter of path parameter id.
func (s *Server) publishedLetter(r *http.Request) (store.Publication, letter.Letter, error) {
	var l letter.Letter
	id, err := pathID(r, "id")
	if err != nil {
		return store.Publication{}, l, err
	}
	p, err := s.store.PublicationByID(r.Context(), id)
	if err != nil {
		return p, l, err
	}
	if err := json.Unmarshal(p.Composed, &l); err != nil {
		return p, l, fmt.Errorf("web: publication %d: %w", id, err)
	}
	return p, l, nil
}

// publicationsShow shows a published letter to anyone.
func (s *Server) publicationsShow(w http.ResponseWriter, r *http.Request) error {
	p, l, err := s.publishedLetter(r)
	if err != nil {
		return err
	}
	v := components.PublicationView{ForceName: p.ForceName, ReportTitle: p.ReportTitle, Recommendation: p.Recommendation,
		Letter: letterSheet(l), PDFHref: publicationHref(p.ID, ".pdf"), PublishedAt: p.PublishedAt}
	o, err := s.store.Overview(r.Context(), p.FindingID)
	if err != nil {
		return err
	}
	if o.PublishedAt != nil {
		v.OverviewHref = overviewHref(p.FindingID, "")
	}
	return s.renderPublished(w, r, components.PublicationPage(s.page(r, "Letter to "+p.ForceName), v), p.PublishedAt)
}

// publicationsPDF downloads a published letter as a PDF.
func (s *Server) publicationsPDF(w http.ResponseWriter, r *http.Request) error {
	p, l, err := s.publishedLetter(r)
	if err != nil {
		return err
	}
	if cacheValidated(w, r, versionETag("letter", p.ID, p.PublishedAt), p.PublishedAt) {
		return nil
	}
	opts := letter.PDFOptions{Title: l.Subject + ": " + p.ForceName, Created: p.PublishedAt}
	return writePDF(w, l, opts, letterFilename(p.ForceCode, l.Date, false))
}

// OverviewData is a national overview as data: the page, the CSV and the
// JSON are all made from it, so they cannot disagree.
type OverviewData struct {
	Recommendation OverviewRecommendation `json:"recommendation"`
	PublishedAt    *time.Time             `json:"published_at"`
	ForcesInScope  int                    `json:"forces_in_scope"`
	Assessed       int                    `json:"forces_with_published_assessment"`
	Criteria       []string               `json:"criteria"`
	Categories     []OverviewCategory     `json:"categories"`
	Forces         []OverviewForce        `json:"forces"`
}

// OverviewRecommendation says which recommendation an overview is of.
type OverviewRecommendation struct {
	ID        int64  `json:"id"`
	Reference string `json:"reference"`
	Text      string `json:"text"`
	Report    string `json:"report"`
}

// OverviewCategory is a category with the forces placed in it.
type OverviewCategory struct {
	Key    string   `json:"key"`
	Label  string   `json:"label"`
	Count  int      `json:"count"`
	Forces []string `json:"forces"`
}

// OverviewForce is one force's published assessment.
type OverviewForce struct {
	Code          string   `json:"code"`
	Name          string   `json:"name"`
	Region        string   `json:"region"`
	Category      string   `json:"category"`
	CategoryLabel string   `json:"category_label"`
	Findings      []string `json:"findings"` // met, partially_met, not_met, no_evidence; "" not recorded
	Letter        string   `json:"letter"`   // the published letter's path
}

func overviewData(o store.Overview) OverviewData {
	d := OverviewData{
		Recommendation: OverviewRecommendation{ID: o.ID, Reference: o.Reference, Text: o.Body, Report: o.ReportTitle},
		PublishedAt:    o.PublishedAt, ForcesInScope: o.Cases, Assessed: len(o.Forces),
		Criteria: []string{}, Categories: []OverviewCategory{}, Forces: []OverviewForce{},
	}
	for _, c := range o.Criteria {
		d.Criteria = append(d.Criteria, c.Title)
	}
	index := map[int64]int{}
	for i, c := range o.Categories {
		index[c.ID] = i
		d.Categories = append(d.Categories, OverviewCategory{Key: c.Key, Label: c.Label, Forces: []string{}})
	}
	for _, f := range o.Forces {
		i, ok := index[f.CategoryID]
		if !ok {
			continue // categories belong to the recommendation; the store joins nothing else
		}
		c := &d.Categories[i]
		c.Count++
		c.Forces = append(c.Forces, f.Name)
		of := OverviewForce{Code: f.Code, Name: f.Name, Region: f.Region, Category: c.Key, CategoryLabel: c.Label,
			Findings: []string{}, Letter: publicationHref(f.LetterID, "")}
		for _, x := range f.Findings {
			of.Findings = append(of.Findings, string(x))
		}
		d.Forces = append(d.Forces, of)
	}
	return d
}

// overview reads the overview of path parameter id, hidden (404) while
// unpublished from anyone but the inspectorate.
func (s *Server) overview(r *http.Request) (store.Overview, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return store.Overview{}, err
	}
	o, err := s.store.Overview(r.Context(), id)
	if err != nil {
		return o, err
	}
	if o.PublishedAt == nil && !auth.Allowed(auth.UserFrom(r.Context()), auth.ViewAssessments) {
		return o, errHidden
	}
	return o, nil
}

// overviewsShow shows a recommendation's national overview.
func (s *Server) overviewsShow(w http.ResponseWriter, r *http.Request) error {
	o, err := s.overview(r)
	if err != nil {
		return err
	}
	d := overviewData(o)
	v := components.OverviewView{FindingID: o.ID, ReportTitle: o.ReportTitle, Recommendation: o.Body,
		Published: o.PublishedAt, Cases: d.ForcesInScope, Assessed: d.Assessed, Criteria: d.Criteria,
		CanPublish: auth.Allowed(auth.UserFrom(r.Context()), auth.ApproveAssess),
		CSVHref:    overviewHref(o.ID, ".csv"), JSONHref: overviewHref(o.ID, ".json"),
		Flash: s.sessions.PopString(r.Context(), "flash")}
	links := map[string]string{}
	for _, f := range d.Forces {
		links[f.Name] = f.Letter
		row := components.OverviewRow{Force: components.ForceLink{Name: f.Name, Href: f.Letter}, Category: f.CategoryLabel}
		for _, x := range f.Findings {
			row.Findings = append(row.Findings, findingTag(domain.CriterionFinding(x)))
		}
		v.Rows = append(v.Rows, row)
	}
	for _, c := range d.Categories {
		oc := components.OverviewCategory{Key: c.Key, Label: c.Label}
		for _, name := range c.Forces {
			oc.Forces = append(oc.Forces, components.ForceLink{Name: name, Href: links[name]})
		}
		v.Categories = append(v.Categories, oc)
	}
	p := s.page(r, "National overview: "+o.ReportTitle)
	p.Wide = true
	if o.PublishedAt == nil || v.Flash != "" {
		return s.render(w, r, http.StatusOK, components.OverviewPage(p, v))
	}
	// Published: it changes only as more letters are published, which
	// change its bytes, so it has no one date to go by.
	return s.renderPublished(w, r, components.OverviewPage(p, v), time.Time{})
}

// overviewsCSV gives the overview's forces × criteria table as CSV, one
// row per force, findings as their labels.
func (s *Server) overviewsCSV(w http.ResponseWriter, r *http.Request) error {
	o, err := s.overview(r)
	if err != nil {
		return err
	}
	d := overviewData(o)
	header := append([]string{"force_code", "force", "region", "category"}, d.Criteria...)
	records := [][]string{append(header, "letter")}
	for _, f := range d.Forces {
		rec := []string{f.Code, f.Name, f.Region, f.CategoryLabel}
		for _, x := range f.Findings {
			rec = append(rec, domain.CriterionFinding(x).Label())
		}
		records = append(records, append(rec, f.Letter))
	}
	var buf bytes.Buffer
	if err := writeCSV(&buf, records); err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", upload.ContentDisposition(fmt.Sprintf("national-overview-%d.csv", o.ID)))
	if o.PublishedAt == nil {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_, err = buf.WriteTo(w)
		return err
	}
	return writeValidated(w, r, "text/csv; charset=utf-8", buf.Bytes(), time.Time{})
}

// overviewsJSON gives the whole overview as JSON.
func (s *Server) overviewsJSON(w http.ResponseWriter, r *http.Request) error {
	o, err := s.overview(r)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(overviewData(o), "", "  ")
	if err != nil {
		return err
	}
	if o.PublishedAt == nil {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, err = w.Write(append(b, '\n'))
		return err
	}
	return writeValidated(w, r, "application/json; charset=utf-8", append(b, '\n'), time.Time{})
}

// overviewsPublish makes a recommendation's overview public.
func (s *Server) overviewsPublish(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	err = s.store.PublishOverview(r.Context(), actor(r), id, s.now())
	msg := "The national overview is published."
	if errors.Is(err, store.ErrConflict) {
		msg, err = "The national overview was already published.", nil
	}
	if err != nil {
		return err
	}
	s.sessions.Put(r.Context(), "flash", msg)
	http.Redirect(w, r, overviewHref(id, ""), http.StatusSeeOther)
	return nil
}
