package letter

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
)

// phoneNumber matches a telephone number written in groups of digits
// ("07802 948502", "0116 222 2222", "+44 116 222 2222"): printed whole
// on one line, since a number split across lines is misdialled.
var phoneNumber = regexp.MustCompile(`(?:\+\d{1,3} ?(?:\(0\) ?)?|\b0)\d{2,5}(?: \d{3,6}){1,2}\b`)

// protectedPhrases are the phrases of l kept on one line wherever they
// appear: the titled name heading the address ("Chief Constable Jan
// Żółkiewski") and the signatory's name.
func protectedPhrases(l Letter) []string {
	var ps []string
	for _, block := range [][]string{l.Address, l.Signature} {
		if len(block) > 0 && strings.Contains(strings.TrimSpace(block[0]), " ") {
			ps = append(ps, strings.TrimSpace(block[0]))
		}
	}
	return ps
}

// piece is a run of text in one font and style.
type piece struct {
	font, style, text string
}

// token is what a line never breaks inside: a word, or a protected phrase
// with its spaces.
type token struct {
	pieces    []piece
	width     float64
	protected bool
}

// textWriter lays paragraphs out in lines of tokens, choosing for each
// character the main font or, for a character it lacks, the fallback.
// fpdf's own wrapping (MultiCell, Write) breaks at any space and writes one
// font per call, which can do neither.
type textWriter struct {
	pdf     *fpdf.Fpdf
	protect []string
	added   map[string]bool // the fonts added to pdf, by family and style
}

// addFont adds a font to the document the first time it is used: each
// one added is parsed and subset when the PDF is written, which costs
// time even when no character uses it (the fallback is 4 MB).
func (tw *textWriter) addFont(family, style string) {
	if tw.added[family+style] {
		return
	}
	tw.added[family+style] = true
	ttf := map[string][]byte{pdfFont: fontRegular, pdfFont + "B": fontBold, pdfFont + "I": fontItalic,
		pdfFallback: fontFallback}[family+style]
	tw.pdf.AddUTF8FontFromBytes(family, style, ttf)
}

// fontFor is the font family and style a rune prints in.
func (tw *textWriter) fontFor(r rune, style string) (string, string) {
	if !mainCoverage()[r] && fallbackCoverage()[r] {
		tw.addFont(pdfFallback, "")
		return pdfFallback, ""
	}
	tw.addFont(pdfFont, style)
	return pdfFont, style
}

func (tw *textWriter) width(p piece) float64 {
	tw.pdf.SetFont(p.font, p.style, pdfFontSize)
	return tw.pdf.GetStringWidth(p.text)
}

// protectedRanges are the byte ranges of text inside which no line breaks.
func (tw *textWriter) protectedRanges(text string) [][2]int {
	var rs [][2]int
	for _, m := range phoneNumber.FindAllStringIndex(text, -1) {
		rs = append(rs, [2]int{m[0], m[1]})
	}
	for _, phrase := range tw.protect {
		for from := 0; ; {
			i := strings.Index(text[from:], phrase)
			if i < 0 {
				break
			}
			rs = append(rs, [2]int{from + i, from + i + len(phrase)})
			from += i + len(phrase)
		}
	}
	return rs
}

// tokens splits p into tokens, style ("" or "B") applying where a span is
// not in italics.
func (tw *textWriter) tokens(p Paragraph, style string) []token {
	var full strings.Builder
	for _, s := range p {
		full.WriteString(s.Text)
	}
	ranges := tw.protectedRanges(full.String())
	inside := func(at int) bool {
		for _, r := range ranges {
			if at > r[0] && at < r[1] {
				return true
			}
		}
		return false
	}
	var toks []token
	var cur token
	end := func() {
		if len(cur.pieces) > 0 {
			toks = append(toks, cur)
		}
		cur = token{}
	}
	at := 0
	for _, s := range p {
		st := style
		if s.Italic {
			st = "I"
		}
		for _, r := range s.Text {
			pos := at
			at += utf8.RuneLen(r)
			if unicode.IsSpace(r) {
				if !inside(pos) || len(cur.pieces) == 0 {
					end()
					continue
				}
				r, cur.protected = ' ', true
			}
			font, fs := tw.fontFor(r, st)
			if n := len(cur.pieces); n > 0 && cur.pieces[n-1].font == font && cur.pieces[n-1].style == fs {
				cur.pieces[n-1].text += string(r)
			} else {
				cur.pieces = append(cur.pieces, piece{font, fs, string(r)})
			}
		}
	}
	end()
	for i := range toks {
		for _, pc := range toks[i].pieces {
			toks[i].width += tw.width(pc)
		}
	}
	return toks
}

// unprotect splits a protected token back into its words: for a phrase
// wider than a whole line.
func (tw *textWriter) unprotect(t token) []token {
	var toks []token
	var cur token
	for _, pc := range t.pieces {
		for i, word := range strings.Split(pc.text, " ") {
			if i > 0 && len(cur.pieces) > 0 {
				toks = append(toks, cur)
				cur = token{}
			}
			if word != "" {
				p := piece{pc.font, pc.style, word}
				cur.pieces = append(cur.pieces, p)
				cur.width += tw.width(p)
			}
		}
	}
	if len(cur.pieces) > 0 {
		toks = append(toks, cur)
	}
	return toks
}

// wrap lays p out in lines of the text width.
func (tw *textWriter) wrap(p Paragraph, style string) [][]token {
	pageW, _ := tw.pdf.GetPageSize()
	width := pageW - 2*pdfMargin
	space := tw.width(piece{pdfFont, "", " "})
	var lines [][]token
	var line []token
	used := 0.0
	toks := tw.tokens(p, style)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.protected && t.width > width {
			toks = append(toks[:i], append(tw.unprotect(t), toks[i+1:]...)...)
			t = toks[i]
		}
		switch {
		case len(line) == 0:
			line, used = []token{t}, t.width
		case used+space+t.width <= width:
			line, used = append(line, t), used+space+t.width
		default:
			lines = append(lines, line)
			line, used = []token{t}, t.width
		}
	}
	if len(line) > 0 {
		lines = append(lines, line)
	}
	return lines
}

// paragraph writes p from the current position, left aligned or right,
// starting a new sheet where a line would cross the bottom margin.
func (tw *textWriter) paragraph(p Paragraph, style string, right bool) {
	pdf := tw.pdf
	lines := tw.wrap(p, style)
	if len(lines) == 0 {
		pdf.Ln(pdfLineHeight)
		return
	}
	pageW, pageH := pdf.GetPageSize()
	for _, line := range lines {
		// One cell per run of one font and style, the spaces between
		// words inside it, so a PDF reader extracts the line as written.
		var runs []piece
		for i, t := range line {
			for j, pc := range t.pieces {
				if i > 0 && j == 0 {
					pc.text = " " + pc.text
				}
				if n := len(runs); n > 0 && runs[n-1].font == pc.font && runs[n-1].style == pc.style {
					runs[n-1].text += pc.text
				} else {
					runs = append(runs, pc)
				}
			}
		}
		total := 0.0
		widths := make([]float64, len(runs))
		for i, r := range runs {
			widths[i] = tw.width(r)
			total += widths[i]
		}
		if pdf.GetY()+pdfLineHeight > pageH-pdfMargin {
			pdf.AddPage()
		}
		x := pdfMargin
		if right {
			x = pageW - pdfMargin - total
		}
		pdf.SetX(x)
		for i, r := range runs {
			pdf.SetFont(r.font, r.style, pdfFontSize)
			pdf.CellFormat(widths[i], pdfLineHeight, r.text, "", 0, "L", false, 0, "")
		}
		pdf.Ln(pdfLineHeight)
	}
}
