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
	pdfFont       = "Helvetica"
)

// WritePDF writes l as an A4 PDF in Helvetica, one of the standard fonts
// every reader has, so nothing is embedded. Text is translated to the
// cp1252 code page the standard fonts use (’, £, é and – print as
// themselves), wraps at the margins and runs on to further pages.
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
	// The translator keeps a buffer of its own: one per document, never
	// shared between requests.
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-pdfMargin + 6)
		pdf.SetFont(pdfFont, "", 8)
		pdf.SetTextColor(80, 80, 80)
		pdf.CellFormat(0, 4, fmt.Sprintf("Page %d of {nb}", pdf.PageNo()), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	if opts.Draft {
		pdf.SetHeaderFunc(func() {
			pdf.SetY(pdfMargin - 12)
			pdf.SetFont(pdfFont, "B", 10)
			pdf.SetTextColor(212, 53, 28)
			pdf.CellFormat(0, 5, tr("DRAFT: not published"), "", 0, "R", false, 0, "")
			pdf.SetTextColor(0, 0, 0)
			pdf.SetY(pdfMargin)
		})
	}
	pdf.AddPage()

	lines := func(style string, ls []string, align string) {
		if len(ls) == 0 {
			return
		}
		pdf.SetFont(pdfFont, style, pdfFontSize)
		for _, s := range ls {
			pdf.MultiCell(0, pdfLineHeight, tr(s), "", align, false)
		}
		pdf.Ln(pdfGap)
	}
	lines("", l.Address, "L")
	lines("", l.CopiedTo, "L")
	if l.Date != "" {
		lines("", []string{l.Date}, "R")
	}
	lines("", nonEmpty(l.Salutation), "L")
	lines("B", nonEmpty(l.Subject), "L")
	closing := nonEmpty(l.Closing)
	ending := float64(len(closing)+len(l.Signature))*pdfLineHeight + pdfSignSpace
	for i, p := range l.Body {
		if i == len(l.Body)-1 {
			// A sheet should not carry only "Yours sincerely" and the
			// signature: the last paragraph goes over with them.
			pdf.SetFont(pdfFont, "", pdfFontSize)
			pageW, _ := pdf.GetPageSize()
			h := float64(lineCount(pdf, tr(p.Text()), pageW-2*pdfMargin))*pdfLineHeight + pdfGap
			keepTogether(pdf, h+ending)
		}
		for _, s := range p {
			style := ""
			if s.Italic {
				style = "I"
			}
			pdf.SetFont(pdfFont, style, pdfFontSize)
			pdf.Write(pdfLineHeight, tr(s.Text))
		}
		pdf.Ln(pdfLineHeight + pdfGap)
	}
	// The closing, the room for the hand-written signature and the name
	// below it stay together on one sheet.
	keepTogether(pdf, ending)
	lines("", closing, "L")
	if len(l.Signature) > 0 {
		pdf.Ln(pdfSignSpace - pdfGap)
		lines("", l.Signature, "L")
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("letter: pdf: %w", err)
	}
	return nil
}

// lineCount is how many lines text (cp1252) wraps to in width, in the
// current font. fpdf's SplitText reads UTF-8 and cannot take cp1252.
func lineCount(pdf *fpdf.Fpdf, text string, width float64) int {
	n, line := 1, 0.0
	space := pdf.GetStringWidth(" ")
	for _, word := range strings.Fields(text) {
		w := pdf.GetStringWidth(word)
		switch {
		case line == 0:
			line = w
		case line+space+w <= width:
			line += space + w
		default:
			n++
			line = w
		}
	}
	return n
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
