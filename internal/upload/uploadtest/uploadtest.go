// Package uploadtest builds small, real documents for tests: a DOCX, XLSX,
// PPTX, ODT and ODS that open in their programs, a PDF with a correct
// cross-reference table, and the hostile files the portal must refuse.
package uploadtest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"hash/crc32"
	"strings"

	"inspectrack/internal/minipdf"
)

// zipOf writes files (name, content pairs, in order) into a ZIP archive,
// deflated except where stored is set.
func zipOf(stored map[string]bool, files ...string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(files); i += 2 {
		if stored[files[i]] {
			// Sizes in the local header, no data descriptor: how
			// OpenDocument's "mimetype" entry must be written.
			body := []byte(files[i+1])
			w, err := zw.CreateRaw(&zip.FileHeader{Name: files[i], Method: zip.Store, CRC32: crc32.ChecksumIEEE(body),
				CompressedSize64: uint64(len(body)), UncompressedSize64: uint64(len(body))})
			if err != nil {
				panic(err)
			}
			w.Write(body)
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: files[i], Method: zip.Deflate})
		if err != nil {
			panic(err)
		}
		if _, err := w.Write([]byte(files[i+1])); err != nil {
			panic(err)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

const rels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="%s"/></Relationships>`

func contentTypes(part, contentType string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/` + part + `" ContentType="` + contentType + `"/></Types>`
}

// DOCX is a one-paragraph Word document saying text.
func DOCX(text string) []byte {
	return zipOf(nil,
		"[Content_Types].xml", contentTypes("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
		"_rels/.rels", fmt.Sprintf(rels, "word/document.xml"),
		"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>`+text+`</w:t></w:r></w:p></w:body></w:document>`,
	)
}

// DOCM is a Word document carrying a VBA project (macros).
func DOCM() []byte {
	return zipOf(nil,
		"[Content_Types].xml", contentTypes("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
		"_rels/.rels", fmt.Sprintf(rels, "word/document.xml"),
		"word/document.xml", `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body/></w:document>`,
		"word/vbaProject.bin", "\xd0\xcf\x11\xe0 not really a VBA project",
	)
}

// XLSX is a workbook with one empty sheet.
func XLSX() []byte {
	return zipOf(nil,
		"[Content_Types].xml", contentTypes("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
		"_rels/.rels", fmt.Sprintf(rels, "xl/workbook.xml"),
		"xl/workbook.xml", `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>`,
	)
}

// PPTX is a presentation without slides.
func PPTX() []byte {
	return zipOf(nil,
		"[Content_Types].xml", contentTypes("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
		"_rels/.rels", fmt.Sprintf(rels, "ppt/presentation.xml"),
		"ppt/presentation.xml", `<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>`,
	)
}

func odf(mimetype string) []byte {
	return zipOf(map[string]bool{"mimetype": true},
		"mimetype", mimetype,
		"META-INF/manifest.xml", `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="`+mimetype+`"/></manifest:manifest>`,
		"content.xml", `<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>`,
	)
}

// StreamedODT is an OpenDocument text whose "mimetype" entry was written
// with a data descriptor (no size in its header), as some writers do.
func StreamedODT() []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range [][2]string{
		{"mimetype", "application/vnd.oasis.opendocument.text"},
		{"META-INF/manifest.xml", `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>`},
		{"content.xml", `<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>`},
	} {
		method := zip.Deflate
		if f[0] == "mimetype" {
			method = zip.Store
		}
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: f[0], Method: method})
		w.Write([]byte(f[1]))
	}
	zw.Close()
	return buf.Bytes()
}

// ODT is an empty OpenDocument text.
func ODT() []byte { return odf("application/vnd.oasis.opendocument.text") }

// ODS is an empty OpenDocument spreadsheet.
func ODS() []byte { return odf("application/vnd.oasis.opendocument.spreadsheet") }

// PlainZip is a ZIP archive that is no document.
func PlainZip() []byte { return zipOf(nil, "notes.txt", "hello", "more.txt", "world") }

// PDF is a one-page PDF showing text.
func PDF(text string) []byte { return minipdf.Text(text) }

// HTML is a web page with a script: what an attacker would name plan.pdf.
func HTML() []byte {
	return []byte("<!DOCTYPE html>\n<html><head><title>plan</title></head><body><script>alert(document.cookie)</script></body></html>\n")
}

// ZipBomb is a DOCX-shaped archive whose document part is n bytes of
// zeros: a few KB that would expand to n when opened.
func ZipBomb(n int) []byte {
	return zipOf(nil,
		"[Content_Types].xml", contentTypes("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
		"_rels/.rels", fmt.Sprintf(rels, "word/document.xml"),
		"word/document.xml", strings.Repeat("\x00", n),
	)
}

// DeclaredBomb is a DOCX-shaped archive whose directory declares a
// document part of n bytes expanded while holding only a few: the sizes a
// bomb claims, without the work of building one.
func DeclaredBomb(n uint64) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct{ name, body string }{
		{"[Content_Types].xml", contentTypes("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")},
		{"_rels/.rels", fmt.Sprintf(rels, "word/document.xml")},
	} {
		w, _ := zw.Create(f.name)
		w.Write([]byte(f.body))
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate,
		CompressedSize64: 2, UncompressedSize64: n, CRC32: 0})
	if err != nil {
		panic(err)
	}
	w.Write([]byte{0x03, 0x00})
	zw.Close()
	return buf.Bytes()
}

// ManyEntries is a DOCX-shaped archive with n extra empty entries.
func ManyEntries(n int) []byte {
	files := []string{
		"[Content_Types].xml", contentTypes("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
		"_rels/.rels", fmt.Sprintf(rels, "word/document.xml"),
		"word/document.xml", `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>`,
	}
	for i := range n {
		files = append(files, fmt.Sprintf("word/media/e%d.xml", i), "")
	}
	return zipOf(nil, files...)
}
