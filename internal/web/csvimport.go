package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// csvImport is the shape of an import file, the findings' and the
// liaisons' alike: CSV in UTF-8 (a spreadsheet's byte order mark
// dropped), a header row first naming known columns in any order and any
// case, then a row per thing to import, blank rows skipped, at most
// maxRows of them.
type csvImport struct {
	columns  map[string]string // a header as written, lower case -> the column it names
	known    string            // the columns, for the message about an unknown one
	required []string          // columns the header must have
	maxRows  int
	things   string // what a row is, plural: "findings"
}

// csvRow is one row of an import file.
type csvRow struct {
	line    int
	get     func(column string) string // the row's value in column, trimmed; "" when absent
	problem string                     // "" unless the row has more values than the header names
}

// read reads content, calling row for each row in order. It returns the
// problems with the file as a whole (which end the reading); an error
// from row ends it too and is returned.
func (ci csvImport) read(content []byte, row func(csvRow) error) ([]string, error) {
	content = bytes.TrimPrefix(content, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(content) {
		return []string{"The file is not UTF-8 text: save it from your spreadsheet as “CSV UTF-8”"}, nil
	}
	r := csv.NewReader(bytes.NewReader(content))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err == io.EOF {
		return []string{"The file is empty"}, nil
	}
	if err != nil {
		return []string{csvProblem(err)}, nil
	}
	var problems []string
	col := map[string]int{} // column -> its position + 1
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		name, known := ci.columns[h]
		switch {
		case !known:
			problems = append(problems, fmt.Sprintf("Line 1: unknown column “%s”; the columns are %s", h, ci.known))
		case col[name] != 0:
			problems = append(problems, fmt.Sprintf("Line 1: the column “%s” appears twice", name))
		default:
			col[name] = i + 1
		}
	}
	for _, need := range ci.required {
		if col[need] == 0 {
			problems = append(problems, fmt.Sprintf("Line 1: the header has no “%s” column", need))
		}
	}
	if len(problems) > 0 {
		return problems, nil
	}
	rows := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return []string{csvProblem(err)}, nil
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue // a blank line, as spreadsheets leave at the end
		}
		line, _ := r.FieldPos(0)
		if rows == ci.maxRows {
			return []string{fmt.Sprintf("Line %d: an import takes at most %d %s; split the file", line, ci.maxRows, ci.things)}, nil
		}
		rows++
		cr := csvRow{line: line, get: func(name string) string {
			if i := col[name]; i > 0 && i <= len(rec) {
				return strings.TrimSpace(rec[i-1])
			}
			return ""
		}}
		if len(rec) > len(header) {
			cr.problem = fmt.Sprintf("The row has %d values but the header names %d columns", len(rec), len(header))
		}
		if err := row(cr); err != nil {
			return nil, err
		}
	}
}

// csvProblem says what is wrong with a CSV file, by line.
func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("Line %d: the file cannot be read as CSV (%v). Check the quotes on that line", pe.StartLine, pe.Err)
	}
	return "The file cannot be read as CSV"
}

// importOK reports whether an import found no problem with the file and
// none with any row.
func importOK[R any](fileErrors []string, rows []R, rowErrors func(R) []string) bool {
	if len(fileErrors) > 0 {
		return false
	}
	for _, r := range rows {
		if len(rowErrors(r)) > 0 {
			return false
		}
	}
	return true
}
