package antomsig

import "testing"

// The merchant API checks a request's signature in four steps (handleAMS in
// internal/http): ParseHeader on the Signature header, ParsePublicKey on the merchant's
// key as stored, Content, then Verify. BenchmarkVerify measures the RSA step; these
// measure the two parses around it, which run on every request too.

func BenchmarkParseHeader(b *testing.B) {
	key, err := ParsePrivateKey([]byte(mustRead("testdata/key_pkcs8.pem")))
	if err != nil {
		b.Fatal(err)
	}
	sig, err := Sign(key, []byte(mustRead("testdata/content.txt")))
	if err != nil {
		b.Fatal(err)
	}
	header := Header{Algorithm: Algorithm, KeyVersion: 1, Signature: sig}.String()
	b.ReportAllocs()
	for b.Loop() {
		h, err := ParseHeader(header)
		if err != nil {
			b.Fatal(err)
		}
		if h.Signature != sig {
			b.Fatalf("signature %q, want %q", h.Signature, sig)
		}
	}
}

// BenchmarkParsePublicKey parses a merchant's RSA-2048 key in the two forms a merchant
// may register it in, as the merchant API does for every request.
func BenchmarkParsePublicKey(b *testing.B) {
	for _, tc := range []struct{ name, file string }{
		{"base64", "testdata/pub.b64"},
		{"PEM", "testdata/pub.pem"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			data := []byte(mustRead(tc.file))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParsePublicKey(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
