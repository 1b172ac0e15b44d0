package domain_test

import (
	"time"

	"inspectrack/internal/domain"
)

// d is a calendar date, as pgx scans a PostgreSQL date.
func d(y int, m time.Month, day int) time.Time { return domain.Date(y, m, day) }

// p returns a pointer to a calendar date, for the optional fields of CaseFacts.
func p(y int, m time.Month, day int) *time.Time { t := domain.Date(y, m, day); return &t }

// at returns a pointer to an instant given in UTC.
func at(y int, m time.Month, day, hh, mm int) *time.Time {
	t := time.Date(y, m, day, hh, mm, 0, 0, time.UTC)
	return &t
}
