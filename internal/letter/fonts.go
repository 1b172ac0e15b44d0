package letter

import (
	_ "embed"
	"encoding/binary"
	"sync"
)

// The letters' fonts, embedded so a PDF prints any name the same on every
// machine. Liberation Sans (SIL Open Font License 1.1, fonts/LICENSE-
// Liberation.txt) has Helvetica's metrics, so a letter wraps and paginates
// as it did in Helvetica, and covers Latin, Greek and Cyrillic: Polish,
// Welsh circumflexes (ŵ, ŷ), Irish, Turkish names. Droid Sans Fallback
// (Apache License 2.0, fonts/LICENSE-DroidSansFallback.txt) prints the
// Chinese, Japanese and Korean characters Liberation lacks; it is read only
// for a letter that needs it.
var (
	//go:embed fonts/LiberationSans-Regular.ttf
	fontRegular []byte
	//go:embed fonts/LiberationSans-Bold.ttf
	fontBold []byte
	//go:embed fonts/LiberationSans-Italic.ttf
	fontItalic []byte
	//go:embed fonts/DroidSansFallbackFull.ttf
	fontFallback []byte
)

// coverage is the set of runes a font has glyphs for.
type coverage map[rune]bool

var (
	mainCoverage     = sync.OnceValue(func() coverage { return cmapRunes(fontRegular) })
	fallbackCoverage = sync.OnceValue(func() coverage { return cmapRunes(fontFallback) })
)

// cmapRunes reads the runes a TrueType font maps to a glyph, from its
// Unicode cmap subtable (format 4 for the Basic Multilingual Plane, or
// format 12 for all planes). A font it cannot read covers nothing, so its
// text goes to the other font rather than to missing glyphs.
func cmapRunes(font []byte) coverage {
	runes := coverage{}
	u16 := func(off int) int {
		if off+2 > len(font) {
			return 0
		}
		return int(binary.BigEndian.Uint16(font[off:]))
	}
	u32 := func(off int) int {
		if off+4 > len(font) {
			return 0
		}
		return int(binary.BigEndian.Uint32(font[off:]))
	}
	cmap := 0
	for i, n := 0, u16(4); i < n; i++ {
		rec := 12 + 16*i
		if rec+16 <= len(font) && string(font[rec:rec+4]) == "cmap" {
			cmap = u32(rec + 8)
		}
	}
	if cmap == 0 {
		return runes
	}
	best, bestFormat := 0, 0
	for i, n := 0, u16(cmap+2); i < n; i++ {
		rec := cmap + 4 + 8*i
		platform, encoding, off := u16(rec), u16(rec+2), cmap+u32(rec+4)
		unicode := platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10))
		if format := u16(off); unicode && (format == 12 || (format == 4 && bestFormat != 12)) {
			best, bestFormat = off, format
		}
	}
	switch bestFormat {
	case 4:
		segs := u16(best+6) / 2
		ends, starts := best+14, best+16+2*segs
		deltas, ranges := starts+2*segs, starts+4*segs
		for s := range segs {
			end, start := u16(ends+2*s), u16(starts+2*s)
			delta, rangeOff := u16(deltas+2*s), u16(ranges+2*s)
			for c := start; c <= end && c != 0xFFFF; c++ {
				glyph := (c + delta) & 0xFFFF
				if rangeOff != 0 {
					g := u16(ranges + 2*s + rangeOff + 2*(c-start))
					glyph = 0
					if g != 0 {
						glyph = (g + delta) & 0xFFFF
					}
				}
				if glyph != 0 {
					runes[rune(c)] = true
				}
			}
		}
	case 12:
		for g, n := 0, u32(best+12); g < n; g++ {
			grp := best + 16 + 12*g
			start, end, glyph := u32(grp), u32(grp+4), u32(grp+8)
			for c := start; c <= end && c <= 0x10FFFF; c++ {
				if glyph+(c-start) != 0 {
					runes[rune(c)] = true
				}
			}
		}
	}
	return runes
}
