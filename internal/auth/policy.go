// Package auth knows who the user is and decides what each role may do:
// passwords, the signed-in user, and the policy. The policy is the one
// place that answers "may this user do this"; routes.go declares a
// Permission for every route and the store scopes a liaison's queries by
// force.
package auth

import (
	"context"
	"crypto/rand"
	"math/big"
)

// Role is what a user is in the portal.
type Role string

// The roles. A liaison belongs to exactly one force.
const (
	RoleAdmin     Role = "admin"
	RoleManager   Role = "manager"
	RoleInspector Role = "inspector"
	RoleLiaison   Role = "liaison"
)

// Roles lists every role, in the order forms offer them.
var Roles = []Role{RoleInspector, RoleManager, RoleLiaison, RoleAdmin}

// Label is the role as people say it.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "Administrator"
	case RoleManager:
		return "Manager"
	case RoleInspector:
		return "Inspector"
	case RoleLiaison:
		return "Force liaison"
	}
	return string(r)
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// User is the signed-in user of a request.
type User struct {
	ID        int64
	Email     string
	Name      string
	Role      Role
	ForceID   int64 // liaisons only
	ForceCode string
	ForceName string
}

// Permission names something a user may do. Every route declares one.
type Permission string

// The permissions. Public needs no sign-in; SignedIn needs any user.
const (
	Public   Permission = "public"
	SignedIn Permission = "signed-in"
	// SecondStep: the second step of signing in (a code, or setting up
	// an authenticator app). Its door is open; the handler serves only a
	// session whose password was checked and which waits for that step,
	// and such a session reaches no other route but SignOut's.
	SecondStep Permission = "sign-in.second-step"
	// SignOut: any signed-in user, or a session half way through signing in.
	SignOut Permission = "sign-out"

	ManageUsers Permission = "users.manage" // admin pages for users
	ViewAudit   Permission = "audit.view"   // the audit trail per user and per object

	ViewForces Permission = "forces.view" // force list and pages (a liaison: their own only)
	EditForces Permission = "forces.edit"

	ViewReports Permission = "reports.view"
	EditReports Permission = "reports.edit" // reports, findings, criteria, categories, import, apply, requests

	ViewCases Permission = "cases.view" // a liaison: their own force only, enforced in SQL
	EditCases Permission = "cases.edit" // due dates, closing and reopening, follow-ups

	SubmitPlans   Permission = "plans.submit"   // liaisons upload plans and progress for their force
	ReadPlans     Permission = "plans.read"     // every force's plans per recommendation: sent, late, missing
	ReadDocuments Permission = "documents.read" // download a document (a liaison: their force only)
	// RecordOnBehalf: record a plan or progress update a force sent by
	// email or post, dated when it was received.
	RecordOnBehalf Permission = "plans.record"

	ViewAssessments Permission = "assessments.view"    // assessments, draft letters, unpublished overviews
	Assess          Permission = "assessments.edit"    // record and submit an assessment
	ApproveAssess   Permission = "assessments.approve" // return, approve, publish (never one's own)
	EditLetterTexts Permission = "letters.edit"

	ViewDashboard Permission = "dashboard.view"
	UseCalendar   Permission = "calendar.use"
)

// grants is the policy: which roles hold each permission. Public and
// SignedIn are decided in Allowed.
var grants = map[Permission][]Role{
	ManageUsers:     {RoleAdmin},
	ViewAudit:       {RoleAdmin, RoleManager},
	ViewForces:      {RoleAdmin, RoleManager, RoleInspector, RoleLiaison},
	EditForces:      {RoleAdmin, RoleInspector},
	ViewReports:     {RoleAdmin, RoleManager, RoleInspector},
	EditReports:     {RoleInspector, RoleManager},
	ViewCases:       {RoleManager, RoleInspector, RoleLiaison},
	EditCases:       {RoleInspector, RoleManager},
	SubmitPlans:     {RoleLiaison},
	ReadPlans:       {RoleManager, RoleInspector},
	ReadDocuments:   {RoleManager, RoleInspector, RoleLiaison},
	RecordOnBehalf:  {RoleInspector, RoleManager},
	ViewAssessments: {RoleManager, RoleInspector},
	Assess:          {RoleInspector},
	ApproveAssess:   {RoleManager},
	EditLetterTexts: {RoleInspector, RoleManager},
	ViewDashboard:   {RoleManager, RoleInspector},
	UseCalendar:     {RoleManager, RoleInspector, RoleLiaison},
}

// Known reports whether p is a declared permission.
func Known(p Permission) bool {
	_, ok := grants[p]
	return ok || p == Public || p == SignedIn || p == SecondStep || p == SignOut
}

// Allowed reports whether u (nil when signed out) holds p.
func Allowed(u *User, p Permission) bool {
	switch p {
	case Public, SecondStep:
		return true
	case SignedIn, SignOut:
		return u != nil
	}
	if u == nil {
		return false
	}
	for _, r := range grants[p] {
		if u.Role == r {
			return true
		}
	}
	return false
}

// ForceScope is the force a user's queries are limited to: their own for a
// liaison, 0 (every force) for everyone else.
func (u *User) ForceScope() int64 {
	if u != nil && u.Role == RoleLiaison {
		if u.ForceID == 0 {
			return -1 // a liaison without a force sees nothing
		}
		return u.ForceID
	}
	return 0
}

type ctxKey struct{}

// WithUser returns ctx carrying the signed-in user.
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, ctxKey{}, u)
}

// UserFrom returns the signed-in user, or nil.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(ctxKey{}).(*User)
	return u
}

func randIntn(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err)
	}
	return int(v.Int64())
}
