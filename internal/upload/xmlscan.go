package upload

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// xmlHandler receives what xmlScanner reads: start tags (an empty element
// is a start tag with selfClosing set, and no end), end tags by local
// name, and character data as raw bytes (references not decoded), in
// pieces of any size.
type xmlHandler interface {
	start(t *xmlTag) error
	end(local []byte)
	text(b []byte) error
}

// maxXMLTag bounds one tag, attributes included: the most an XML part of
// an upload can make the scanner hold.
const maxXMLTag = 1 << 20

// xmlScanner reads XML written to it as a stream, holding one tag at a
// time and never character data, so that a part of any size is read in
// bounded memory. It is not a validating parser: it reads what Office
// itself would take as tags, and refuses a DTD (no Office part has one).
// Comments, processing instructions and CDATA are skipped or passed on as
// text without being held.
type xmlScanner struct {
	h       xmlHandler
	state   int
	tag     []byte  // the tag being read, between < and >
	quote   byte    // the quote a tag's attribute value is open with
	last    [2]byte // the last bytes of a comment or processing instruction
	pending int     // "]" held back in CDATA
	t       xmlTag
}

const (
	xmlText = iota
	xmlInTag
	xmlComment
	xmlCDATA
	xmlPI
)

func newXMLScanner(h xmlHandler) *xmlScanner { return &xmlScanner{h: h} }

func (x *xmlScanner) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		switch x.state {
		case xmlText:
			i := bytes.IndexByte(p, '<')
			if i < 0 {
				return n, x.h.text(p)
			}
			if i > 0 {
				if err := x.h.text(p[:i]); err != nil {
					return 0, err
				}
			}
			p = p[i+1:]
			x.state, x.tag, x.quote = xmlInTag, x.tag[:0], 0
		case xmlInTag:
			c := p[0]
			p = p[1:]
			switch {
			case x.quote != 0:
				if c == x.quote {
					x.quote = 0
				}
			case c == '"' || c == '\'':
				x.quote = c
			case c == '>':
				if err := x.endTag(); err != nil {
					return 0, err
				}
				x.state = xmlText
				continue
			}
			if len(x.tag) >= maxXMLTag {
				return 0, refuse("an XML tag longer than %s", formatBytes(maxXMLTag))
			}
			x.tag = append(x.tag, c)
			switch string(x.tag) {
			case "!--":
				x.state, x.last = xmlComment, [2]byte{}
			case "![CDATA[":
				x.state, x.pending = xmlCDATA, 0
			case "?":
				x.state, x.last = xmlPI, [2]byte{}
			}
			if x.tag[0] == '!' && x.state == xmlInTag && !bytes.HasPrefix([]byte("![CDATA["), x.tag) && !bytes.HasPrefix([]byte("!--"), x.tag) {
				return 0, refuse("an XML part with a DTD")
			}
		case xmlComment, xmlPI:
			// Skipped up to "-->" or "?>".
			c := p[0]
			p = p[1:]
			if c == '>' && (x.state == xmlComment && x.last == [2]byte{'-', '-'} || x.state == xmlPI && x.last[1] == '?') {
				x.state = xmlText
			}
			x.last = [2]byte{x.last[1], c}
		case xmlCDATA:
			// Passed on as text up to "]]>"; a "]" is held back until it
			// is known not to end the section. CDATA is rare in Office
			// parts: a byte at a time will do.
			c := p[0]
			p = p[1:]
			switch {
			case c == ']' && x.pending < 2:
				x.pending++
				continue
			case c == ']':
				// A third "]": the first of the three is text.
			case c == '>' && x.pending == 2:
				x.pending, x.state = 0, xmlText
				continue
			default:
				for ; x.pending > 0; x.pending-- {
					if err := x.h.text([]byte{']'}); err != nil {
						return 0, err
					}
				}
			}
			if err := x.h.text([]byte{c}); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

// endTag hands a complete tag to the handler.
func (x *xmlScanner) endTag() error {
	b := x.tag
	if len(b) == 0 {
		return refuse("an empty XML tag")
	}
	if b[0] == '/' {
		name, _ := splitName(b[1:])
		x.h.end(localName(name))
		return nil
	}
	t := &x.t
	t.selfClosing = b[len(b)-1] == '/'
	if t.selfClosing {
		b = b[:len(b)-1]
	}
	name, rest := splitName(b)
	t.local, t.attrs = localName(name), rest
	return x.h.start(t)
}

// xmlTag is a start tag: its local name and its attributes, raw.
type xmlTag struct {
	local       []byte
	attrs       []byte
	selfClosing bool
}

// attr returns the value of the attribute whose local name is local,
// references decoded, or nil.
func (t *xmlTag) attr(local string) []byte {
	b := t.attrs
	for {
		b = bytes.TrimLeft(b, " \t\r\n")
		eq := bytes.IndexByte(b, '=')
		if eq < 0 {
			return nil
		}
		key := bytes.TrimRight(b[:eq], " \t\r\n")
		b = bytes.TrimLeft(b[eq+1:], " \t\r\n")
		if len(b) == 0 || b[0] != '"' && b[0] != '\'' {
			return nil
		}
		end := bytes.IndexByte(b[1:], b[0])
		if end < 0 {
			return nil
		}
		val := b[1 : 1+end]
		b = b[2+end:]
		if string(localName(key)) == local {
			if bytes.IndexByte(val, '&') < 0 {
				return val
			}
			return decodeEntities(nil, val)
		}
	}
}

// splitName cuts a tag into its name and the rest.
func splitName(b []byte) (name, rest []byte) {
	i := bytes.IndexAny(b, " \t\r\n")
	if i < 0 {
		return b, nil
	}
	return b[:i], b[i:]
}

// localName drops a name's namespace prefix.
func localName(name []byte) []byte {
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// decodeEntities appends src to dst with XML's character references and
// predefined entities decoded; anything else is copied as it is.
func decodeEntities(dst, src []byte) []byte {
	for len(src) > 0 {
		i := bytes.IndexByte(src, '&')
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		src = src[i:]
		semi := bytes.IndexByte(src, ';')
		if semi < 0 || semi > 12 {
			dst = append(dst, '&')
			src = src[1:]
			continue
		}
		ref := string(src[1:semi])
		switch {
		case ref == "amp":
			dst = append(dst, '&')
		case ref == "lt":
			dst = append(dst, '<')
		case ref == "gt":
			dst = append(dst, '>')
		case ref == "quot":
			dst = append(dst, '"')
		case ref == "apos":
			dst = append(dst, '\'')
		case len(ref) > 1 && ref[0] == '#':
			var n uint64
			var err error
			if ref[1] == 'x' || ref[1] == 'X' {
				n, err = strconv.ParseUint(ref[2:], 16, 32)
			} else {
				n, err = strconv.ParseUint(ref[1:], 10, 32)
			}
			if err != nil || n > utf8.MaxRune {
				dst = append(dst, src[:semi+1]...)
			} else {
				dst = utf8.AppendRune(dst, rune(n))
			}
		default:
			dst = append(dst, src[:semi+1]...)
		}
		src = src[semi+1:]
	}
	return dst
}
