// Package qrimage draws QR codes for entry codes: PNG, SVG, a terminal rendering and a
// printable poster.
//
// Codes use error-correction level Q (about 25 % of the symbol may be lost), which
// Alipay+ recommends for merchant-presented codes, and every rendering keeps the
// 4-module quiet zone scanners need around the symbol.
package qrimage

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// QuietZone is the width of the light margin around the symbol, in modules.
const QuietZone = 4

// PNG size limits, in pixels: below MinPNGSize a code is too small to scan reliably
// from a screen, above MaxPNGSize the image only wastes memory.
const (
	MinPNGSize = 64
	MaxPNGSize = 4096
)

// Code is an encoded QR symbol. It is immutable, so one Code may be drawn from several
// goroutines at once.
type Code struct {
	version int
	// dark[y][x] reports whether the module at (x, y) is dark; no quiet zone.
	dark [][]bool
}

// New encodes content at error-correction level Q. It fails when content is empty or
// does not fit a version 40 symbol.
//
// Content written entirely in QR's alphanumeric set (digits, upper-case A–Z, space and
// $%*+-./:) packs 5.5 bits per character instead of 8, so an upper-case entry-code URL
// gives a smaller symbol than the same URL in lower case.
func New(content string) (*Code, error) {
	if content == "" {
		return nil, errors.New("qrimage: empty content")
	}
	// skip2/go-qrcode names the levels by strength, not by letter: Low = L, Medium = M,
	// High = Q (25 %), Highest = H; see RecoveryLevel in its version.go.
	q, err := qrcode.New(content, qrcode.High)
	if err != nil {
		return nil, fmt.Errorf("qrimage: %d bytes do not fit a QR code at level Q: %w", len(content), err)
	}
	// Bitmap includes skip2's quiet zone; keep only the symbol so each renderer adds
	// its own margin, and copy the rows because they alias skip2's internal state.
	bm := q.Bitmap()
	n := 17 + 4*q.VersionNumber
	if len(bm) != n+2*QuietZone {
		return nil, fmt.Errorf("qrimage: encoder returned a %d-module bitmap for version %d, want %d", len(bm), q.VersionNumber, n+2*QuietZone)
	}
	dark := make([][]bool, n)
	for y := range dark {
		row := bm[y+QuietZone]
		if len(row) != n+2*QuietZone {
			return nil, fmt.Errorf("qrimage: encoder returned a ragged bitmap (row %d)", y)
		}
		dark[y] = append([]bool(nil), row[QuietZone:QuietZone+n]...)
	}
	return &Code{version: q.VersionNumber, dark: dark}, nil
}

// Version returns the QR version of the symbol, 1 to 40.
func (c *Code) Version() int { return c.version }

// Modules returns the width of the symbol in modules, without the quiet zone.
func (c *Code) Modules() int { return len(c.dark) }

// PNG draws the code black on white in a size×size pixel image. Every module is the
// same whole number of pixels, so the code stays sharp; the pixels left over widen
// the quiet zone evenly. size must be within MinPNGSize and MaxPNGSize and leave at
// least one pixel per module.
func (c *Code) PNG(size int) ([]byte, error) {
	if size < MinPNGSize || size > MaxPNGSize {
		return nil, fmt.Errorf("qrimage: PNG size %d px outside %d-%d", size, MinPNGSize, MaxPNGSize)
	}
	total := c.Modules() + 2*QuietZone
	scale := size / total
	if scale < 1 {
		return nil, fmt.Errorf("qrimage: PNG size %d px is too small for a version %d code: need at least %d px", size, c.version, total)
	}
	off := (size-scale*total)/2 + QuietZone*scale
	// Two colours give a 1-bit PNG: the smallest file and exact black and white.
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	for y, row := range c.dark {
		for x, d := range row {
			if !d {
				continue
			}
			for py := off + y*scale; py < off+(y+1)*scale; py++ {
				i := img.PixOffset(off+x*scale, py)
				for k := range scale {
					img.Pix[i+k] = 1
				}
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("qrimage: %w", err)
	}
	return b.Bytes(), nil
}

// SVG draws the code as an SVG document whose user unit is one module: a white
// background and one black path in a viewBox of Modules()+8 units, which includes the
// quiet zone. width and height are size; a size of 0 or less leaves them out so the
// image fills its container.
func (c *Code) SVG(size int) []byte {
	var b bytes.Buffer
	total := c.Modules() + 2*QuietZone
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg"`)
	if size > 0 {
		fmt.Fprintf(&b, ` width="%d" height="%d"`, size, size)
	}
	fmt.Fprintf(&b, ` viewBox="0 0 %d %d" shape-rendering="crispEdges">`, total, total)
	c.writeSymbol(&b)
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// writeSymbol writes the white square and the path of dark modules, in module units
// with the quiet zone included.
func (c *Code) writeSymbol(b *bytes.Buffer) {
	total := c.Modules() + 2*QuietZone
	fmt.Fprintf(b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, total, total)
	b.WriteString(c.pathData())
	b.WriteString(`"/>`)
}

// pathData returns one rectangle per horizontal run of dark modules. Runs rather than
// single squares halve the size and leave no seams between neighbours where a
// renderer anti-aliases each square's edge.
func (c *Code) pathData() string {
	var b strings.Builder
	for y, row := range c.dark {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start+QuietZone, y+QuietZone, x-start, x-start)
		}
	}
	return b.String()
}

// Terminal draws the code with half-block characters, two module rows per line,
// quiet zone included. It paints the light modules, so on a terminal with light text
// on a dark background (the usual default) the code shows dark on light as scanners
// expect; on a light terminal it comes out inverted, which many scanners refuse.
func (c *Code) Terminal() string {
	total := c.Modules() + 2*QuietZone
	light := func(x, y int) bool {
		x, y = x-QuietZone, y-QuietZone
		if x < 0 || y < 0 || x >= c.Modules() || y >= c.Modules() {
			return true
		}
		return !c.dark[y][x]
	}
	var b strings.Builder
	for y := 0; y < total; y += 2 {
		for x := range total {
			top := light(x, y)
			// The symbol has an odd number of rows; below the last one is blank.
			bottom := y+1 < total && light(x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteString(" ")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
