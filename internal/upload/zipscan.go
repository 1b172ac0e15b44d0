package upload

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

// activeProblem is an archive refused for active content (macros, embedded
// objects, ActiveX, DDE, links that load something when it opens): a
// reason worth telling the user as it is.
type activeProblem struct{ reason string }

func (p *activeProblem) Error() string { return "upload: zip: " + p.reason }

// Reasons for refusing active content; each completes "<name> cannot be
// accepted: it ...".
const (
	reasonMacros   = "contains macros. Save it without macros (for example as .docx or .xlsx) and try again"
	reasonActiveX  = "contains ActiveX controls, which can run code when it is opened. Remove them, or save it as a PDF, and try again"
	reasonEmbedded = "contains an embedded object, which can run code when it is opened. Remove it, or save the document as a PDF, and try again"
	reasonExternal = "links to something outside it (a template, an image, data or another file) that would load when it is opened. Remove the link, or save it as a PDF, and try again"
	reasonDDE      = "contains a DDE field, which can run commands when it is opened. Remove the field, or save it as a PDF, and try again"
)

// zipScan inflates every entry of an archive whose directory readZipDir
// has already checked, as a stream: each entry's real bytes are counted
// against its declared size and every entry's against the total limit,
// stopping at the first byte over, and its CRC is checked. Office parts
// are read while they inflate, through bounded scanners: the content types
// and the relationships decide what the package holds, whatever its parts
// are called, and Word's parts are searched for DDE fields.
type zipScan struct {
	r      io.ReaderAt
	dirOff uint64
	lim    ZipLimits
	t      Type
	total  uint64 // real bytes inflated so far
	fr     io.ReadCloser
	name   [maxEntryName]byte
	buf    []byte
}

// scanZip inflates and checks every entry of the archive d describes, a
// document of type t.
func scanZip(r io.ReaderAt, size int64, d *zipDir, t Type, zl ZipLimits) error {
	bufp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bufp)
	s := &zipScan{r: r, dirOff: d.dirOff, lim: zl, t: t, buf: *bufp}
	_, err := readZipDir(r, size, zl, s.visit)
	return err
}

func (s *zipScan) office() bool {
	return s.t.Key == DOCX.Key || s.t.Key == XLSX.Key || s.t.Key == PPTX.Key
}

func (s *zipScan) odf() bool { return s.t.Key == ODT.Key || s.t.Key == ODS.Key }

// visit inflates one entry into the scanner its name calls for.
func (s *zipScan) visit(e *zipEntry) error {
	var sink io.Writer = io.Discard
	var fields *fieldScan
	name := e.name
	switch {
	case s.odf() && string(name) == "META-INF/manifest.xml":
		sink = newXMLScanner(&odfManifestScan{})
	case s.odf() && hasSuffixFold(name, ".xml"):
		sink = newXMLScanner(&odfContentScan{})
	case !s.office():
	case string(name) == contentTypesName:
		sink = newXMLScanner(&contentTypesScan{})
	case hasSuffixFold(name, ".rels"):
		sink = newXMLScanner(&relsScan{charts: bytes.Contains(bytes.ToLower(name), []byte("charts/_rels/"))})
	case s.t.Key == DOCX.Key && hasPrefixFold(name, "word/") && hasSuffixFold(name, ".xml"):
		fields = &fieldScan{}
		sink = newXMLScanner(fields)
	}
	if err := s.inflate(e, sink); err != nil {
		return err
	}
	if fields != nil {
		return fields.check()
	}
	return nil
}

// inflate streams entry e's data into w: through its local header (whose
// name must be the directory's), within the bytes before the directory,
// inflated no further than one byte past its declared size, counted into
// the total, and checked against its CRC at its end.
func (s *zipScan) inflate(e *zipEntry, w io.Writer) error {
	var lh [localLen]byte
	if _, err := s.r.ReadAt(lh[:], int64(e.offset)); err != nil {
		if errors.Is(err, io.EOF) {
			return refuse("entry %q cut short", e.name)
		}
		return err
	}
	if le32(lh[:]) != sigLocal {
		return refuse("entry %q has no local header", e.name)
	}
	nameLen, extraLen := uint64(le16(lh[26:])), uint64(le16(lh[28:]))
	if nameLen != uint64(len(e.name)) {
		return refuse("entry %q is named differently in its local header", e.name)
	}
	if _, err := s.r.ReadAt(s.name[:nameLen], int64(e.offset)+localLen); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if !bytes.Equal(s.name[:nameLen], e.name) {
		return refuse("entry %q is named differently in its local header", e.name)
	}
	start := e.offset + localLen + nameLen + extraLen
	if start > s.dirOff || e.csize > s.dirOff-start {
		return refuse("entry %q runs into the directory", e.name)
	}
	data := io.NewSectionReader(s.r, int64(start), int64(e.csize))
	var src io.Reader
	switch e.method {
	case 0:
		if e.csize != e.usize {
			return refuse("stored entry %q has two sizes", e.name)
		}
		src = data
	case 8:
		if s.fr == nil {
			s.fr = flate.NewReader(data)
		} else if err := s.fr.(flate.Resetter).Reset(data, nil); err != nil {
			return err
		}
		src = s.fr
	default:
		return refuse("compression method %d", e.method)
	}
	er := &entryReader{s: s, e: e, src: src, left: e.usize}
	if _, err := io.CopyBuffer(w, er, s.buf); err != nil {
		return err
	}
	if er.crc != e.crc {
		return refuse("entry %q fails its checksum", e.name)
	}
	if e.flags&8 != 0 {
		return s.checkDescriptor(e, start+e.csize)
	}
	return nil
}

// checkDescriptor reads the data descriptor that follows an entry written
// as a stream (flag bit 3) at off: its checksum must be the directory's,
// as archive/zip and other readers require, or two readers could disagree
// about the same file.
func (s *zipScan) checkDescriptor(e *zipEntry, off uint64) error {
	var d [8]byte
	if off+8 > s.dirOff {
		return refuse("entry %q has no data descriptor", e.name)
	}
	if _, err := s.r.ReadAt(d[:], int64(off)); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	crc := le32(d[:])
	if crc == sigDescriptor {
		crc = le32(d[4:]) // the signature is optional
	}
	if crc != e.crc {
		return refuse("entry %q fails its checksum", e.name)
	}
	return nil
}

const sigDescriptor = 0x08074b50

// entryReader reads an entry's inflated bytes, counting them: a read never
// asks for more than one byte past the declared size, and that byte ends
// the reading.
type entryReader struct {
	s    *zipScan
	e    *zipEntry
	src  io.Reader
	left uint64
	crc  uint32
}

func (r *entryReader) Read(p []byte) (int, error) {
	if r.left < uint64(len(p)) {
		p = p[:r.left+1] // r.left+1 <= len(p): no overflow
	}
	n, err := r.src.Read(p)
	if uint64(n) > r.left {
		return 0, &limitProblem{"expands to more than it declares (it is built to exhaust the computer that opens it)"}
	}
	r.left -= uint64(n)
	r.crc = crc32.Update(r.crc, crc32.IEEETable, p[:n])
	r.s.total += uint64(n)
	if r.s.total > r.s.lim.MaxUncompressed {
		return 0, &limitProblem{fmt.Sprintf("would expand to more than %s when opened", formatBytes(r.s.lim.MaxUncompressed))}
	}
	switch {
	case errors.Is(err, io.EOF) && r.left > 0:
		return n, refuse("entry %q is shorter than it declares", r.e.name)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return n, refuse("entry %q cut short", r.e.name)
	case errors.As(err, new(flate.CorruptInputError)), errors.As(err, new(flate.InternalError)):
		return n, refuse("entry %q cannot be inflated", r.e.name)
	}
	return n, err
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }
func le32(b []byte) uint32 { return uint32(le16(b)) | uint32(le16(b[2:]))<<16 }

// contentTypesScan reads [Content_Types].xml: every content type it
// declares, by extension (Default) or for a part (Override), must be one a
// plan document needs, used or not. Nothing is kept, so the part's size
// does not matter.
type contentTypesScan struct{}

func (p *contentTypesScan) start(t *xmlTag) error {
	switch string(t.local) {
	case "Default", "Override":
		return checkContentType(strings.ToLower(strings.TrimSpace(string(t.attr("ContentType")))))
	}
	return nil
}

func (p *contentTypesScan) end([]byte)        {}
func (p *contentTypesScan) text([]byte) error { return nil }

// allowedTypes are the content types of what plan documents hold beyond
// the families okFamilies allows: properties, themes, fonts, styles and
// the parts newer Office versions add to charts and comments.
var allowedTypes = map[string]bool{
	"application/xml": true,
	"text/xml":        true,
	"application/vnd.openxmlformats-officedocument.extended-properties+xml": true,
	"application/vnd.openxmlformats-officedocument.custom-properties+xml":   true,
	"application/vnd.openxmlformats-officedocument.customxmlproperties+xml": true,
	"application/vnd.openxmlformats-officedocument.theme+xml":               true,
	"application/vnd.openxmlformats-officedocument.themeoverride+xml":       true,
	"application/vnd.openxmlformats-officedocument.obfuscatedfont":          true,
	"application/vnd.openxmlformats-officedocument.vmldrawing":              true,
	"application/x-fontdata":                                                    true,
	"application/x-font-ttf":                                                    true,
	"application/vnd.ms-opentype":                                               true,
	"application/vnd.ms-office.chartstyle+xml":                                  true,
	"application/vnd.ms-office.chartcolorstyle+xml":                             true,
	"application/vnd.ms-office.chartex+xml":                                     true,
	"application/vnd.ms-office.drawingml.diagramdrawing+xml":                    true,
	"application/vnd.ms-word.styleswitheffects+xml":                             true,
	"application/vnd.ms-excel.threadedcomments+xml":                             true,
	"application/vnd.ms-excel.person+xml":                                       true,
	"application/vnd.ms-excel.controlproperties+xml":                            true,
	"application/vnd.ms-excel.slicer+xml":                                       true,
	"application/vnd.ms-excel.slicercache+xml":                                  true,
	"application/vnd.ms-excel.timeline+xml":                                     true,
	"application/vnd.ms-excel.timelinecache+xml":                                true,
	"application/vnd.ms-office.classificationlabels+xml":                        true, // sensitivity labels
	"application/vnd.ms-office.intelligence2+xml":                               true,
	"application/vnd.ms-powerpoint.revisioninfo+xml":                            true,
	"application/vnd.ms-powerpoint.changesinfo+xml":                             true,
	"application/inkml+xml":                                                     true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true, // a chart's workbook
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
}

// okFamilies are the families of content types whose members a document
// may hold, but for those checkContentType refuses by name first.
var okFamilies = []string{
	"image/", "audio/", "video/",
	"application/vnd.ms-excel.rd", // rich values: pictures in cells
	"application/vnd.openxmlformats-package.",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.",
	"application/vnd.openxmlformats-officedocument.presentationml.",
	"application/vnd.openxmlformats-officedocument.drawingml.",
}

// checkContentType refuses a content type (lower case) that is active
// content or that a plan document does not need.
func checkContentType(ct string) error {
	switch {
	case strings.Contains(ct, "vbaproject"), strings.Contains(ct, "vbadata"), strings.Contains(ct, "macroenabled"),
		strings.Contains(ct, "macrosheet"), strings.Contains(ct, "dialogsheet"), strings.Contains(ct, "keymapcustomizations"),
		strings.Contains(ct, "attachedtoolbars"), strings.Contains(ct, "addin"):
		return &activeProblem{reasonMacros}
	case strings.Contains(ct, "activex"):
		return &activeProblem{reasonActiveX}
	case strings.Contains(ct, "oleobject"):
		return &activeProblem{reasonEmbedded}
	case strings.Contains(ct, "externallink"), strings.Contains(ct, "spreadsheetml.connections"), strings.Contains(ct, "querytable"):
		return &activeProblem{reasonExternal}
	case allowedTypes[ct]:
		return nil
	}
	for _, f := range okFamilies {
		if strings.HasPrefix(ct, f) {
			return nil
		}
	}
	return &activeProblem{fmt.Sprintf("contains a part of a kind a plan document does not need (%.80q). Save it as a PDF and try again", ct)}
}

// relsScan reads a relationship part: relationships that run code or load
// something from elsewhere are refused, whatever the parts are called. A
// hyperlink is the one external relationship allowed: it loads nothing
// until someone follows it. An embedded package is allowed only as a
// chart's data (charts keep their workbook so).
type relsScan struct{ charts bool }

func (p *relsScan) start(t *xmlTag) error {
	if string(t.local) != "Relationship" {
		return nil
	}
	typ := t.attr("Type")
	if i := bytes.LastIndexByte(typ, '/'); i >= 0 {
		typ = typ[i+1:]
	}
	kind := strings.ToLower(string(typ))
	switch kind {
	case "vbaproject", "vbaprojectsignature", "wordvbadata", "xlmacrosheet", "xlintlmacrosheet", "dialogsheet",
		"keymapcustomizations", "attachedtoolbars":
		return &activeProblem{reasonMacros}
	case "activexcontrol", "activexcontrolbinary", "control":
		return &activeProblem{reasonActiveX}
	case "oleobject":
		return &activeProblem{reasonEmbedded}
	case "package":
		if !p.charts {
			return &activeProblem{reasonEmbedded}
		}
	case "attachedtemplate", "subdocument", "frame", "externallink", "externallinkpath", "connections", "querytable":
		return &activeProblem{reasonExternal}
	}
	if strings.EqualFold(strings.TrimSpace(string(t.attr("TargetMode"))), "External") && kind != "hyperlink" {
		return &activeProblem{reasonExternal}
	}
	return nil
}

func (p *relsScan) end([]byte)        {}
func (p *relsScan) text([]byte) error { return nil }

// fieldScan reads a Word part for fields whose code is DDE or DDEAUTO,
// simple (w:fldSimple w:instr) or complex (w:instrText between w:fldChar
// begin and separate, perhaps split across runs and written with
// character references). It keeps only the start of each field's code.
type fieldScan struct {
	inInstr bool
	code    []byte // the start of the current field's code, decoded, without leading space
	ent     []byte // a character reference being read, after '&'
	inEnt   bool
}

// maxFieldCode is how much of a field's code is kept: enough for its
// first word.
const maxFieldCode = 32

func (p *fieldScan) start(t *xmlTag) error {
	switch string(t.local) {
	case "fldChar":
		if err := p.check(); err != nil {
			return err
		}
		p.code, p.inEnt = p.code[:0], false
	case "instrText":
		p.inInstr = !t.selfClosing
	case "fldSimple":
		if isDDE(decodeEntities(nil, t.attr("instr"))) {
			return &activeProblem{reasonDDE}
		}
	}
	return nil
}

func (p *fieldScan) end(local []byte) {
	if string(local) == "instrText" {
		p.inInstr = false
	}
}

func (p *fieldScan) text(b []byte) error {
	if !p.inInstr {
		return nil
	}
	for _, c := range b {
		switch {
		case p.inEnt && c == ';':
			p.inEnt = false
			for _, d := range decodeEntities(nil, append(append([]byte{'&'}, p.ent...), ';')) {
				p.add(d)
			}
		case p.inEnt:
			if len(p.ent) < 12 {
				p.ent = append(p.ent, c)
			}
		case c == '&':
			p.inEnt, p.ent = true, p.ent[:0]
		default:
			p.add(c)
		}
	}
	return nil
}

func (p *fieldScan) add(c byte) {
	if len(p.code) == 0 && isSpace(c) || len(p.code) >= maxFieldCode {
		return
	}
	p.code = append(p.code, c)
}

// check refuses the field code read so far if it is DDE.
func (p *fieldScan) check() error {
	if isDDE(p.code) {
		return &activeProblem{reasonDDE}
	}
	return nil
}

// isDDE reports whether a field code's first word is DDE or DDEAUTO (Word
// reads field names in any case).
func isDDE(code []byte) bool {
	code = bytes.TrimLeft(code, " \t\r\n")
	end := bytes.IndexFunc(code, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) || r == '\\' || r == '"' })
	if end >= 0 {
		code = code[:end]
	}
	return bytes.EqualFold(code, []byte("DDE")) || bytes.EqualFold(code, []byte("DDEAUTO"))
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// odfManifestScan reads an OpenDocument manifest: no entry may be an OLE
// object, a script or a Basic library, whatever it is called.
type odfManifestScan struct{}

func (p *odfManifestScan) start(t *xmlTag) error {
	if string(t.local) != "file-entry" {
		return nil
	}
	mt := strings.ToLower(string(t.attr("media-type")))
	switch {
	case strings.Contains(mt, "oleobject"):
		return &activeProblem{reasonEmbedded}
	case strings.Contains(mt, "basic"), strings.Contains(mt, "script"):
		return &activeProblem{reasonMacros}
	}
	return nil
}

func (p *odfManifestScan) end([]byte)        {}
func (p *odfManifestScan) text([]byte) error { return nil }

// odfContentScan reads an OpenDocument XML part (content, styles, an
// embedded object's): no DDE connection, no script bound to an event, no
// OLE object, applet or plugin, and no picture, object or section loaded
// from outside the package (a hyperlink is fine: it loads nothing until
// it is followed).
type odfContentScan struct{}

func (p *odfContentScan) start(t *xmlTag) error {
	switch string(t.local) {
	case "dde-connection-decl", "dde-link", "dde-source":
		return &activeProblem{reasonDDE}
	case "event-listener":
		return &activeProblem{reasonMacros}
	case "object-ole", "applet", "plugin":
		return &activeProblem{reasonEmbedded}
	case "floating-frame":
		return &activeProblem{reasonExternal}
	case "image", "object", "section-source", "fill-image":
		if href := t.attr("href"); isOutside(href) {
			return &activeProblem{reasonExternal}
		}
	}
	return nil
}

func (p *odfContentScan) end([]byte)        {}
func (p *odfContentScan) text([]byte) error { return nil }

// isOutside reports whether an OpenDocument link points outside the
// package: a URL with a scheme, an absolute path or a network share.
// Inside the package links are relative ("Pictures/1.png", "./Object 1").
func isOutside(href []byte) bool {
	h := strings.TrimSpace(string(href))
	if strings.HasPrefix(h, "/") || strings.HasPrefix(h, `\`) || strings.HasPrefix(h, "..") {
		return true
	}
	colon := strings.IndexByte(h, ':')
	slash := strings.IndexAny(h, `/\`)
	return colon >= 0 && (slash < 0 || colon < slash)
}
