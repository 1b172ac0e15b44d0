package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestInspectorCopiesTheWordingOfAnotherRecommendation(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.newPlanStory()
	story := ts.storyRecommendation()
	c := ts.as("inspector@demo.test")
	page := fmt.Sprintf("/recommendations/%d/letter-template", st.finding)

	res := c.get(page)
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if doc.Find(fmt.Sprintf(`select#copy_from option[value="%d"]`, story.ID)).Length() != 1 {
		t.Fatalf("the copy list lacks the story's recommendation: %q", doc.Find("select#copy_from").Text())
	}
	if doc.Find(fmt.Sprintf(`select#copy_from option[value="%d"]`, st.finding)).Length() != 0 {
		t.Error("the copy list offers the recommendation itself")
	}

	res = c.get(page + "?copy_from=" + strconv.FormatInt(story.ID, 10))
	wantStatus(t, res, http.StatusOK)
	doc = res.doc(t)
	body := doc.Find("textarea#body").Text()
	if !strings.Contains(body, "In the interests of consistency") {
		t.Fatalf("the body is not the story's wording: %q", body)
	}
	if got := doc.Find(`[data-testid="copied-from"]`).Text(); !strings.Contains(got, "Recommendation") {
		t.Errorf("no word of where the wording came from: %q", got)
	}

	// Saved, it is this recommendation's own wording.
	form := url.Values{"action": {"save"}, "version": {doc.Find(`input[name="version"]`).AttrOr("value", "")}}
	for _, name := range []string{"address", "copied_to", "salutation", "subject", "body", "closing", "signature", "signatory_titles"} {
		form.Set(name, doc.Find("textarea#"+name).Text())
	}
	for _, name := range []string{"contact_name", "contact_email", "contact_phone", "signatory_name", "signatory_honours"} {
		form.Set(name, doc.Find("input#"+name).AttrOr("value", ""))
	}
	form.Set("contact_name", "John Young")
	form.Set("contact_email", "john.young@example.test")
	form.Set("signatory_name", "Michael Cunningham")
	wantStatus(t, c.post(page, form), http.StatusSeeOther)
	res = c.get(page)
	wantStatus(t, res, http.StatusOK)
	doc = res.doc(t)
	if doc.Find(`[data-testid="default-wording"]`).Length() != 0 {
		t.Error("still on the default wording after saving the copy")
	}
	if !strings.Contains(doc.Find("textarea#body").Text(), "In the interests of consistency") {
		t.Error("the saved wording is not the copy")
	}
}
