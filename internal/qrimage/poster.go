package qrimage

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Poster is the printed card a store puts on its counter: who the store is, what to
// do, the code, and which wallets it takes.
type Poster struct {
	// Paper is "A5" (148×210 mm) or "A6" (105×148 mm), portrait.
	Paper string
	// StoreName is the store's name in its original language, printed largest.
	StoreName string
	// DisplayName is an optional second name, such as a Latin transcription; it is left
	// out when empty or equal to StoreName.
	DisplayName string
	// Headline is the call to action above the code; empty means "Scan to pay".
	Headline string
	// Wallets are the names of the accepted wallets, listed under the code.
	Wallets []string
	// URL is printed small under the code, for people who cannot scan.
	URL string
	// Accent colours the headline and the top band: "#rgb" or "#rrggbb"; empty means
	// dark grey.
	Accent string
}

// paper sizes in millimetres.
var papers = map[string]struct{ w, h float64 }{
	"A5": {148, 210},
	"A6": {105, 148},
}

var accentRE = regexp.MustCompile(`^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$`)

// fontFamily lists fonts that cover CJK, Hangul and Thai before the generic fallback,
// so a store name in its own script prints with real glyphs rather than boxes.
const fontFamily = `'Noto Sans', 'Noto Sans CJK SC', 'PingFang SC', 'Hiragino Sans', 'Microsoft YaHei', 'Noto Sans CJK KR', 'Apple SD Gothic Neo', 'Noto Sans Thai', Arial, sans-serif`

// PosterSVG lays the code out on an A5 or A6 page, in millimetres: an accent band, the
// store name and display name, the headline, the code in vector form with its quiet
// zone, the URL and the list of wallets. Texts too wide for the page are set smaller;
// one that would need a font too small to read is an error. All texts are XML-escaped.
func (c *Code) PosterSVG(p Poster) ([]byte, error) {
	paper, ok := papers[p.Paper]
	if !ok {
		return nil, fmt.Errorf("qrimage: paper %q: want A5 or A6", p.Paper)
	}
	accent := p.Accent
	if accent == "" {
		accent = "#222"
	}
	// The colour goes into an attribute unescaped, so only plain hex is allowed.
	if !accentRE.MatchString(accent) {
		return nil, fmt.Errorf("qrimage: accent colour %q: want #rgb or #rrggbb", p.Accent)
	}
	if strings.TrimSpace(p.StoreName) == "" {
		return nil, errors.New("qrimage: poster needs a store name")
	}
	headline := p.Headline
	if headline == "" {
		headline = "Scan to pay"
	}

	// The layout is drawn for A6 and scaled: A5 has the same proportions.
	k := paper.w / 105
	w := paper.w
	margin := 8 * k
	avail := w - 2*margin
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%smm" height="%smm" viewBox="0 0 %s %s">`+"\n",
		num(paper.w), num(paper.h), num(paper.w), num(paper.h))
	fmt.Fprintf(&b, `<rect width="%s" height="%s" fill="#fff"/>`+"\n", num(paper.w), num(paper.h))
	fmt.Fprintf(&b, `<rect width="%s" height="%s" fill="%s"/>`+"\n", num(paper.w), num(4*k), accent)
	fmt.Fprintf(&b, `<g font-family="%s" text-anchor="middle">`+"\n", fontFamily)

	y := 17 * k
	if err := writeText(&b, "store name", p.StoreName, w/2, y, 8*k, 3.5*k, avail, `font-weight="700" fill="#111"`); err != nil {
		return nil, err
	}
	if p.DisplayName != "" && p.DisplayName != p.StoreName {
		y += 7 * k
		if err := writeText(&b, "display name", p.DisplayName, w/2, y, 4.5*k, 2.5*k, avail, `fill="#444"`); err != nil {
			return nil, err
		}
	}
	if err := writeText(&b, "headline", headline, w/2, 33*k, 6*k, 3*k, avail, fmt.Sprintf(`font-weight="700" fill="%s"`, accent)); err != nil {
		return nil, err
	}

	// The code, quiet zone included, as a nested SVG in module units.
	side := 74 * k
	total := c.Modules() + 2*QuietZone
	fmt.Fprintf(&b, `<svg id="qr" x="%s" y="%s" width="%s" height="%s" viewBox="0 0 %d %d" shape-rendering="crispEdges">`,
		num((w-side)/2), num(36*k), num(side), num(side), total, total)
	c.writeSymbol(&b)
	b.WriteString("</svg>\n")

	if p.URL != "" {
		if err := writeText(&b, "URL", p.URL, w/2, 115*k, 3*k, 2*k, avail, `fill="#555"`); err != nil {
			return nil, err
		}
	}
	if len(p.Wallets) > 0 {
		lines, size, ok := wrapWallets(p.Wallets, avail, 3.6*k, 2.4*k, 3)
		if !ok {
			return nil, fmt.Errorf("qrimage: %d wallets do not fit in three lines on %s", len(p.Wallets), p.Paper)
		}
		// Both are known to fit: the label is short and wrapWallets measured the lines.
		if len(lines) > 0 {
			_ = writeText(&b, "label", "Accepted here", w/2, 123*k, 3*k, 3*k, avail, `fill="#777"`)
		}
		for i, line := range lines {
			_ = writeText(&b, "wallets", line, w/2, 129*k+float64(i)*size*1.35, size, size, avail, `fill="#222"`)
		}
	}
	b.WriteString("</g>\n</svg>\n")
	return b.Bytes(), nil
}

// writeText writes one centred line of s, using the largest font size up to size at
// which its estimated width fits avail. Renderers disagree on textLength, so a text
// that only fits below minSize is an error rather than squeezed or clipped.
func writeText(b *bytes.Buffer, field, s string, x, y, size, minSize, avail float64, attrs string) error {
	if em := textWidth(s); em*size > avail {
		size = avail / em
		if size < minSize {
			return fmt.Errorf("qrimage: %s %q is too long for the page: it fits only at %smm, the smallest allowed is %smm", field, s, num(size), num(minSize))
		}
	}
	fmt.Fprintf(b, `<text x="%s" y="%s" font-size="%s" %s>`, num(x), num(y), num(size), attrs)
	// EscapeText also replaces characters XML cannot carry (such as NUL) and invalid
	// UTF-8 with U+FFFD, so the document stays well-formed whatever the merchant typed.
	_ = xml.EscapeText(b, []byte(s)) // a bytes.Buffer never fails to write
	b.WriteString("</text>\n")
	return nil
}

// wrapWallets joins the names with " · " into at most maxLines lines that fit avail,
// trying eleven font sizes from largest down to smallest. A name is never split
// across lines.
func wrapWallets(names []string, avail, largest, smallest float64, maxLines int) ([]string, float64, bool) {
	const sep = " · "
	for i := range 11 {
		size := largest - float64(i)*(largest-smallest)/10
		var lines []string
		cur := ""
		fits := true
		for _, n := range names {
			n = strings.TrimSpace(n)
			if n == "" {
				continue
			}
			switch {
			case cur == "":
				cur = n
			case textWidth(cur+sep+n)*size <= avail:
				cur += sep + n
			default:
				lines = append(lines, cur)
				cur = n
			}
			if textWidth(cur)*size > avail {
				fits = false
			}
		}
		if cur != "" {
			lines = append(lines, cur)
		}
		if fits && len(lines) <= maxLines {
			return lines, size, true
		}
	}
	return nil, 0, false
}

// textWidth estimates the width of s in ems. Fonts differ, so it errs wide: CJK,
// Hangul and full-width forms take a full em, everything else about 0.6.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r == ' ':
			w += 0.3
		case unicode.In(r, unicode.Han, unicode.Hangul, unicode.Hiragana, unicode.Katakana),
			r >= 0x3000 && r <= 0x303F, r >= 0xFF00 && r <= 0xFFEF:
			w += 1
		case unicode.In(r, unicode.Mn, unicode.Me):
			// Combining marks (Thai vowels and tones, accents) take no width of their own.
		default:
			w += 0.6
		}
	}
	return w
}

// num formats a length in millimetres with at most two decimals.
func num(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
