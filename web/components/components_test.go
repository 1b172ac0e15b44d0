package components

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
)

func TestFormatDate(t *testing.T) {
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2017, 10, 2, 0, 0, 0, 0, time.UTC), "2 October 2017"},
		// 23:30 UTC in summer is 00:30 the next day in London.
		{time.Date(2017, 10, 1, 23, 30, 0, 0, time.UTC), "2 October 2017"},
		{time.Date(2017, 5, 31, 0, 0, 0, 0, time.UTC), "31 May 2017"},
		{time.Date(2016, 12, 1, 23, 30, 0, 0, time.UTC), "1 December 2016"},
		{time.Time{}, ""},
	} {
		if got := FormatDate(tc.in); got != tc.want {
			t.Errorf("FormatDate(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFormatDateTime(t *testing.T) {
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2017, 10, 2, 14, 4, 0, 0, time.UTC), "2 October 2017 at 3:04pm"},
		{time.Date(2017, 10, 2, 9, 0, 0, 0, time.UTC), "2 October 2017 at 10am"},
		{time.Date(2017, 10, 2, 11, 0, 0, 0, time.UTC), "2 October 2017 at midday"},
		{time.Date(2017, 12, 1, 0, 0, 0, 0, time.UTC), "1 December 2017 at midnight"},
		{time.Date(2017, 12, 1, 0, 5, 0, 0, time.UTC), "1 December 2017 at 12:05am"},
		{time.Date(2017, 5, 16, 8, 30, 0, 0, time.UTC), "16 May 2017 at 9:30am"},
		{time.Time{}, ""},
	} {
		if got := FormatDateTime(tc.in); got != tc.want {
			t.Errorf("FormatDateTime(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPageTitle(t *testing.T) {
	for _, tc := range []struct {
		p    Page
		want string
	}{
		{Page{}, "Inspection tracker"},
		{Page{Title: "Cases"}, "Cases – Inspection tracker"},
		{Page{Title: "Sign in", HasErrors: true}, "Error: Sign in – Inspection tracker"},
		{Page{HasErrors: true}, "Error: Inspection tracker"},
	} {
		if got := pageTitle(tc.p); got != tc.want {
			t.Errorf("pageTitle(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

func render(t *testing.T, c templ.Component) string {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func mustContain(t *testing.T, html string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(html, w) {
			t.Errorf("page does not contain %q", w)
		}
	}
}

func mustNotContain(t *testing.T, html string, bads ...string) {
	t.Helper()
	for _, b := range bads {
		if strings.Contains(html, b) {
			t.Errorf("page contains %q", b)
		}
	}
}

// Every page must work under Content-Security-Policy: default-src 'self', and
// show no GOV.UK branding.
func checkShell(t *testing.T, html string) {
	t.Helper()
	mustContain(t, html,
		`<!doctype html>`,
		`<html lang="en" class="govuk-template">`,
		`<body class="govuk-template__body">`,
		`<a href="#main-content" class="govuk-skip-link"`,
		`<main class="govuk-main-wrapper" id="main-content">`,
		`href="/accessibility">Accessibility statement</a>`,
		`href="/publications">Publications</a>`,
		`<a href="/" class="govuk-service-navigation__link">Inspection tracker</a>`,
	)
	if !regexp.MustCompile(`<link rel="stylesheet" href="/assets/app\.[0-9a-f]{8}\.css">`).MatchString(html) {
		t.Error("no hashed stylesheet link")
	}
	if !regexp.MustCompile(`<script type="module" src="/assets/app\.[0-9a-f]{8}\.js"></script>`).MatchString(html) {
		t.Error("no hashed module script")
	}
	if regexp.MustCompile(`<script(?:\s+type="module")?>`).MatchString(html) {
		t.Error("inline script: the CSP forbids it")
	}
	mustNotContain(t, html, ` style=`, `<style`, `onclick=`, `GOV.UK`, `govuk-header`, `crown`, `Crown`, `licence`, `GDS Transport`)
}

func TestLayoutSignedIn(t *testing.T) {
	p := Page{
		Title:    "Cases",
		UserName: "Zoë O’Brien <QA>",
		Nav: []NavItem{
			{Label: "Dashboard", Href: "/dashboard"},
			{Label: "Cases", Href: "/cases", Current: true},
		},
	}
	html := render(t, NotFoundPage(p))
	checkShell(t, html)
	mustContain(t, html,
		`<title>Cases – Inspection tracker</title>`,
		`Zoë O’Brien &lt;QA&gt;`,
		`<form class="app-account__form" method="post" action="/logout">`,
		`>Sign out</button>`,
		`<a class="govuk-service-navigation__link" href="/dashboard">Dashboard</a>`,
		`href="/cases" aria-current="page"><strong class="govuk-service-navigation__active-fallback">Cases</strong>`,
		`govuk-service-navigation__item govuk-service-navigation__item--active`,
		`govuk-service-navigation__toggle`,
	)
	mustNotContain(t, html, `href="/login"`)
}

func TestLayoutSignedOut(t *testing.T) {
	html := render(t, StartPage(Page{}))
	checkShell(t, html)
	mustContain(t, html, `<title>Inspection tracker</title>`, `href="/login" data-testid="sign-in">Sign in</a>`)
	mustNotContain(t, html, `/logout`, `<nav`)
}

func TestLayoutWide(t *testing.T) {
	html := render(t, NotFoundPage(Page{Wide: true}))
	mustContain(t, html, `<div class="app-width-container--wide">`)
	mustNotContain(t, html, `govuk-width-container`)

	html = render(t, NotFoundPage(Page{}))
	mustContain(t, html, `<div class="govuk-width-container">`)
	mustNotContain(t, html, `app-width-container--wide`)
}

func TestLayoutNavItemHrefIsSanitised(t *testing.T) {
	html := render(t, NotFoundPage(Page{Nav: []NavItem{{Label: "x", Href: "javascript:alert(1)"}}}))
	mustNotContain(t, html, `javascript:`)
}

func TestPages(t *testing.T) {
	for _, tc := range []struct {
		name  string
		c     templ.Component
		title string
		wants []string
	}{
		{"start", StartPage(Page{}), "Inspection tracker", []string{
			`<h1 class="govuk-heading-xl">Inspection tracker</h1>`,
			`<a href="/login" role="button" draggable="false" class="govuk-button govuk-button--start"`,
			`href="/publications">Read the published letters</a>`,
		}},
		{"not found", NotFoundPage(Page{}), "Page not found – Inspection tracker", []string{
			`<h1 class="govuk-heading-l">Page not found</h1>`,
			`If you typed the web address, check it is correct.`,
		}},
		{"error", ErrorPage(Page{}, "req-01HZ<x>"), "Sorry, there is a problem with the service – Inspection tracker", []string{
			`<h1 class="govuk-heading-l">Sorry, there is a problem with the service</h1>`,
			`Try again later.`,
			`data-testid="request-id">req-01HZ&lt;x&gt;</strong>`,
		}},
		{"unavailable", UnavailablePage(Page{}), "Sorry, the service is unavailable – Inspection tracker", []string{
			`<h1 class="govuk-heading-l">Sorry, the service is unavailable</h1>`,
			`The database is not answering. Try again in a few minutes.`,
		}},
		{"accessibility", AccessibilityPage(Page{}), "Accessibility statement – Inspection tracker", []string{
			`Accessibility statement for Inspection tracker</h1>`,
			`WCAG) version 2.2 at level AA`,
			`axe-core`,
			`Enforcement procedure`,
			`This statement was prepared on 27 November 2026.`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			html := render(t, tc.c)
			checkShell(t, html)
			mustContain(t, html, "<title>"+tc.title+"</title>")
			mustContain(t, html, tc.wants...)
		})
	}
}

func TestErrorPageWithoutRequestID(t *testing.T) {
	html := render(t, ErrorPage(Page{}, ""))
	mustNotContain(t, html, `reference`, `request-id`)
}

func TestHandlerTitleWins(t *testing.T) {
	html := render(t, NotFoundPage(Page{Title: "Case not found"}))
	mustContain(t, html, `<title>Case not found – Inspection tracker</title>`)
}
