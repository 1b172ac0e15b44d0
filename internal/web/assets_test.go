package web

import (
	"testing"

	"inspectrack/web/static"
)

// TestAssetsAreServedThroughTheRouter: pages link the hashed stylesheet
// and scripts under /assets/; the router must hand them to static whole.
func TestAssetsAreServedThroughTheRouter(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, name := range []string{"app.css", "app.js", "govuk-frontend.min.js", "moj-frontend.min.js", "images/favicon.ico"} {
		res := ts.anon().get(static.Path(name))
		wantStatus(t, res, 200)
		if len(res.Body) == 0 {
			t.Errorf("%s is empty", name)
		}
	}
}
