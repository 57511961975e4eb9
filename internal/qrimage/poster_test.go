package qrimage

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// longName needs a smaller font than the store name's 8 mm to fit on A6.
const longName = "Wonderful Noodles of Kowloon City"

var wallets = []string{"Alipay+", "AlipayHK", "Alipay", "GCash", "Kakao Pay", "Touch 'n Go eWallet", "TrueMoney", "DANA"}

func TestPosterSVG(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		p        Poster
		width    string // root width and height attributes
		height   string
		contains []string // in the document, as written
		absent   []string
	}{
		{
			name:    "A6 with Chinese store name",
			content: urlShort,
			p: Poster{Paper: "A6", StoreName: "最佳运输", DisplayName: "Best Transport", Headline: "扫码付款 Scan to pay",
				Wallets: wallets, URL: "EP.IO/C/7QK2M9XRT4BD", Accent: "#0a7cff"},
			width: "105mm", height: "148mm",
			contains: []string{`viewBox="0 0 105 148"`, ">最佳运输</text>", ">Best Transport</text>", ">扫码付款 Scan to pay</text>",
				">EP.IO/C/7QK2M9XRT4BD</text>", `fill="#0a7cff"`, "Noto Sans CJK SC", "PingFang SC", "sans-serif", "Touch &#39;n Go eWallet"},
		},
		{
			name:     "A5 with defaults",
			content:  urlLong,
			p:        Poster{Paper: "A5", StoreName: "Demo Noodle Bar"},
			width:    "148mm",
			height:   "210mm",
			contains: []string{`viewBox="0 0 148 210"`, ">Scan to pay</text>", `fill="#222"`},
			absent:   []string{"Accepted here"},
		},
		{
			name:    "blank wallet names",
			content: urlShort,
			p:       Poster{Paper: "A6", StoreName: "Kopi Corner", Wallets: []string{"", " "}},
			width:   "105mm",
			height:  "148mm",
			absent:  []string{"Accepted here"},
		},
		{
			name:    "markup in merchant texts is escaped",
			content: urlLocal,
			p: Poster{Paper: "A6", StoreName: "<script>alert(1)</script> & Co", DisplayName: `"Tom" & 'Jerry'`,
				Headline: "Pay </text><script>", Wallets: []string{"<b>Evil</b>"}, URL: "HTTP://127.0.0.1:8080/C/7QK2M9XRT4BD?a=1&b=2"},
			width: "105mm", height: "148mm",
			contains: []string{"&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co", "&#34;Tom&#34; &amp; &#39;Jerry&#39;", "&lt;b&gt;Evil&lt;/b&gt;", "?a=1&amp;b=2"},
			absent:   []string{"<script>", "<b>", "&b=2"},
		},
		{
			name:    "characters XML cannot carry",
			content: urlShort,
			p:       Poster{Paper: "A6", StoreName: "Bad\x00Name\xff"},
			width:   "105mm", height: "148mm",
			contains: []string{"Bad\uFFFDName\uFFFD"},
			absent:   []string{"\x00"},
		},
		{
			name:    "long names are set smaller to fit",
			content: urlShort,
			p:       Poster{Paper: "A6", StoreName: longName, DisplayName: strings.Repeat("很长的名字", 6)},
			width:   "105mm", height: "148mm",
			contains: []string{
				fmt.Sprintf(`font-size="%s" font-weight="700" fill="#111">%s<`, num(89/textWidth(longName)), longName),
				`font-size="2.97" fill="#444">很长的名字`,
			},
		},
		{
			name:     "display name equal to store name is printed once",
			content:  urlShort,
			p:        Poster{Paper: "A6", StoreName: "Kopi Corner", DisplayName: "Kopi Corner", Accent: "#ABC"},
			width:    "105mm",
			height:   "148mm",
			contains: []string{`fill="#ABC"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.content)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := c.PosterSVG(tt.p)
			if err != nil {
				t.Fatalf("PosterSVG: %v", err)
			}
			if dir := os.Getenv("QRIMAGE_POSTER_DIR"); dir != "" {
				// Lets a person print or view the posters: QRIMAGE_POSTER_DIR=/tmp go test -run Poster
				name := strings.NewReplacer(" ", "_", "/", "_").Replace(tt.name) + ".svg"
				if err := os.WriteFile(filepath.Join(dir, name), doc, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			grid, root := svgQR(t, doc)
			if root.Name.Local != "svg" || attr(root, "width") != tt.width || attr(root, "height") != tt.height {
				t.Errorf("root <%s width=%q height=%q>, want <svg width=%q height=%q>",
					root.Name.Local, attr(root, "width"), attr(root, "height"), tt.width, tt.height)
			}
			if !equalGrids(grid, withQuietZone(c)) {
				t.Error("poster QR modules differ from the code")
			}
			if text, _ := decode(t, render(grid, 4)); text != tt.content {
				t.Errorf("poster QR decodes to %q, want %q", text, tt.content)
			}
			for _, s := range tt.contains {
				if !bytes.Contains(doc, []byte(s)) {
					t.Errorf("poster lacks %q", s)
				}
			}
			for _, s := range tt.absent {
				if bytes.Contains(doc, []byte(s)) {
					t.Errorf("poster contains %q", s)
				}
			}
			if n := bytes.Count(doc, []byte(">"+tt.p.StoreName+"<")); tt.p.StoreName == tt.p.DisplayName && n != 1 {
				t.Errorf("store name printed %d times", n)
			}
			checkQRPlacement(t, doc, attr(root, "viewBox"), c)
		})
	}
}

// checkQRPlacement checks that the code is centred, at least half the page wide, with
// whole modules in its viewBox, so the printed quiet zone is the full 4 modules.
func checkQRPlacement(t *testing.T, doc []byte, pageViewBox string, c *Code) {
	t.Helper()
	pageW, _ := strconv.ParseFloat(strings.Fields(pageViewBox)[2], 64)
	i := bytes.Index(doc, []byte(`<svg id="qr"`))
	if i < 0 {
		t.Fatal("no <svg id=\"qr\">")
	}
	var x, y, w, h float64
	var n1, n2 int
	if _, err := fmt.Sscanf(string(doc[i:]), `<svg id="qr" x="%g" y="%g" width="%g" height="%g" viewBox="0 0 %d %d"`, &x, &y, &w, &h, &n1, &n2); err != nil {
		t.Fatalf("reading the QR element: %v", err)
	}
	if total := c.Modules() + 2*QuietZone; n1 != total || n2 != total {
		t.Errorf("QR viewBox %d×%d, want %d×%d", n1, n2, total, total)
	}
	if w != h || w < pageW/2 {
		t.Errorf("QR is %g×%g mm on a %g mm page", w, h, pageW)
	}
	if d := x + w/2 - pageW/2; d > 0.01 || d < -0.01 {
		t.Errorf("QR centre is %g mm off the page centre", d)
	}
	t.Logf("QR %g mm square, %.2f mm per module", w, w/float64(n1))
}

func TestPosterSVGErrors(t *testing.T) {
	tests := []struct {
		name string
		p    Poster
		msg  string
	}{
		{"unknown paper", Poster{Paper: "A4", StoreName: "x"}, `paper "A4": want A5 or A6`},
		{"no paper", Poster{StoreName: "x"}, `paper "": want A5 or A6`},
		{"no store name", Poster{Paper: "A6", StoreName: "  "}, "needs a store name"},
		{"named colour", Poster{Paper: "A6", StoreName: "x", Accent: "red"}, `accent colour "red"`},
		{"short hex", Poster{Paper: "A6", StoreName: "x", Accent: "#12"}, "want #rgb or #rrggbb"},
		{"four hex digits", Poster{Paper: "A6", StoreName: "x", Accent: "#1234"}, "want #rgb or #rrggbb"},
		{"not hex", Poster{Paper: "A6", StoreName: "x", Accent: "#GGG"}, "want #rgb or #rrggbb"},
		{"attribute injection", Poster{Paper: "A6", StoreName: "x", Accent: `#fff" onload="alert(1)`}, "want #rgb or #rrggbb"},
		{"trailing newline", Poster{Paper: "A6", StoreName: "x", Accent: "#ffffff\n"}, "want #rgb or #rrggbb"},
		{"store name too long", Poster{Paper: "A6", StoreName: strings.Repeat("Wonderful Noodles ", 3)}, "store name \"Wonderful Noodles Wonderful"},
		{"store name too long on A5 too", Poster{Paper: "A5", StoreName: strings.Repeat("很长的名字", 6)}, "is too long for the page: it fits only at 4.18mm, the smallest allowed is 4.93mm"},
		{"headline too long", Poster{Paper: "A6", StoreName: "x", Headline: strings.Repeat("Scan to pay ", 6)}, "headline"},
		{"URL too long", Poster{Paper: "A6", StoreName: "x", URL: "HTTPS://EP.IO/" + strings.Repeat("A", 70)}, "URL"},
		{"too many wallets", Poster{Paper: "A6", StoreName: "x", Wallets: strings.Fields(strings.Repeat("SomeLongWalletName ", 40))}, "40 wallets do not fit in three lines on A6"},
	}
	c, err := New(urlShort)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := c.PosterSVG(tt.p)
			if err == nil {
				t.Fatalf("PosterSVG = %d bytes, want an error", len(doc))
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

func TestWrapWallets(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		avail float64
		lines int
	}{
		{"one line", []string{"GCash", "DANA"}, 89, 1},
		{"blank names skipped", []string{" ", "GCash", ""}, 89, 1},
		{"all eight", wallets, 89, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, size, ok := wrapWallets(tt.names, tt.avail, 3.6, 2.4, 3)
			if !ok || len(lines) != tt.lines {
				t.Fatalf("wrapWallets = %q at %g, %v; want %d lines", lines, size, ok, tt.lines)
			}
			for _, l := range lines {
				if w := textWidth(l) * size; w > tt.avail {
					t.Errorf("line %q is %g mm wide, more than %g", l, w, tt.avail)
				}
			}
		})
	}
}
