package web

import (
	"slices"
	"strings"

	"inspectrack/internal/auth"
	"inspectrack/web/components"
)

// navItems is the navigation, in order; each item shows to users holding
// its permission. Adding a section of the portal adds a line here.
var navItems = []struct {
	label, href string
	perm        auth.Permission
	roles       []auth.Role // empty: every role with perm
}{
	{"Dashboard", "/dashboard", auth.ViewDashboard, nil},
	{"Cases", "/cases", auth.ViewCases, nil},
	{"Assessments", "/assessments", auth.ViewAssessments, nil},
	{"Reports", "/reports", auth.ViewReports, nil},
	{"Plans", "/plans", auth.ReadPlans, nil},
	{"Forces", "/forces", auth.ViewForces, []auth.Role{auth.RoleAdmin, auth.RoleManager, auth.RoleInspector}},
	{"Your force", "/forces", auth.ViewForces, []auth.Role{auth.RoleLiaison}},
	{"Published letters", "/publications", auth.Public, []auth.Role{auth.RoleLiaison}},
	{"Users", "/admin/users", auth.ManageUsers, nil},
	{"Sign-in settings", "/admin/settings", auth.ManageUsers, nil},
	{"Mailbox", "/admin/mailbox", auth.ManageUsers, nil},
	{"Audit trail", "/audit", auth.ViewAudit, nil},
	{"Settings", "/settings", auth.UseCalendar, nil},
}

// navFor builds the navigation for u, marking the item path falls under.
func navFor(u *auth.User, path string) []components.NavItem {
	if u == nil {
		return nil
	}
	var items []components.NavItem
	for _, n := range navItems {
		if !auth.Allowed(u, n.perm) || (len(n.roles) > 0 && !slices.Contains(n.roles, u.Role)) {
			continue
		}
		current := path == n.href || strings.HasPrefix(path, n.href+"/")
		items = append(items, components.NavItem{Label: n.label, Href: n.href, Current: current})
	}
	return items
}
