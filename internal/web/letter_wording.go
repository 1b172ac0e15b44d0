package web

import (
	"net/http"
	"strconv"

	"inspectrack/internal/compose"
	"inspectrack/internal/letter"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// copyWording offers the other recommendations' wording to copy into f
// and, when the query names one (copy_from), shows its wording in f in
// place of wording, unsaved. It returns the wording the form now shows.
func (s *Server) copyWording(r *http.Request, f *components.LetterTemplateForm, wording letter.Template) (letter.Template, error) {
	ctx := r.Context()
	recs, err := s.store.ListRecommendations(ctx, scope(r))
	if err != nil {
		return wording, err
	}
	from, _ := strconv.ParseInt(r.URL.Query().Get("copy_from"), 10, 64)
	var label string
	for _, rec := range recs {
		if rec.ID == f.FindingID {
			continue
		}
		l := store.Recommendation{ID: rec.ID, Reference: rec.Reference, Body: rec.Body, ReportTitle: rec.ReportTitle}.Label()
		f.CopyFrom = append(f.CopyFrom, components.Option{Value: strconv.FormatInt(rec.ID, 10), Label: l})
		if rec.ID == from {
			label = l
		}
	}
	if label == "" {
		return wording, nil // none asked for, or not one offered
	}
	t, err := s.store.LetterTemplate(ctx, from)
	if isNotFound(err) {
		t, err = store.LetterTemplate{FindingID: from}, nil
	}
	if err != nil {
		return wording, err
	}
	copied := compose.InUse(t)
	f.Fields = f.Fields[:0]
	for _, fl := range letter.Fields {
		f.Fields = append(f.Fields, templateField(fl, fl.Get(copied)))
	}
	f.CopiedFrom, f.IsDefault = label, false
	return copied, nil
}
