// Package letter composes the outcome letter of an assessment from recorded
// facts and a template of wording per recommendation, and renders it as a
// PDF.
//
// Composing is a pure function (Compose): the same Data and Template always
// give the same Letter, so a golden test can hold the published letter of
// 2 October 2017 word for word, and a published letter, composed once and
// stored, never changes when a template is edited later.
package letter

import (
	"strings"
)

// Span is a run of text in a paragraph, in italics or not (the title of a
// report is set in italics).
type Span struct {
	Text   string `json:"text"`
	Italic bool   `json:"italic,omitempty"`
}

// Paragraph is one paragraph of the letter's body.
type Paragraph []Span

// Text is the paragraph in plain text, italics marked *like this*.
func (p Paragraph) Text() string {
	var b strings.Builder
	for _, s := range p {
		if s.Italic {
			b.WriteString("*" + s.Text + "*")
		} else {
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

// Letter is a composed letter, laid out in the blocks of an inspectorate
// letter. It is stored as JSON beside its plain text when published.
type Letter struct {
	Address    []string    `json:"address"`
	CopiedTo   []string    `json:"copied_to"`
	Date       string      `json:"date"` // "" while the letter is not dated yet
	Salutation string      `json:"salutation"`
	Subject    string      `json:"subject"`
	Body       []Paragraph `json:"body"`
	Closing    string      `json:"closing"`
	Signature  []string    `json:"signature"`
}

// Text is the letter as plain text: its blocks in order, separated by a
// blank line, as the letter reads on paper.
func (l Letter) Text() string {
	var blocks []string
	add := func(lines ...string) {
		var kept []string
		for _, s := range lines {
			if s != "" {
				kept = append(kept, s)
			}
		}
		if len(kept) > 0 {
			blocks = append(blocks, strings.Join(kept, "\n"))
		}
	}
	add(l.Address...)
	add(l.CopiedTo...)
	add(l.Date)
	add(l.Salutation)
	add(l.Subject)
	for _, p := range l.Body {
		add(p.Text())
	}
	add(l.Closing)
	add(l.Signature...)
	return strings.Join(blocks, "\n\n")
}
