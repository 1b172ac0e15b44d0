package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"inspectrack/internal/store"
)

// The small helpers every resource's handlers share.

// pathID reads a positive number from the URL path; anything else is a
// page that does not exist.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("web: %s %q: %w", name, chi.URLParam(r, name), store.ErrNotFound)
	}
	return id, nil
}

// caseHref is the path of case caseID's page, with rest after it.
func caseHref(caseID int64, rest string) string {
	return "/cases/" + strconv.FormatInt(caseID, 10) + rest
}
