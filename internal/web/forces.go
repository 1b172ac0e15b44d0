package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"inspectrack/internal/auth"
	"inspectrack/internal/domain"
	"inspectrack/internal/readcache"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// chiefOfficer writes a force's chief officer as letters address them:
// "Chief Constable Simon Cole QPM".
func chiefOfficer(f store.Force) string {
	parts := []string{f.ChiefOfficerTitle}
	if f.ChiefOfficerName == "" {
		parts = append(parts, "(name not recorded)")
	} else {
		parts = append(parts, f.ChiefOfficerName)
	}
	if f.ChiefOfficerHonours != "" {
		parts = append(parts, f.ChiefOfficerHonours)
	}
	return strings.Join(parts, " ")
}

func (s *Server) forcesList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sc := scope(r)
	region := r.URL.Query().Get("region")
	asOf, field, isToday, asOfErr := s.asOfDate(r)
	type forcesRead struct {
		forces  []store.ForceSummary
		behind  map[int64]*store.ForceBehind
		regions []string
	}
	k := readcache.Key("forces", sc.ForceID, region, asOf.Format(time.DateOnly), domain.Today(s.now()).Format(time.DateOnly))
	read, err := cached(ctx, s, k, func() (forcesRead, error) {
		var fr forcesRead
		var err error
		if fr.forces, err = s.store.ListForceSummaries(ctx, sc, region, asOf); err != nil {
			return fr, err
		}
		if fr.behind, err = s.forcesBehind(ctx, sc, region, asOf); err != nil {
			return fr, err
		}
		fr.regions, err = s.store.Regions(ctx)
		return fr, err
	})
	if err != nil {
		return err
	}
	forces, behind, regions := read.forces, read.behind, read.regions
	field.Error = asOfErr
	v := components.ForcesView{Region: region, Regions: regionOptions(regions), Single: sc.ForceID != 0,
		Kinds: statusCounts(nil), AsOf: field, AsOfText: domain.FormatLong(asOf), IsToday: isToday}
	for _, f := range forces {
		v.Rows = append(v.Rows, components.ForceRow{Code: f.Code, Name: f.Name, Region: f.Region,
			Href:         withAsOf("/forces/"+url.PathEscape(f.Code), asOf, isToday),
			ChiefOfficer: chiefOfficer(f.Force), Open: f.Open, Counts: statusCounts(behind[f.ID])})
	}
	p := s.page(r, "Forces")
	p.Wide = true
	p.HasErrors = asOfErr != ""
	return s.render(w, r, http.StatusOK, components.ForcesPage(p, v))
}

func (s *Server) forcesShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sc := scope(r)
	code := chi.URLParam(r, "code")
	today := domain.Today(s.now())
	asOf, _, isToday, _ := s.asOfDate(r)
	u := auth.UserFrom(ctx)
	// A page at a time: a force may have hundreds of cases.
	page, err := pageNumber(r)
	if err != nil {
		return err
	}
	type forceRead struct {
		fp store.ForcePage
		d  store.Dashboard // the force's row of the dashboard, when it shows cases
	}
	showCases := auth.Allowed(u, auth.ViewCases)
	k := readcache.Key("force", sc.ForceID, code, showCases, asOf.Format(time.DateOnly), today.Format(time.DateOnly), page)
	read, err := cached(ctx, s, k, func() (forceRead, error) {
		var fr forceRead
		var err error
		if !showCases {
			fr.fp.Force, err = s.store.ForceByCode(ctx, sc, code)
			return fr, err
		}
		if fr.fp, err = s.store.ForcePage(ctx, sc, code, asOf, page, casesPerPage); err != nil {
			return fr, err
		}
		// The force's row of the dashboard on the day (for today, from the
		// counts it keeps).
		fr.d, err = s.store.Dashboard(ctx, store.Scope{ForceID: fr.fp.Force.ID}, store.DashboardFilter{AsOf: asOf, Today: today,
			Limit: 1, NoOptions: true})
		return fr, err
	})
	if err != nil {
		return err
	}
	fp := read.fp
	f := fp.Force
	v := components.ForceView{Code: f.Code, Name: f.Name, Kind: forceKind(f.Kind), Region: f.Region,
		ChiefOfficer: chiefOfficer(f), OversightBody: f.OversightBody, OversightHolder: f.OversightHolderName,
		LiaisonContacts: lines(f.LiaisonContacts), CanEdit: auth.Allowed(u, auth.EditForces),
		ShowCases: auth.Allowed(u, auth.ViewCases), CaseCount: fp.Cases, Open: fp.Open,
		AsOf: asOf, AsOfText: domain.FormatLong(asOf), IsToday: isToday,
		Flash: s.sessions.PopString(ctx, "flash")}
	if v.ShowCases {
		if err := checkPage(page, casesPerPage, fp.Cases); err != nil {
			return err
		}
		v.CasesPage = pagination(r.URL, page, casesPerPage, len(fp.List), fp.Cases)
		for _, c := range fp.List {
			v.Cases = append(v.Cases, components.CaseRow{ID: c.ID, ReportTitle: c.ReportTitle, Reference: c.Reference,
				PlanDue: derefDate(c.PlanDueOn), Stage: caseStage(c, asOf)})
		}
		d := read.d
		var fb *store.ForceBehind
		if len(d.Forces) == 1 {
			fb = &d.Forces[0]
		}
		v.Counts = statusCounts(fb)
		if auth.Allowed(u, auth.ViewDashboard) {
			v.ShowBehind = true
			dash := url.Values{"region": {f.Region}}
			if !isToday {
				dash.Set("asof", asOf.Format(time.DateOnly))
			}
			v.DashboardHref = withQuery("/dashboard", dash)
			for _, k := range domain.Kinds() {
				var cell components.DashboardCell
				if fb != nil {
					c := fb.Count(k)
					cell = components.DashboardCell{Items: c.Items, Days: c.Days}
				}
				if cell.Items > 0 {
					v.Behind = append(v.Behind, components.ForceBehindRow{
						Kind: components.DashboardKind{Key: string(k), Label: k.Label(), DueSoon: k == domain.KindDueSoon}, Cell: cell})
				}
			}
		}
	}
	p := s.page(r, f.Name)
	return s.render(w, r, http.StatusOK, components.ForcePage(p, v))
}

func forceKind(kind string) string {
	if kind == "fire_and_rescue" {
		return "Fire and rescue service"
	}
	return "Police force"
}

// lines splits text into its non-empty lines.
func lines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func forceForm(f store.Force) components.ForceForm {
	return components.ForceForm{Code: f.Code, Name: f.Name, ChiefOfficerTitle: f.ChiefOfficerTitle, OversightBody: f.OversightBody,
		ChiefOfficerName: f.ChiefOfficerName, ChiefOfficerHonours: f.ChiefOfficerHonours,
		OversightHolderName: f.OversightHolderName, LiaisonContacts: f.LiaisonContacts}
}

func (s *Server) forcesEditForm(w http.ResponseWriter, r *http.Request) error {
	f, err := s.store.ForceByCode(r.Context(), scope(r), chi.URLParam(r, "code"))
	if err != nil {
		return err
	}
	return s.showForm(w, r, forceFormPage(forceForm(f)))
}

func forceFormPage(f components.ForceForm) formPage {
	return newFormPage("Change force details: "+f.Name, components.ForceEditPage, f)
}

// Longest values the force form accepts: names as letters print them, and
// a few contacts.
const (
	maxNameLen     = 200
	maxContactsLen = 2000
)

func (s *Server) forcesEditPost(w http.ResponseWriter, r *http.Request) error {
	f, err := s.store.ForceByCode(r.Context(), scope(r), chi.URLParam(r, "code"))
	if err != nil {
		return err
	}
	form := forceForm(f)
	form.ChiefOfficerName = strings.TrimSpace(r.PostFormValue("chief_officer_name"))
	form.ChiefOfficerHonours = strings.TrimSpace(r.PostFormValue("chief_officer_honours"))
	form.OversightHolderName = strings.TrimSpace(r.PostFormValue("oversight_holder_name"))
	form.LiaisonContacts = strings.TrimSpace(r.PostFormValue("liaison_contacts"))
	for _, fld := range []struct{ name, value, label string }{
		{"chief_officer_name", form.ChiefOfficerName, "Name"},
		{"chief_officer_honours", form.ChiefOfficerHonours, "Honours"},
		{"oversight_holder_name", form.OversightHolderName, "Name"},
	} {
		if utf8.RuneCountInString(fld.value) > maxNameLen {
			form.Errors.Add(fld.name, fld.label+" must be 200 characters or fewer")
		}
	}
	if form.ChiefOfficerHonours != "" && form.ChiefOfficerName == "" {
		form.Errors.Add("chief_officer_name", "Enter the "+strings.ToLower(f.ChiefOfficerTitle)+"'s name as well as their honours")
	}
	if utf8.RuneCountInString(form.LiaisonContacts) > maxContactsLen {
		form.Errors.Add("liaison_contacts", "Liaison contacts must be 2000 characters or fewer")
	}
	if form.Errors.Any() {
		return invalid(forceFormPage(form))
	}
	sentBack := 0
	err = s.store.InTx(r.Context(), func(st *store.Store) error {
		err := st.UpdateForceDetails(r.Context(), actor(r), f.Code, store.ForceDetails{
			ChiefOfficerName: form.ChiefOfficerName, ChiefOfficerHonours: form.ChiefOfficerHonours,
			OversightHolderName: form.OversightHolderName, LiaisonContacts: form.LiaisonContacts})
		if err != nil {
			return err
		}
		// Letters are addressed with these names: those awaiting approval
		// or publication that now read otherwise go back to the inspector.
		sentBack, err = sendBackStale(r.Context(), st, actor(r), store.Scope{}, 0, f.Code, s.now())
		return err
	})
	if err != nil {
		return err
	}
	s.sessions.Put(r.Context(), "flash", f.Name+": details saved."+sentBackNote(sentBack))
	http.Redirect(w, r, "/forces/"+f.Code, http.StatusSeeOther)
	return nil
}
