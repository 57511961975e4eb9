package qrimage

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// Entry-code URLs as entrypay prints them: upper case, so they encode in QR
// alphanumeric mode.
const (
	urlLong  = "HTTPS://PAY.EXAMPLE.COM/C/7QK2M9XRT4BD"
	urlShort = "HTTPS://EP.IO/C/7QK2M9XRT4BD"
	urlLocal = "HTTP://127.0.0.1:8080/C/7QK2M9XRT4BD"
	// An EMV MPM payload (stack.md §6); its lower-case letters force byte mode.
	emvPayload = "00020101021126410018com.example.wallet0115MERCHANT-0001235204581253033445802HK5915Demo Noodle Bar6009Hong Kong6304BD07"
)

// decode reads a QR code from img with gozxing and returns its text and
// error-correction level.
func decode(t *testing.T, img image.Image) (text, level string) {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("NewBinaryBitmapFromImage: %v", err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("gozxing could not decode the code: %v", err)
	}
	level, _ = res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL].(string)
	return res.GetText(), level
}

// render draws a module grid (quiet zone included) at px pixels per module.
func render(grid [][]bool, px int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, len(grid)*px, len(grid)*px))
	for y, row := range grid {
		for x, dark := range row {
			c := color.Gray{Y: 255}
			if dark {
				c = color.Gray{Y: 0}
			}
			for i := range px * px {
				img.SetGray(x*px+i%px, y*px+i/px, c)
			}
		}
	}
	return img
}

// withQuietZone returns the code's modules surrounded by a light quiet zone.
func withQuietZone(c *Code) [][]bool {
	total := c.Modules() + 2*QuietZone
	grid := make([][]bool, total)
	for y := range grid {
		grid[y] = make([]bool, total)
		if y >= QuietZone && y < QuietZone+c.Modules() {
			copy(grid[y][QuietZone:], c.dark[y-QuietZone])
		}
	}
	return grid
}

func equalGrids(a, b [][]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for y := range a {
		if len(a[y]) != len(b[y]) {
			return false
		}
		for x := range a[y] {
			if a[y][x] != b[y][x] {
				return false
			}
		}
	}
	return true
}

func TestNew(t *testing.T) {
	tests := []struct {
		name       string
		content    string
		maxVersion int
	}{
		{"long host", urlLong, 4},
		{"short host", urlShort, 4},
		{"local address", urlLocal, 4},
		{"lower case, byte mode", strings.ToLower(urlLong), 5},
		{"lower-case short host, byte mode", strings.ToLower(urlShort), 4},
		{"EMV payload", emvPayload, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.content)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			t.Logf("%q (%d characters): version %d, %d×%d modules at level Q",
				tt.content, len(tt.content), c.Version(), c.Modules(), c.Modules())
			if c.Version() > tt.maxVersion {
				t.Errorf("version %d, want at most %d", c.Version(), tt.maxVersion)
			}
			if want := 17 + 4*c.Version(); c.Modules() != want {
				t.Errorf("Modules() = %d, want %d for version %d", c.Modules(), want, c.Version())
			}
			img, err := c.PNG(400)
			if err != nil {
				t.Fatalf("PNG: %v", err)
			}
			m, err := png.Decode(bytes.NewReader(img))
			if err != nil {
				t.Fatalf("png.Decode: %v", err)
			}
			text, level := decode(t, m)
			if text != tt.content {
				t.Errorf("decoded %q, want %q", text, tt.content)
			}
			if level != "Q" {
				t.Errorf("error-correction level %q, want Q", level)
			}
		})
	}
}

// TestUpperCaseIsSmaller checks the reason entry-code URLs are printed in upper case.
func TestUpperCaseIsSmaller(t *testing.T) {
	for _, u := range []string{urlLong, urlShort, urlLocal} {
		upper, err := New(u)
		if err != nil {
			t.Fatal(err)
		}
		lower, err := New(strings.ToLower(u))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: version %d upper case, %d lower case", u, upper.Version(), lower.Version())
		if upper.Version() > lower.Version() {
			t.Errorf("%s: upper case gives version %d, lower case %d", u, upper.Version(), lower.Version())
		}
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		msg     string
	}{
		{"empty", "", "qrimage: empty content"},
		// Version 40 at level Q holds 1663 bytes.
		{"too long", strings.Repeat("x", 1664), "qrimage: 1664 bytes do not fit a QR code at level Q"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.content)
			if err == nil {
				t.Fatalf("New = version %d, want an error", c.Version())
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
	if c, err := New(strings.Repeat("x", 1663)); err != nil || c.Version() != 40 {
		t.Errorf("1663 bytes: %v, want version 40", err)
	}
}

func TestPNG(t *testing.T) {
	large := strings.Repeat("x", 280) // version 15: 77 modules, 85 with the quiet zone
	tests := []struct {
		name    string
		content string
		size    int
		errMsg  string // empty when the PNG must be drawn
		decode  bool
	}{
		{"smallest", urlShort, MinPNGSize, "", false},
		{"below the minimum", urlShort, MinPNGSize - 1, "PNG size 63 px outside 64-4096", false},
		{"typical", urlShort, 256, "", true},
		{"odd size", urlShort, 333, "", true},
		{"largest", urlShort, MaxPNGSize, "", false},
		{"above the maximum", urlShort, MaxPNGSize + 1, "PNG size 4097 px outside 64-4096", false},
		{"negative", urlShort, -5, "PNG size -5 px outside", false},
		{"too small for the version", large, 80, "too small for a version 15 code: need at least 85 px", false},
		{"one pixel per module", large, 85, "", false},
		{"large version", large, 600, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.content)
			if err != nil {
				t.Fatal(err)
			}
			data, err := c.PNG(tt.size)
			if tt.errMsg != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errMsg) {
					t.Fatalf("PNG(%d) error = %v, want one containing %q", tt.size, err, tt.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("PNG(%d): %v", tt.size, err)
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("png.Decode: %v", err)
			}
			if b := img.Bounds(); b.Dx() != tt.size || b.Dy() != tt.size {
				t.Fatalf("image is %v, want %d×%d", b, tt.size, tt.size)
			}
			checkPixels(t, c, img)
			if tt.decode {
				if text, _ := decode(t, img); text != tt.content {
					t.Errorf("decoded %q, want %q", text, tt.content)
				}
			}
		})
	}
}

// checkPixels checks that the PNG is the code's modules, black on white, with whole
// pixels per module and at least a 4-module white quiet zone.
func checkPixels(t *testing.T, c *Code, img image.Image) {
	t.Helper()
	size := img.Bounds().Dx()
	total := c.Modules() + 2*QuietZone
	scale := size / total
	symbol := image.Rect(0, 0, c.Modules()*scale, c.Modules()*scale).Add(image.Pt(1, 1).Mul((size-scale*total)/2 + QuietZone*scale))
	bad := 0
	for y := range size {
		for x := range size {
			r, g, b, _ := img.At(x, y).RGBA()
			black := r == 0 && g == 0 && b == 0
			white := r == 0xffff && g == 0xffff && b == 0xffff
			want := false
			if p := image.Pt(x, y); p.In(symbol) {
				want = c.dark[(y-symbol.Min.Y)/scale][(x-symbol.Min.X)/scale]
			}
			if (want && !black) || (!want && !white) {
				if bad++; bad <= 3 {
					t.Errorf("pixel (%d,%d) = %v, want dark=%v (symbol at %v, %d px per module)", x, y, img.At(x, y), want, symbol, scale)
				}
			}
		}
	}
	if symbol.Min.X < QuietZone*scale || size-symbol.Max.X < QuietZone*scale {
		t.Errorf("quiet zone %d/%d px, want at least %d", symbol.Min.X, size-symbol.Max.X, QuietZone*scale)
	}
}

// svgQR reads an SVG document to its end (so it must be well-formed XML) and rebuilds
// the module grid, quiet zone included, from the path inside the innermost <svg> with
// a square viewBox of whole modules.
func svgQR(t *testing.T, doc []byte) (grid [][]bool, root xml.StartElement) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var stack []int // module count of each open <svg>, 0 when not a QR viewBox
	paths := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, doc)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if root.Name.Local == "" {
				root = el.Copy()
			}
			switch el.Name.Local {
			case "svg":
				n := 0
				if f := strings.Fields(attr(el, "viewBox")); len(f) == 4 && f[0] == "0" && f[1] == "0" && f[2] == f[3] {
					n, _ = strconv.Atoi(f[2])
				}
				stack = append(stack, n)
			case "path":
				paths++
				if len(stack) == 0 || stack[len(stack)-1] == 0 {
					t.Fatalf("path outside a QR viewBox")
				}
				grid = gridFromPath(t, attr(el, "d"), stack[len(stack)-1])
			}
		case xml.EndElement:
			if el.Name.Local == "svg" {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if paths != 1 {
		t.Fatalf("found %d paths, want one", paths)
	}
	return grid, root
}

func attr(el xml.StartElement, name string) string {
	for _, a := range el.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

var runRE = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)

// gridFromPath parses the path data PNG and SVG share: one rectangle per run.
func gridFromPath(t *testing.T, d string, total int) [][]bool {
	t.Helper()
	grid := make([][]bool, total)
	for y := range grid {
		grid[y] = make([]bool, total)
	}
	matched := 0
	for _, m := range runRE.FindAllStringSubmatch(d, -1) {
		matched += len(m[0])
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		back, _ := strconv.Atoi(m[4])
		if w != back || w < 1 || y >= total || x+w > total {
			t.Fatalf("bad run %q in a %d-module grid", m[0], total)
		}
		for i := range w {
			grid[y][x+i] = true
		}
	}
	if matched != len(d) {
		t.Fatalf("path data has %d characters that are not runs", len(d)-matched)
	}
	return grid
}

func TestSVG(t *testing.T) {
	tests := []struct {
		content string
		size    int
		wantWH  string // width attribute; "" when it must be absent
	}{
		{urlShort, 256, "256"},
		{urlLong, 1000, "1000"},
		{urlLocal, 0, ""},
		{emvPayload, 512, "512"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s@%d", tt.content, tt.size), func(t *testing.T) {
			c, err := New(tt.content)
			if err != nil {
				t.Fatal(err)
			}
			doc := c.SVG(tt.size)
			grid, root := svgQR(t, doc)
			total := c.Modules() + 2*QuietZone
			if got, want := attr(root, "viewBox"), fmt.Sprintf("0 0 %d %d", total, total); got != want {
				t.Errorf("viewBox %q, want %q", got, want)
			}
			if attr(root, "width") != tt.wantWH || attr(root, "height") != tt.wantWH {
				t.Errorf("width/height %q/%q, want %q", attr(root, "width"), attr(root, "height"), tt.wantWH)
			}
			if attr(root, "shape-rendering") != "crispEdges" {
				t.Error("no shape-rendering=crispEdges")
			}
			if !bytes.Contains(doc, []byte(fmt.Sprintf(`<rect width="%d" height="%d" fill="#fff"/>`, total, total))) {
				t.Error("no white background covering the quiet zone")
			}
			if !equalGrids(grid, withQuietZone(c)) {
				t.Error("SVG modules differ from the code")
			}
			if text, _ := decode(t, render(grid, 4)); text != tt.content {
				t.Errorf("decoded %q, want %q", text, tt.content)
			}
		})
	}
}

func TestTerminal(t *testing.T) {
	for _, content := range []string{urlShort, urlLong, emvPayload} {
		t.Run(content, func(t *testing.T) {
			c, err := New(content)
			if err != nil {
				t.Fatal(err)
			}
			s := c.Terminal()
			t.Logf("\n%s", s)
			total := c.Modules() + 2*QuietZone
			lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
			if len(lines) != (total+1)/2 {
				t.Fatalf("%d lines, want %d", len(lines), (total+1)/2)
			}
			// Characters paint light modules; read them back as a dark-module grid.
			grid := make([][]bool, 2*len(lines))
			for i, line := range lines {
				top, bottom := make([]bool, 0, total), make([]bool, 0, total)
				for _, r := range line {
					top = append(top, !(r == '█' || r == '▀'))
					bottom = append(bottom, !(r == '█' || r == '▄'))
				}
				if len(top) != total {
					t.Fatalf("line %d is %d characters, want %d", i, len(top), total)
				}
				grid[2*i], grid[2*i+1] = top, bottom
			}
			grid = grid[:total] // the half line below the last row is not part of the code
			if !equalGrids(grid, withQuietZone(c)) {
				t.Error("terminal rendering differs from the code")
			}
			if text, _ := decode(t, render(grid, 4)); text != content {
				t.Errorf("decoded %q, want %q", text, content)
			}
		})
	}
}
