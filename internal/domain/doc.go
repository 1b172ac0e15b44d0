// Package domain holds the inspectorate's rules as plain functions: calendar
// dates in Europe/London, recommendation deadlines, the lifecycle of a case,
// the overdue rules the dashboard counts, and the assessment workflow.
//
// Nothing here touches the database, the network or the clock: every rule is
// a function of the recorded facts and an "as of" date passed in, so a page
// can be shown as of any past day and every rule can be tested by a table.
//
// Two kinds of time appear and are never mixed:
//
//   - a calendar date is a time.Time at 00:00 UTC, the way pgx scans a
//     PostgreSQL date; only its year, month and day mean anything (see Date);
//   - an instant (a timestamptz, a name ending in "At") is a moment, and its
//     calendar date is the day it was in Europe/London (see LondonDate).
package domain
