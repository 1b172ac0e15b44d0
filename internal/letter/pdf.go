package letter

import (
	"fmt"
	"io"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// PDFOptions are what a PDF of a letter needs besides the letter.
type PDFOptions struct {
	Title string // document title, e.g. "HMICFRS assessment: Leicestershire Police"
	// Draft marks every page "Draft: not published" so an unpublished
	// letter printed or sent on cannot pass for the published one.
	Draft bool
	// Created dates the document; the same letter and date give the same
	// bytes (the published letter's PDF is reproducible).
	Created time.Time
}

// Layout of an A4 sheet, in millimetres and points.
const (
	pdfMargin     = 20.0
	pdfFontSize   = 11.0
	pdfLineHeight = 5.6
	pdfGap        = 4.2 // between blocks and paragraphs
	pdfSignSpace  = 18.0
	pdfFont       = "LiberationSans"
	pdfFallback   = "DroidSansFallback"
)

// WritePDF writes l as an A4 PDF in Liberation Sans (Helvetica's metrics),
// embedded with only the glyphs the letter uses, so any name prints:
// Polish, Welsh circumflexes, and Chinese, Japanese or Korean characters
// through a fallback font. Text wraps at the margins and runs on to
// further pages; a phone number, and a titled name that heads the address
// or the signature, never break across lines (see protectedRanges).
func WritePDF(w io.Writer, l Letter, opts PDFOptions) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfMargin)
	pdf.SetTitle(opts.Title, true)
	pdf.SetCreator("inspectrack", true)
	pdf.SetLang("en-GB")
	pdf.SetCatalogSort(true) // fonts in a fixed order: the same letter, the same bytes
	if !opts.Created.IsZero() {
		pdf.SetCreationDate(opts.Created)
		pdf.SetModificationDate(opts.Created)
	}
	tw := &textWriter{pdf: pdf, protect: protectedPhrases(l), added: map[string]bool{}}
	tw.addFont(pdfFont, "")
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-pdfMargin + 6)
		pdf.SetFont(pdfFont, "", 8)
		pdf.SetTextColor(80, 80, 80)
		pdf.CellFormat(0, 4, fmt.Sprintf("Page %d of {nb}", pdf.PageNo()), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	if opts.Draft {
		tw.addFont(pdfFont, "B")
		pdf.SetHeaderFunc(func() {
			pdf.SetY(pdfMargin - 12)
			pdf.SetFont(pdfFont, "B", 10)
			pdf.SetTextColor(212, 53, 28)
			pdf.CellFormat(0, 5, "DRAFT: not published", "", 0, "R", false, 0, "")
			pdf.SetTextColor(0, 0, 0)
			pdf.SetY(pdfMargin)
		})
	}
	pdf.AddPage()

	lines := func(style string, ls []string, right bool) {
		if len(ls) == 0 {
			return
		}
		for _, s := range ls {
			tw.paragraph(Paragraph{{Text: s}}, style, right)
		}
		pdf.Ln(pdfGap)
	}
	lines("", l.Address, false)
	lines("", l.CopiedTo, false)
	if l.Date != "" {
		lines("", []string{l.Date}, true)
	}
	lines("", nonEmpty(l.Salutation), false)
	lines("B", nonEmpty(l.Subject), false)
	closing := nonEmpty(l.Closing)
	ending := float64(len(closing)+len(l.Signature))*pdfLineHeight + pdfSignSpace
	for i, p := range l.Body {
		if i == len(l.Body)-1 {
			// A sheet should not carry only "Yours sincerely" and the
			// signature: the last paragraph goes over with them.
			h := float64(len(tw.wrap(p, "")))*pdfLineHeight + pdfGap
			keepTogether(pdf, h+ending)
		}
		tw.paragraph(p, "", false)
		pdf.Ln(pdfGap)
	}
	// The closing, the room for the hand-written signature and the name
	// below it stay together on one sheet.
	keepTogether(pdf, ending)
	lines("", closing, false)
	if len(l.Signature) > 0 {
		pdf.Ln(pdfSignSpace - pdfGap)
		lines("", l.Signature, false)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("letter: pdf: %w", err)
	}
	return nil
}

// keepTogether starts a new sheet unless height millimetres fit on this one.
func keepTogether(pdf *fpdf.Fpdf, height float64) {
	if _, pageH := pdf.GetPageSize(); pdf.GetY()+height > pageH-pdfMargin {
		pdf.AddPage()
	}
}

func nonEmpty(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return []string{s}
}
