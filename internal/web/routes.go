package web

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"inspectrack/internal/auth"
	"inspectrack/internal/store"
	"inspectrack/web/static"
)

// routes declares every route of the portal and who may reach it. Each
// page route names a Permission; route() records it so a test can prove no
// route was left without one.
func (s *Server) routes() {
	m := s.mux
	// GetHead answers HEAD on every GET route as its GET (net/http drops
	// the body), without declaring a second route.
	m.Use(middleware.GetHead, requestID, s.clientAddr, s.accessLog, compress, s.recoverPanics, s.securityHeaders, s.crossOrigin)
	m.NotFound(s.handle(func(w http.ResponseWriter, r *http.Request) error { return errHidden }))
	m.MethodNotAllowed(s.handle(func(w http.ResponseWriter, r *http.Request) error { return errHidden }))

	// No session, no database: probes and static files.
	s.raw(m, http.MethodGet, "/healthz", auth.Public, s.healthz)
	s.raw(m, http.MethodGet, "/readyz", auth.Public, s.readyz)
	// static.Handler reads the whole path, /assets/ included: no StripPrefix.
	s.raw(m, http.MethodGet, "/assets/*", auth.Public, static.Handler().ServeHTTP)
	s.raw(m, http.MethodGet, "/favicon.ico", auth.Public, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, static.Path("images/favicon.ico"), http.StatusMovedPermanently)
	})
	// A calendar program sends no cookie: the secret token in the path is
	// the credential, and the handler applies UseCalendar to its owner.
	s.raw(m, http.MethodGet, "/calendar/{token}.ics", auth.Public, s.handle(s.calendarShow))

	m.Group(func(r chi.Router) {
		r.Use(readSessionUser, s.sessions.LoadAndSave, s.loadUser, noStore)

		s.route(r, http.MethodGet, "/", auth.Public, s.home)
		s.route(r, http.MethodGet, "/accessibility", auth.Public, s.accessibility)

		s.route(r, http.MethodGet, "/login", auth.Public, s.loginForm)
		s.route(r, http.MethodPost, "/login", auth.Public, s.loginPost)
		s.route(r, http.MethodPost, "/logout", auth.SignOut, s.logoutPost)
		s.route(r, http.MethodGet, "/login/code", auth.SecondStep, s.secondFactorCodeForm)
		s.route(r, http.MethodPost, "/login/code", auth.SecondStep, s.secondFactorCodePost)
		s.route(r, http.MethodGet, "/login/enrol", auth.SecondStep, s.secondFactorEnrolForm)
		s.route(r, http.MethodPost, "/login/enrol", auth.SecondStep, s.secondFactorEnrolPost)
		s.route(r, http.MethodGet, "/login/sso/{provider}", auth.Public, s.ssoStart)
		s.route(r, http.MethodGet, "/login/sso/{provider}/callback", auth.Public, s.ssoCallback)

		s.route(r, http.MethodGet, "/admin/users", auth.ManageUsers, s.usersList)
		s.route(r, http.MethodGet, "/admin/users/new", auth.ManageUsers, s.usersNewForm)
		s.route(r, http.MethodPost, "/admin/users", auth.ManageUsers, s.usersNewPost)
		s.route(r, http.MethodGet, "/admin/users/import", auth.ManageUsers, s.usersImportForm)
		s.route(r, http.MethodPost, "/admin/users/import", auth.ManageUsers, s.usersImportPost)
		s.route(r, http.MethodPost, "/admin/users/import/confirm", auth.ManageUsers, s.usersImportConfirmPost)
		s.route(r, http.MethodGet, "/admin/users/{id}", auth.ManageUsers, s.usersShow)
		s.route(r, http.MethodPost, "/admin/users/{id}/disable", auth.ManageUsers, s.usersDisable)
		s.route(r, http.MethodPost, "/admin/users/{id}/enable", auth.ManageUsers, s.usersEnable)
		s.route(r, http.MethodPost, "/admin/users/{id}/force", auth.ManageUsers, s.usersForce)
		s.route(r, http.MethodPost, "/admin/users/{id}/password", auth.ManageUsers, s.usersResetPassword)
		s.route(r, http.MethodPost, "/admin/users/{id}/second-factor/reset", auth.ManageUsers, s.usersResetSecondFactor)
		s.route(r, http.MethodGet, "/admin/settings", auth.ManageUsers, s.settingsAdminShow)
		s.route(r, http.MethodPost, "/admin/settings", auth.ManageUsers, s.settingsAdminPost)
		s.route(r, http.MethodPost, "/admin/users/{id}/invitation", auth.ManageUsers, s.usersInvitationResend)
		s.route(r, http.MethodPost, "/admin/users/{id}/invitation/revoke", auth.ManageUsers, s.usersInvitationRevoke)
		s.route(r, http.MethodGet, "/admin/mailbox", auth.ManageUsers, s.mailboxList)
		s.route(r, http.MethodGet, "/admin/mailbox/{id}", auth.ManageUsers, s.mailboxShow)
		s.route(r, http.MethodPost, "/admin/mailbox/{id}/retry", auth.ManageUsers, s.mailboxRetry)

		// One-time links: the token in the path is the credential.
		s.route(r, http.MethodGet, "/invitation/{token}", auth.Public, s.invitationShow)
		s.route(r, http.MethodPost, "/invitation/{token}", auth.Public, s.invitationPost)
		s.route(r, http.MethodGet, "/password-reset", auth.Public, s.passwordForgotForm)
		s.route(r, http.MethodPost, "/password-reset", auth.Public, s.passwordForgotPost)
		s.route(r, http.MethodGet, "/password-reset/{token}", auth.Public, s.passwordResetShow)
		s.route(r, http.MethodPost, "/password-reset/{token}", auth.Public, s.passwordResetPost)

		s.route(r, http.MethodGet, "/audit", auth.ViewAudit, s.auditList)

		s.route(r, http.MethodGet, "/forces", auth.ViewForces, s.forcesList)
		s.route(r, http.MethodGet, "/forces/{code}", auth.ViewForces, s.forcesShow)
		s.route(r, http.MethodGet, "/forces/{code}/edit", auth.EditForces, s.forcesEditForm)
		s.route(r, http.MethodPost, "/forces/{code}", auth.EditForces, s.forcesEditPost)

		s.route(r, http.MethodGet, "/reports", auth.ViewReports, s.reportsList)
		s.route(r, http.MethodGet, "/reports/new", auth.EditReports, s.reportsNewForm)
		s.route(r, http.MethodPost, "/reports", auth.EditReports, s.reportsNewPost)
		s.route(r, http.MethodGet, "/reports/{id}", auth.ViewReports, s.reportsShow)
		s.route(r, http.MethodGet, "/reports/{id}/findings/new", auth.EditReports, s.findingsNewForm)
		s.route(r, http.MethodPost, "/reports/{id}/findings", auth.EditReports, s.findingsNewPost)
		s.route(r, http.MethodGet, "/reports/{id}/import", auth.EditReports, s.importsForm)
		s.route(r, http.MethodPost, "/reports/{id}/import", auth.EditReports, s.importsPost)
		s.route(r, http.MethodPost, "/reports/{id}/import/confirm", auth.EditReports, s.importsConfirmPost)

		s.route(r, http.MethodGet, "/findings/{id}", auth.ViewReports, s.findingsShow)
		s.route(r, http.MethodGet, "/recommendations/{id}", auth.ViewReports, s.recommendationsShow)
		s.route(r, http.MethodGet, "/findings/{id}/edit", auth.EditReports, s.findingsEditForm)
		s.route(r, http.MethodPost, "/findings/{id}", auth.EditReports, s.findingsEditPost)
		s.route(r, http.MethodPost, "/findings/{id}/criteria", auth.EditReports, s.criteriaAdd)
		s.route(r, http.MethodPost, "/findings/{id}/criteria/{item}/move", auth.EditReports, s.listMove(store.Criteria))
		s.route(r, http.MethodPost, "/findings/{id}/criteria/{item}/remove", auth.EditReports, s.listRemove(store.Criteria, "Criterion removed."))
		s.route(r, http.MethodPost, "/findings/{id}/categories", auth.EditReports, s.categoriesAdd)
		s.route(r, http.MethodPost, "/findings/{id}/categories/{item}/move", auth.EditReports, s.listMove(store.Categories))
		s.route(r, http.MethodPost, "/findings/{id}/categories/{item}/remove", auth.EditReports, s.listRemove(store.Categories, "Category removed."))
		s.route(r, http.MethodPost, "/findings/{id}/categories/{item}/effect", auth.EditReports, s.categoriesEffect)
		s.route(r, http.MethodPost, "/findings/{id}/apply", auth.EditReports, s.findingsApply)
		s.route(r, http.MethodGet, "/findings/{id}/request", auth.EditReports, s.findingsRequestForm)
		s.route(r, http.MethodPost, "/findings/{id}/request", auth.EditReports, s.findingsRequestPost)

		s.route(r, http.MethodGet, "/cases", auth.ViewCases, s.casesList)
		s.route(r, http.MethodGet, "/cases/{id}", auth.ViewCases, s.casesShow)
		s.route(r, http.MethodGet, "/cases/{id}/due-date", auth.EditCases, s.casesDueDateForm)
		s.route(r, http.MethodPost, "/cases/{id}/due-date", auth.EditCases, s.casesDueDatePost)

		s.route(r, http.MethodGet, "/cases/{id}/submissions", auth.ViewCases, s.submissionsList)
		s.route(r, http.MethodGet, "/cases/{id}/submissions/new", auth.SubmitPlans, s.submissionsForm)
		s.route(r, http.MethodPost, "/cases/{id}/submissions", auth.SubmitPlans, s.submissionsPost)
		s.route(r, http.MethodGet, "/cases/{id}/submissions/record", auth.RecordOnBehalf, s.submissionsRecordForm)
		s.route(r, http.MethodPost, "/cases/{id}/submissions/record", auth.RecordOnBehalf, s.submissionsRecordPost)
		s.route(r, http.MethodGet, "/cases/{id}/progress/new", auth.SubmitPlans, s.progressForm)
		s.route(r, http.MethodPost, "/cases/{id}/progress", auth.SubmitPlans, s.progressPost)
		s.route(r, http.MethodGet, "/submissions/{id}", auth.ViewCases, s.submissionsShow)
		s.route(r, http.MethodGet, "/documents/{id}", auth.ReadDocuments, s.documentsDownload)
		s.route(r, http.MethodGet, "/plans", auth.ReadPlans, s.plansOverview)
		s.route(r, http.MethodGet, "/recommendations/{id}/plans", auth.ReadPlans, s.plansForRecommendation)

		s.route(r, http.MethodGet, "/dashboard", auth.ViewDashboard, s.dashboardShow)
		s.route(r, http.MethodGet, "/dashboard.csv", auth.ViewDashboard, s.dashboardCSV)

		s.route(r, http.MethodGet, "/cases/{id}/follow-ups", auth.ViewCases, s.followUpsList)
		s.route(r, http.MethodGet, "/cases/{id}/follow-ups/new", auth.EditCases, s.followUpsNewForm)
		s.route(r, http.MethodPost, "/cases/{id}/follow-ups", auth.EditCases, s.followUpsNewPost)
		s.route(r, http.MethodGet, "/follow-ups/{id}/record", auth.EditCases, s.followUpsRecordForm)
		s.route(r, http.MethodPost, "/follow-ups/{id}/record", auth.EditCases, s.followUpsRecordPost)
		s.route(r, http.MethodGet, "/follow-ups/{id}/move", auth.EditCases, s.followUpsMoveForm)
		s.route(r, http.MethodPost, "/follow-ups/{id}/move", auth.EditCases, s.followUpsMovePost)
		s.route(r, http.MethodGet, "/recommendations/{id}/follow-ups/new", auth.EditCases, s.followUpsBulkForm)
		s.route(r, http.MethodPost, "/recommendations/{id}/follow-ups", auth.EditCases, s.followUpsBulkPost)
		s.route(r, http.MethodGet, "/cases/{id}/close", auth.EditCases, s.casesCloseForm)
		s.route(r, http.MethodPost, "/cases/{id}/close", auth.EditCases, s.casesClosePost)
		s.route(r, http.MethodGet, "/cases/{id}/reopen", auth.EditCases, s.casesReopenForm)
		s.route(r, http.MethodPost, "/cases/{id}/reopen", auth.EditCases, s.casesReopenPost)

		s.route(r, http.MethodGet, "/settings", auth.SignedIn, s.settingsShow)
		s.route(r, http.MethodPost, "/settings/notifications", auth.SignedIn, s.settingsNotificationsPost)
		s.route(r, http.MethodPost, "/settings/calendar", auth.UseCalendar, s.settingsCalendarPost)
		s.route(r, http.MethodPost, "/settings/calendar/revoke", auth.UseCalendar, s.settingsCalendarRevoke)
		s.route(r, http.MethodGet, "/assessments", auth.ViewAssessments, s.assessmentsList)
		s.route(r, http.MethodGet, "/assessments/approve", auth.ApproveAssess, s.approvalsBulkForm)
		s.route(r, http.MethodPost, "/assessments/approve", auth.ApproveAssess, s.approvalsBulkPost)
		s.route(r, http.MethodGet, "/cases/{id}/assessment", auth.ViewAssessments, s.assessmentsShow)
		s.route(r, http.MethodGet, "/cases/{id}/assessment/edit", auth.Assess, s.assessmentsEditForm)
		s.route(r, http.MethodPost, "/cases/{id}/assessment", auth.Assess, s.assessmentsEditPost)
		s.route(r, http.MethodPost, "/cases/{id}/assessment/submit", auth.Assess, s.assessmentsSubmit)
		s.route(r, http.MethodPost, "/cases/{id}/assessment/return", auth.ApproveAssess, s.assessmentsReturn)
		s.route(r, http.MethodPost, "/cases/{id}/assessment/approve", auth.ApproveAssess, s.assessmentsApprove)
		s.route(r, http.MethodPost, "/cases/{id}/assessment/publish", auth.ApproveAssess, s.assessmentsPublish)
		s.route(r, http.MethodGet, "/cases/{id}/letter", auth.ViewAssessments, s.lettersShow)
		s.route(r, http.MethodGet, "/cases/{id}/letter.pdf", auth.ViewAssessments, s.lettersPDF)
		s.route(r, http.MethodGet, "/cases/{id}/letter/edit", auth.Assess, s.lettersEditForm)
		s.route(r, http.MethodPost, "/cases/{id}/letter", auth.Assess, s.lettersEditPost)
		s.route(r, http.MethodGet, "/recommendations/{id}/letter-template", auth.EditLetterTexts, s.letterTemplatesForm)
		s.route(r, http.MethodPost, "/recommendations/{id}/letter-template", auth.EditLetterTexts, s.letterTemplatesPost)

		// Published letters and overviews: public (see publications.go).
		s.route(r, http.MethodGet, "/publications", auth.Public, s.publicationsList)
		s.route(r, http.MethodGet, "/publications/{id}", auth.Public, s.publicationsShow)
		s.route(r, http.MethodGet, "/publications/{id}.pdf", auth.Public, s.publicationsPDF)
		s.route(r, http.MethodGet, "/publications/overviews/{id}", auth.Public, s.overviewsShow)
		s.route(r, http.MethodGet, "/publications/overviews/{id}.csv", auth.Public, s.overviewsCSV)
		s.route(r, http.MethodGet, "/publications/overviews/{id}.json", auth.Public, s.overviewsJSON)
		s.route(r, http.MethodPost, "/publications/overviews/{id}/publish", auth.ApproveAssess, s.overviewsPublish)
	})
}

// route registers h for method and pattern behind permission p.
func (s *Server) route(r chi.Router, method, pattern string, p auth.Permission, h handlerFunc) {
	s.declare(method, pattern, p)
	r.With(s.require(p)).Method(method, pattern, s.handle(h))
}

// raw registers a plain handler that needs no session (p must be Public).
func (s *Server) raw(r chi.Router, method, pattern string, p auth.Permission, h http.HandlerFunc) {
	if p != auth.Public {
		panic("web: raw routes are public: " + pattern)
	}
	s.declare(method, pattern, p)
	r.Method(method, pattern, h)
}

func (s *Server) declare(method, pattern string, p auth.Permission) {
	if !auth.Known(p) {
		panic("web: unknown permission " + string(p) + " for " + pattern)
	}
	s.rules[method+" "+pattern] = p
}

// require enforces p: signed-out users are sent to sign in (a GET keeps
// where they were going); signed-in users without p get 404, as if the
// page did not exist, and the denial is audited.
func (s *Server) require(p auth.Permission) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u := auth.UserFrom(r.Context())
			if u == nil && p != auth.SecondStep && p != auth.SignOut {
				// Half way through signing in: nothing but the second
				// step (and signing out) until it is done.
				if pending, ok := s.pending(r); ok {
					http.Redirect(w, r, pending.path(), http.StatusSeeOther)
					return
				}
			}
			if auth.Allowed(u, p) || (p == auth.SignOut && s.isPending(r)) {
				next.ServeHTTP(w, r)
				return
			}
			if u == nil {
				if r.Method == http.MethodGet || r.Method == http.MethodHead {
					http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				s.renderStatus(w, r, http.StatusForbidden)
				return
			}
			s.deny(w, r, string(p))
		})
	}
}
