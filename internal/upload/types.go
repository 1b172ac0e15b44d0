// Package upload receives the documents forces send: it reads a multipart
// form as a stream, spooling each file to an unlinked temporary file while
// counting and hashing it (so memory stays bounded whatever the size and
// the limits hold with or without Content-Length), cleans the files' names,
// and decides each file's type from its content alone, never from its name
// or the Content-Type the browser sent.
//
// Accepted: PDF, Word (DOCX), Excel (XLSX), PowerPoint (PPTX), OpenDocument
// text and spreadsheet (ODT, ODS), plain text and CSV. Office and
// OpenDocument files are ZIP archives: their ZIP directory is read within
// fixed bounds to tell them apart, then every entry is inflated as a
// stream, its real bytes counted and its CRC checked, to refuse archives
// that expand beyond limits or beyond what they declare (ZIP bombs) or are
// damaged; their content types, relationships and XML are read, in
// bounded memory, to refuse active content (macros, embedded objects,
// ActiveX, DDE fields, links that load something when the file opens).
package upload

import "strings"

// Type is a kind of document the portal accepts.
type Type struct {
	Key         string   // stable: "pdf", "docx", ...
	Label       string   // as people say it: "Word document (DOCX)"
	ContentType string   // served with the document
	Exts        []string // the extensions a file of this type may have, the usual one first
}

// The accepted types. Text types get their charset added by Inspect.
var (
	PDF  = Type{"pdf", "PDF", "application/pdf", []string{".pdf"}}
	DOCX = Type{"docx", "Word document (DOCX)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", []string{".docx"}}
	XLSX = Type{"xlsx", "Excel spreadsheet (XLSX)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []string{".xlsx"}}
	PPTX = Type{"pptx", "PowerPoint presentation (PPTX)", "application/vnd.openxmlformats-officedocument.presentationml.presentation", []string{".pptx"}}
	ODT  = Type{"odt", "OpenDocument text (ODT)", "application/vnd.oasis.opendocument.text", []string{".odt"}}
	ODS  = Type{"ods", "OpenDocument spreadsheet (ODS)", "application/vnd.oasis.opendocument.spreadsheet", []string{".ods"}}
	Text = Type{"txt", "Plain text", "text/plain", []string{".txt", ".text", ".csv", ".md", ".log"}}
	CSV  = Type{"csv", "CSV", "text/csv", []string{".csv", ".txt"}}
)

// Types lists the accepted types in the order the form's hint names them.
var Types = []Type{PDF, DOCX, XLSX, PPTX, ODT, ODS, Text, CSV}

// TypeOf returns the accepted type a stored content type is of (its
// parameters ignored), and false for anything else.
func TypeOf(contentType string) (Type, bool) {
	base, _, _ := strings.Cut(contentType, ";")
	base = strings.TrimSpace(strings.ToLower(base))
	for _, t := range Types {
		if t.ContentType == base {
			return t, true
		}
	}
	return Type{}, false
}

// AcceptedList names the accepted types the way error messages and hints
// do: "PDF, DOCX, XLSX, PPTX, ODT, ODS, TXT or CSV".
const AcceptedList = "PDF, DOCX, XLSX, PPTX, ODT, ODS, TXT or CSV"
