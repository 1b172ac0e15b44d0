package web

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	qrcode "github.com/skip2/go-qrcode"

	"inspectrack/internal/auth"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// A session half way through signing in: the password (or a single
// sign-on provider that does not count as a second factor) was accepted,
// the second step is not done. It holds no user (sessionUserID), so no
// page treats it as signed in; require sends it to its step from every
// route but the step's own and signing out.
const (
	sessionPendingUser   = "pending_user_id"
	sessionPendingEpoch  = "pending_epoch"
	sessionPendingStep   = "pending_step" // stepCode or stepEnrol
	sessionPendingNext   = "pending_next"
	sessionPendingAt     = "pending_at"     // unix seconds the first step was passed
	sessionPendingSecret = "pending_secret" // the secret being set up (enrolment)
	sessionPendingVia    = "pending_via"    // how the first step was passed, for the audit trail
)

// The second steps.
const (
	stepCode  = "code"  // a code from the app the user set up
	stepEnrol = "enrol" // setting up an app, which the policy requires
)

// pendingLifetime is how long the second step may take after the first.
const pendingLifetime = 10 * time.Minute

// pendingSignIn is the state of a session half way through signing in.
type pendingSignIn struct {
	UserID int64
	Epoch  int
	Step   string
	Next   string
	Via    string
}

// path is the page of the pending step.
func (p pendingSignIn) path() string {
	if p.Step == stepEnrol {
		return "/login/enrol"
	}
	return "/login/code"
}

// pending returns the session's sign-in half way through, if any and not
// expired.
func (s *Server) pending(r *http.Request) (pendingSignIn, bool) {
	ctx := r.Context()
	id := s.sessions.GetInt64(ctx, sessionPendingUser)
	if id == 0 {
		return pendingSignIn{}, false
	}
	at := s.sessions.GetInt64(ctx, sessionPendingAt)
	if s.now().Unix()-at > int64(pendingLifetime.Seconds()) {
		return pendingSignIn{}, false
	}
	return pendingSignIn{UserID: id, Epoch: s.sessions.GetInt(ctx, sessionPendingEpoch),
		Step: s.sessions.GetString(ctx, sessionPendingStep), Next: safeNext(s.sessions.GetString(ctx, sessionPendingNext)),
		Via: s.sessions.GetString(ctx, sessionPendingVia)}, true
}

func (s *Server) clearPending(r *http.Request) {
	ctx := r.Context()
	for _, k := range []string{sessionPendingUser, sessionPendingEpoch, sessionPendingStep, sessionPendingNext,
		sessionPendingAt, sessionPendingSecret, sessionPendingVia} {
		s.sessions.Remove(ctx, k)
	}
}

// secondStepFor decides the second step u needs: stepCode when they set up
// an app, stepEnrol when the policy requires one and they have none, ""
// when a first step is all they need.
func (s *Server) secondStepFor(r *http.Request, u store.User) (string, error) {
	_, err := s.store.SecondFactor(r.Context(), u.ID)
	switch {
	case err == nil:
		return stepCode, nil
	case !isNotFound(err):
		return "", err
	}
	settings, err := s.store.SignInSettings(r.Context())
	if err != nil {
		return "", err
	}
	if auth.SecondFactorRequired(auth.Role(u.Role), settings.LiaisonSecondFactor) {
		return stepEnrol, nil
	}
	return "", nil
}

// firstStepPassed is where the password form (and single sign-on) lands
// once the first step is passed: the user is signed in (when no second
// step is needed, or secondDone), or the session waits for the second step.
// claimID is the throttle's claim of the first step, removed in the
// transaction that audits it. via says how the first step was passed.
func (s *Server) firstStepPassed(w http.ResponseWriter, r *http.Request, u store.User, next, via string, secondDone bool, claimID int64) error {
	ctx := r.Context()
	step := ""
	if !secondDone {
		var err error
		if step, err = s.secondStepFor(r, u); err != nil {
			return err
		}
	}
	a := actor(r)
	a.UserID, a.Email, a.ForceID = u.ID, u.Email, u.ForceID
	// A new token at each step: a token planted before it is worth nothing.
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	if step == "" {
		s.clearPending(r)
		s.signedIn(r, u)
		summary := "signed in as " + u.Role + " " + via
		if secondDone {
			summary += ", which counts as the second factor"
		}
		if err := s.store.LoginSucceeded(ctx, claimID, a.Event("login.success", "user", u.ID, u.ForceID, summary)); err != nil {
			return err
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	s.sessions.Remove(ctx, sessionUserID)
	s.sessions.Put(ctx, sessionPendingUser, u.ID)
	s.sessions.Put(ctx, sessionPendingEpoch, u.SessionEpoch)
	s.sessions.Put(ctx, sessionPendingStep, step)
	s.sessions.Put(ctx, sessionPendingNext, next)
	s.sessions.Put(ctx, sessionPendingAt, s.now().Unix())
	s.sessions.Put(ctx, sessionPendingVia, via)
	s.sessions.Remove(ctx, sessionPendingSecret)
	summary := "first step of signing in passed " + via + "; waiting for a code from the authenticator app"
	if step == stepEnrol {
		summary = "first step of signing in passed " + via + "; setting up an authenticator app, which a " + u.Role + " must use"
	}
	if err := s.store.LoginSucceeded(ctx, claimID, a.Event("login.first-step", "user", u.ID, u.ForceID, summary)); err != nil {
		return err
	}
	http.Redirect(w, r, pendingSignIn{Step: step}.path(), http.StatusSeeOther)
	return nil
}

// signedIn makes the session u's.
func (s *Server) signedIn(r *http.Request, u store.User) {
	ctx := r.Context()
	s.sessions.Put(ctx, sessionUserID, u.ID)
	s.sessions.Put(ctx, sessionEpoch, u.SessionEpoch)
	s.sessions.Put(ctx, sessionSeen, s.now().Unix())
}

// pendingFor returns the session's pending sign-in for the step step and
// its user, or sends the browser where it belongs: to its own step, to
// sign in again (nothing pending, expired, the account disabled or its
// sessions ended meanwhile), or home when already signed in.
func (s *Server) pendingFor(w http.ResponseWriter, r *http.Request, step string) (pendingSignIn, store.User, bool, error) {
	if auth.UserFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return pendingSignIn{}, store.User{}, false, nil
	}
	p, ok := s.pending(r)
	if !ok {
		s.clearPending(r)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return p, store.User{}, false, nil
	}
	if p.Step != step {
		http.Redirect(w, r, p.path(), http.StatusSeeOther)
		return p, store.User{}, false, nil
	}
	u, err := s.store.UserByID(r.Context(), p.UserID)
	if err != nil && !isNotFound(err) {
		return p, u, false, err
	}
	if err != nil || u.DisabledAt != nil || u.SessionEpoch != p.Epoch {
		s.clearPending(r)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return p, u, false, nil
	}
	return p, u, true, nil
}

func (s *Server) secondFactorCodeForm(w http.ResponseWriter, r *http.Request) error {
	_, u, ok, err := s.pendingFor(w, r, stepCode)
	if !ok || err != nil {
		return err
	}
	return s.showForm(w, r, codePage(components.SecondFactorCodeForm{Email: u.Email}))
}

// codePage is the second step's form: a code from the app, or a recovery code.
func codePage(f components.SecondFactorCodeForm) formPage {
	return newFormPage("Enter your security code", components.SecondFactorCodePage, f)
}

// secondStepClaim counts a second-step attempt against the same throttle
// as the password (per account and client, per client, per account), or
// answers 429 itself and returns 0.
func (s *Server) secondStepClaim(w http.ResponseWriter, r *http.Request, u store.User, refuse func(wait string) error) (store.LoginKey, int64, error) {
	key := store.NewLoginKey(u.ID, u.Email, ClientAddrFrom(r.Context()))
	now := s.now()
	claim, err := s.store.ClaimLoginAttempt(r.Context(), key, loginLimits, now)
	if err != nil {
		return key, 0, err
	}
	if claim.ID == 0 {
		wait := max(claim.RetryAt.Sub(now), time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		return key, 0, refuse(waitText(wait))
	}
	if d := loginDelay(claim.AccountFailures); d > 0 {
		s.sleep(r.Context(), d)
	}
	return key, claim.ID, nil
}

// secondStepFailed keeps a wrong code as a failure of the sign-in throttle.
func (s *Server) secondStepFailed(r *http.Request, key store.LoginKey, claimID int64, u store.User) error {
	a := actor(r)
	throttled := func(t store.LoginTrips) store.AuditEvent {
		return a.Event("login.throttled", "user", u.ID, u.ForceID, throttleSummary(t, u.Email, a.ClientAddr)+" (second step)")
	}
	_, err := s.store.LoginFailed(r.Context(), key, claimID, loginLimits, s.now(), throttled)
	return err
}

func (s *Server) secondFactorCodePost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, u, ok, err := s.pendingFor(w, r, stepCode)
	if !ok || err != nil {
		return err
	}
	f := components.SecondFactorCodeForm{Email: u.Email}
	code := strings.TrimSpace(r.PostFormValue("code"))
	if code == "" {
		f.Errors.Add("code", "Enter the code from your authenticator app, or a recovery code")
		return invalid(codePage(f))
	}
	key, claimID, err := s.secondStepClaim(w, r, u, func(wait string) error {
		f.Errors.Add("code", "Too many wrong codes from this device. Wait "+wait+", then try again.")
		return rejected(http.StatusTooManyRequests, codePage(f))
	})
	if claimID == 0 || err != nil {
		return err
	}
	totp, err := s.store.SecondFactor(ctx, u.ID)
	if err != nil {
		return err // reset meanwhile: the epoch moved, so this is rare; a 404 or 500 either way
	}
	var step int64
	var recovery []byte
	how := "a code from the authenticator app"
	if rc := auth.NormalizeRecoveryCode(code); rc != "" {
		h := auth.RecoveryCodeHash(rc)
		unused, err := s.store.RecoveryCodeUnused(ctx, u.ID, h)
		if err != nil {
			return err
		}
		if unused {
			recovery = h
			how = fmt.Sprintf("a recovery code (%d left)", totp.RecoveryLeft-1)
		}
	} else if st, ok := auth.CheckTOTP(totp.Secret, code, s.now(), totp.LastStep); ok {
		step = st
	}
	if step == 0 && recovery == nil {
		if err := s.secondStepFailed(r, key, claimID, u); err != nil {
			return err
		}
		msg := "Enter the code your authenticator app shows now, or an unused recovery code"
		if _, used := auth.CheckTOTP(totp.Secret, code, s.now(), 0); used {
			msg = "That code has been used already. Wait for your app to show a new code, then enter it"
		}
		f.Errors.Add("code", msg)
		return invalid(codePage(f))
	}
	a := actor(r)
	a.UserID, a.Email, a.ForceID = u.ID, u.Email, u.ForceID
	e := a.Event("login.success", "user", u.ID, u.ForceID, "signed in as "+u.Role+" "+p.Via+", then with "+how)
	if err := s.store.SecondFactorSucceeded(ctx, u.ID, claimID, step, recovery, e); err != nil {
		if errors.Is(err, store.ErrCodeUsed) {
			f.Errors.Add("code", "That code has been used already. Wait for your app to show a new code, then enter it")
			return invalid(codePage(f))
		}
		return err
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.clearPending(r)
	s.signedIn(r, u)
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
	return nil
}

func (s *Server) secondFactorEnrolForm(w http.ResponseWriter, r *http.Request) error {
	_, u, ok, err := s.pendingFor(w, r, stepEnrol)
	if !ok || err != nil {
		return err
	}
	secret := s.sessions.GetString(r.Context(), sessionPendingSecret)
	if secret == "" {
		if secret, _, err = auth.NewTOTPKey(u.Email); err != nil {
			return err
		}
		s.sessions.Put(r.Context(), sessionPendingSecret, secret)
	}
	return s.showForm(w, r, enrolPage(u, secret, nil))
}

// enrolPage is the form to set up an authenticator app: the secret as a
// QR code drawn here and written out, and the first code to confirm it.
func enrolPage(u store.User, secret string, errs components.Errors) formPage {
	return formPage{title: "Set up an authenticator app", build: func(_ *http.Request, p *components.Page) (templ.Component, error) {
		return enrolView(*p, u, secret, errs)
	}}
}

func enrolView(p components.Page, u store.User, secret string, errs components.Errors) (templ.Component, error) {
	url, err := auth.TOTPURL(u.Email, secret)
	if err != nil {
		return nil, err
	}
	png, err := qrcode.Encode(url, qrcode.Medium, 200)
	if err != nil {
		return nil, fmt.Errorf("web: QR code: %w", err)
	}
	f := components.SecondFactorEnrol{Email: u.Email, Errors: errs,
		QRCode: templ.SafeURL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))}
	for i := 0; i < len(secret); i += 4 {
		f.SecretGroups = append(f.SecretGroups, secret[i:min(i+4, len(secret))])
	}
	return components.SecondFactorEnrolPage(p, f), nil
}

func (s *Server) secondFactorEnrolPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, u, ok, err := s.pendingFor(w, r, stepEnrol)
	if !ok || err != nil {
		return err
	}
	secret := s.sessions.GetString(ctx, sessionPendingSecret)
	if secret == "" {
		http.Redirect(w, r, "/login/enrol", http.StatusSeeOther)
		return nil
	}
	var errs components.Errors
	code := strings.TrimSpace(r.PostFormValue("code"))
	if code == "" {
		errs.Add("code", "Enter the 6-digit code your authenticator app shows")
		return invalid(enrolPage(u, secret, errs))
	}
	key, claimID, err := s.secondStepClaim(w, r, u, func(wait string) error {
		errs.Add("code", "Too many wrong codes from this device. Wait "+wait+", then try again.")
		return rejected(http.StatusTooManyRequests, enrolPage(u, secret, errs))
	})
	if claimID == 0 || err != nil {
		return err
	}
	step, ok := auth.CheckTOTP(secret, code, s.now(), 0)
	if !ok {
		if err := s.secondStepFailed(r, key, claimID, u); err != nil {
			return err
		}
		errs.Add("code", "Enter the 6-digit code your app shows now: check the key was typed as shown and your device's clock is right")
		return invalid(enrolPage(u, secret, errs))
	}
	codes := auth.NewRecoveryCodes()
	hashes := make([][]byte, len(codes))
	for i, c := range codes {
		hashes[i] = auth.RecoveryCodeHash(c)
	}
	a := actor(r)
	a.UserID, a.Email, a.ForceID = u.ID, u.Email, u.ForceID
	if err := s.store.EnrolTOTP(ctx, a, u.ID, secret, step, hashes); err != nil {
		if errors.Is(err, store.ErrAlreadyEnrolled) {
			// Set up in another tab meanwhile: ask for a code instead.
			s.sessions.Put(ctx, sessionPendingStep, stepCode)
			http.Redirect(w, r, "/login/code", http.StatusSeeOther)
			return nil
		}
		return err
	}
	e := a.Event("login.success", "user", u.ID, u.ForceID, "signed in as "+u.Role+" "+p.Via+", then set up an authenticator app")
	if err := s.store.LoginSucceeded(ctx, claimID, e); err != nil {
		return err
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.clearPending(r)
	s.signedIn(r, u)
	// The codes are on this answer only: the database keeps their hashes,
	// the session never holds them.
	pg := s.page(r, "Save your recovery codes")
	pg.UserName = u.Name
	return s.render(w, r, http.StatusOK, components.RecoveryCodesPage(pg, components.RecoveryCodes{Codes: codes, Next: p.Next}))
}

// usersResetSecondFactor is an admin removing a user's second factor (a
// lost phone): they set one up again at their next sign-in.
func (s *Server) usersResetSecondFactor(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	u, err := s.store.UserByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.store.ResetSecondFactor(r.Context(), actor(r), id); err != nil {
		return err
	}
	return s.backToUser(w, r, id, "The second factor of "+u.Name+" is reset: they set up an authenticator app again when they next sign in. Their sessions have ended.")
}

// secondFactorStatus says, for the admin's page of a user, whether and
// when they set up a second factor.
func (s *Server) secondFactorStatus(r *http.Request, id int64) (string, bool, error) {
	t, err := s.store.SecondFactor(r.Context(), id)
	if isNotFound(err) {
		return "Not set up", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return fmt.Sprintf("Authenticator app, set up %s; %d recovery codes left", components.FormatDateTime(t.EnrolledAt), t.RecoveryLeft), true, nil
}

// settingsAdminShow is GET /admin/settings: the sign-in policy.
func (s *Server) settingsAdminShow(w http.ResponseWriter, r *http.Request) error {
	v, err := s.store.SignInSettings(r.Context())
	if err != nil {
		return err
	}
	page := components.SignInSettings{LiaisonSecondFactor: v.LiaisonSecondFactor,
		Flash: s.sessions.PopString(r.Context(), "flash"), Providers: s.providerLabels()}
	return s.render(w, r, http.StatusOK, components.SignInSettingsPage(s.page(r, "Sign-in settings"), page))
}

// settingsAdminPost saves the sign-in policy; anything but "no" keeps the
// safe default.
func (s *Server) settingsAdminPost(w http.ResponseWriter, r *http.Request) error {
	required := r.PostFormValue("liaison_second_factor") != "no"
	if err := s.store.SetLiaisonSecondFactor(r.Context(), actor(r), required); err != nil {
		return err
	}
	msg := "Liaisons must use a second factor to sign in."
	if !required {
		msg = "Liaisons may sign in with a password alone. Those who set up an authenticator app still use it."
	}
	s.sessions.Put(r.Context(), "flash", msg)
	http.Redirect(w, r, "/admin/settings", http.StatusSeeOther)
	return nil
}

// isPending reports whether the session is half way through signing in.
func (s *Server) isPending(r *http.Request) bool {
	_, ok := s.pending(r)
	return ok
}
