package antomsig

import (
	"context"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The testdata key and signature were made by openssl, an independent implementation:
// PKCS#1 v1.5 signatures are deterministic, so ours must be byte-identical.
func TestSignMatchesOpenSSL(t *testing.T) {
	key, err := ParsePrivateKey(readFile(t, "key_pkcs8.pem"))
	if err != nil {
		t.Fatal(err)
	}
	content := readFile(t, "content.txt")
	want := url.QueryEscape(strings.TrimSpace(string(readFile(t, "content.sig.b64"))))
	got, err := Sign(key, content)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("signature differs from openssl's:\n got %s\nwant %s", got, want)
	}
	if !strings.Contains(got, "%2F") && !strings.Contains(got, "%2B") && !strings.Contains(got, "%3D") {
		t.Logf("note: this signature happens to need no escapes")
	}
}

func TestContent(t *testing.T) {
	got := string(Content("POST", "/ams/api/v1/payments/pay", "SANDBOX_5X00000000000000", "1685599933871", []byte(`{"paymentRequestId":"pay_test_1"}`)))
	want := string(readFile(t, "content.txt"))
	if got != want {
		t.Fatalf("Content = %q, want %q", got, want)
	}
}

func TestKeyFormats(t *testing.T) {
	privs := map[string]string{"PKCS#8 PEM": "key_pkcs8.pem", "PKCS#1 PEM": "key_pkcs1.pem", "base64 PKCS#8 DER": "key_pkcs8.b64"}
	pubs := map[string]string{"X.509 PEM": "pub.pem", "PKCS#1 PEM": "pub_pkcs1.pem", "base64 X.509 DER": "pub.b64"}
	content := readFile(t, "content.txt")
	var want *rsa.PrivateKey
	for name, file := range privs {
		k, err := ParsePrivateKey(readFile(t, file))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want == nil {
			want = k
		} else if !want.Equal(k) {
			t.Fatalf("%s parsed to a different key", name)
		}
	}
	sig, _ := Sign(want, content)
	for name, file := range pubs {
		k, err := ParsePublicKey(readFile(t, file))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := Verify(k, content, sig); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// A base64 key wrapped over several lines, as merchants paste it.
	wrapped := string(readFile(t, "pub.b64"))
	var b strings.Builder
	for i := 0; i < len(wrapped); i += 64 {
		b.WriteString(wrapped[i:min(i+64, len(wrapped))] + "\n")
	}
	if _, err := ParsePublicKey([]byte(b.String())); err != nil {
		t.Fatalf("wrapped base64: %v", err)
	}
	if got := EncodePublicKey(&want.PublicKey); got != strings.TrimSpace(wrapped) {
		t.Fatalf("EncodePublicKey differs from openssl's DER")
	}
	for _, bad := range []string{"", "   ", "not a key", "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----", "AAAA"} {
		if _, err := ParsePublicKey([]byte(bad)); err == nil {
			t.Errorf("ParsePublicKey(%q) succeeded", bad)
		}
		if _, err := ParsePrivateKey([]byte(bad)); err == nil {
			t.Errorf("ParsePrivateKey(%q) succeeded", bad)
		}
	}
	if _, err := ParsePublicKey(readFile(t, "key_pkcs8.pem")); err == nil {
		t.Error("a private key PEM was accepted as a public key")
	}
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		in      string
		want    Header
		wantErr string
	}{
		{in: "algorithm=RSA256,keyVersion=1,signature=abc%2Fdef%3D%3D", want: Header{"RSA256", 1, "abc%2Fdef%3D%3D"}},
		{in: "algorithm=RSA256, keyVersion=2, signature=abc", want: Header{"RSA256", 2, "abc"}},
		{in: " Algorithm = rsa256 ,KEYVERSION=3,Signature= x ", want: Header{"rsa256", 3, "x"}},
		{in: "signature=abc", want: Header{"RSA256", 0, "abc"}},
		{in: "algorithm=RSA256,keyVersion=1,signature=ab==", want: Header{"RSA256", 1, "ab=="}},
		{in: "", wantErr: "empty"},
		{in: "algorithm=RSA256,keyVersion=1", wantErr: "no signature"},
		{in: "algorithm=HMAC,signature=x", wantErr: "not supported"},
		{in: "keyVersion=x,signature=a", wantErr: "keyVersion"},
		{in: "keyVersion=-1,signature=a", wantErr: "keyVersion"},
		{in: "junk,signature=a", wantErr: "key=value"},
	}
	for _, tt := range tests {
		got, err := ParseHeader(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseHeader(%q) error = %v, want containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseHeader(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestVerifyLenient(t *testing.T) {
	key, _ := ParsePrivateKey(readFile(t, "key_pkcs8.pem"))
	content := readFile(t, "content.txt")
	sig, _ := Sign(key, content)
	raw, _ := url.QueryUnescape(sig)
	variants := map[string]string{
		"as signed":          sig,
		"lower-case escapes": strings.NewReplacer("%2F", "%2f", "%2B", "%2b", "%3D", "%3d").Replace(sig),
		"not escaped":        raw,
		"padding dropped":    strings.TrimRight(raw, "="),
		"surrounding spaces": "  " + sig + " ",
	}
	for name, s := range variants {
		if err := Verify(&key.PublicKey, content, s); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := map[string]string{
		"other content": sig,
		"truncated":     sig[:len(sig)-8],
		"garbage":       "%%%",
		"empty":         "",
	}
	for name, s := range bad {
		c := content
		if name == "other content" {
			c = append([]byte{}, content...)
			c[0] = 'G'
		}
		if err := Verify(&key.PublicKey, c, s); !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("%s: err = %v, want ErrInvalidSignature", name, err)
		}
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"1685599933871", time.UnixMilli(1685599933871), true},
		{"2019-05-28T12:12:12+08:00", time.Date(2019, 5, 28, 4, 12, 12, 0, time.UTC), true},
		{"2019-07-12T12:08:56.253+05:30", time.Date(2019, 7, 12, 6, 38, 56, 253e6, time.UTC), true},
		{"1685599933", time.Time{}, false}, // seconds, not milliseconds
		{"2019-05-28 12:12:12", time.Time{}, false},
		{"", time.Time{}, false},
		{"99999999999999999999", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		if (err == nil) != tt.ok || (tt.ok && !got.Equal(tt.want)) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestCallerAndReadSigned runs both halves of the scheme over real HTTP: a signed request,
// verified by the server, answered with a signed response, verified by the client.
func TestCallerAndReadSigned(t *testing.T) {
	clientKey, _ := ParsePrivateKey(readFile(t, "key_pkcs8.pem"))
	serverKey, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		msg, err := ReadSigned(r, 1024, func(_ context.Context, id string, v int) (*rsa.PublicKey, error) {
			if id != "C1" {
				return nil, errors.New("unknown client")
			}
			return &clientKey.PublicKey, nil
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		WriteSigned(w, r, msg.ClientID, &Signer{Key: serverKey, KeyVersion: 2}, time.Now(), append([]byte("echo:"), msg.Body...))
	}))
	defer srv.Close()
	c := &Caller{BaseURL: srv.URL + "/prefix", ClientID: "C1", Signer: Signer{Key: clientKey, KeyVersion: 1}, PeerKey: &serverKey.PublicKey}
	ans, err := c.Post(context.Background(), "/prefix/api?x=1", []byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(ans.Body) != `echo:{"a":1}` {
		t.Fatalf("body = %q", ans.Body)
	}
	// A client signing as someone else is refused; the caller sees no answer.
	c.ClientID = "C2"
	if _, err := c.Post(context.Background(), "/prefix/api", []byte(`{}`)); !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("err = %v, want ErrNoAnswer", err)
	}
	// An answer signed by another key is refused.
	other, _ := GenerateKey()
	c.ClientID, c.PeerKey = "C1", &other.PublicKey
	if _, err := c.Post(context.Background(), "/prefix/api", []byte(`{}`)); !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("err = %v, want ErrNoAnswer for a wrongly signed answer", err)
	}
}

func FuzzParseHeader(f *testing.F) {
	for _, s := range []string{"algorithm=RSA256,keyVersion=1,signature=abc", "signature=", ",,,", "keyVersion=99999999999999999999,signature=a", "a=b=c,signature=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHeader(s)
		if err != nil {
			return
		}
		if h.Signature == "" || h.KeyVersion < 0 {
			t.Fatalf("ParseHeader(%q) = %+v without error", s, h)
		}
		// Whatever parses can be formatted and parsed back to the same header.
		again, err := ParseHeader(h.String())
		if err != nil {
			t.Fatalf("reparse of %q: %v", h.String(), err)
		}
		if h.KeyVersion != 0 && again.KeyVersion != h.KeyVersion {
			t.Fatalf("keyVersion %d became %d", h.KeyVersion, again.KeyVersion)
		}
	})
}

func FuzzVerify(f *testing.F) {
	key, err := ParsePrivateKey([]byte(mustRead("testdata/key_pkcs8.pem")))
	if err != nil {
		f.Fatal(err)
	}
	content := []byte(mustRead("testdata/content.txt"))
	sig, _ := Sign(key, content)
	f.Add(sig)
	f.Add("%2F%2B%3D")
	f.Add("====")
	f.Fuzz(func(t *testing.T, s string) {
		err := Verify(&key.PublicKey, content, s)
		if err != nil && !errors.Is(err, ErrInvalidSignature) {
			t.Fatalf("Verify(%q) = %v, want nil or ErrInvalidSignature", s, err)
		}
	})
}

func mustRead(name string) string {
	data, err := os.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(data)
}

func BenchmarkSign(b *testing.B) {
	key, err := ParsePrivateKey([]byte(mustRead("testdata/key_pkcs8.pem")))
	if err != nil {
		b.Fatal(err)
	}
	content := []byte(mustRead("testdata/content.txt"))
	for b.Loop() {
		if _, err := Sign(key, content); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	key, _ := ParsePrivateKey([]byte(mustRead("testdata/key_pkcs8.pem")))
	content := []byte(mustRead("testdata/content.txt"))
	sig, _ := Sign(key, content)
	for b.Loop() {
		if err := Verify(&key.PublicKey, content, sig); err != nil {
			b.Fatal(err)
		}
	}
}
