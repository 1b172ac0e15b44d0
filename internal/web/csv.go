package web

import (
	"encoding/csv"
	"io"
	"strings"
)

// writeCSV writes records as CSV with CRLF line ends, every cell through
// csvCell: the portal's one way to write a spreadsheet.
func writeCSV(w io.Writer, records [][]string) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	for _, rec := range records {
		cells := make([]string, len(rec))
		for i, c := range rec {
			cells[i] = csvCell(c)
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvCell keeps a spreadsheet from running a cell as a formula: a cell
// starting with = + - @ (or a tab or carriage return, which some
// spreadsheets skip before reading a formula) gets a leading apostrophe,
// which spreadsheets show as text. Titles and names in the CSVs are typed
// by people, and the overview's CSV is public.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
