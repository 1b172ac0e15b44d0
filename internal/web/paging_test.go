package web

import (
	"net/http"
	"testing"
)

// TestAPageNumberOutOfRangeIsNotFoundOnEveryPagedList asks every paged
// list for pages that are not pages: nonsense, zero, negative, and numbers
// whose offset overflows. Each is a 404, never a 500; the pages that exist
// still answer. A page past the end is a 404 too, except on the dashboard,
// whose store shows the first page instead (the ranking may have got
// shorter since the link was made), and on the case list, which pages by
// keyset: a page number alone is a link from before, sent to the start.
func TestAPageNumberOutOfRangeIsNotFoundOnEveryPagedList(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.as("manager@demo.test")
	for _, tc := range []struct {
		path         string
		pastTheEndIs int
	}{
		{"/cases", http.StatusSeeOther},
		{"/forces/sussex", http.StatusNotFound},
		{"/dashboard", http.StatusOK},
	} {
		path := tc.path
		for _, page := range []string{"", "1"} {
			if res := c.get(path + "?page=" + page); res.StatusCode != http.StatusOK {
				t.Errorf("%s?page=%s: status %d, want 200", path, page, res.StatusCode)
			}
		}
		if res := c.get(path + "?page=99999"); res.StatusCode != tc.pastTheEndIs {
			t.Errorf("%s?page=99999: status %d, want %d", path, res.StatusCode, tc.pastTheEndIs)
		}
		for _, page := range []string{"0", "-1", "abc", "1.5", "99999999999999999999", "369367187411874858", "9223372036854775807", "1000001"} {
			if res := c.get(path + "?page=" + page); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s?page=%s: status %d, want 404", path, page, res.StatusCode)
			}
		}
	}
}

// TestACaseListCursorThatIsNoCaseIsNotFound: the case list's Next and
// Previous name a case to continue from; one that is not a number, not a
// case, or both ways at once is a 404, never a 500.
func TestACaseListCursorThatIsNoCaseIsNotFound(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.as("manager@demo.test")
	for _, q := range []string{"after=abc", "after=0", "after=-1", "before=1.5", "after=99999999999999999999",
		"after=9223372036854775807", "before=9223372036854775807", "after=1&before=2"} {
		if res := c.get("/cases?" + q); res.StatusCode != http.StatusNotFound {
			t.Errorf("/cases?%s: status %d, want 404", q, res.StatusCode)
		}
	}
}
