package emvqr

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// Published payloads; every one must parse and re-encode byte for byte.
const (
	// stack.md §6: a static code built with an in-house TLV builder.
	vectorHK = "00020101021126410018com.example.wallet0115MERCHANT-0001235204581253033445802HK5915Demo Noodle Bar6009Hong Kong6304BD07"
	// A Cambodian dynamic code (CRC A0BA).
	vectorKH = "00020101021252044131153137210116372101160123456789ABCDE6010Phnom Penh5913Merchant Shop5802KH540510.005303840622501081234567802090124444446304A0BA"
	// A synthetic library sample: format indicator "00", merchant account primitives
	// 03 and 04 whose values look like TLV, RFU IDs 65/66 and templates 81 and 89.
	vectorOdd = "00020001021203200002IT0103abc0203def04200002IT0103abc0203def624601050qwea1006tax id1103cha1202135003123510312364410002LA0102MW0209Vientaine0304asfg0404asfg6503bbc6603bbb89230003abs0104qw120204qw1281230003sdf0504ffff0604ffff63042E4E"
	// The EMVCo MPM specification's sample, with Chinese text in template 64 (CRC A13A).
	vectorEMVCo = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A"
)

// withCRC closes body with a correct CRC object, for building test payloads.
func withCRC(body string) string {
	body += "6304"
	return body + fmt.Sprintf("%04X", CRC16([]byte(body)))
}

func TestCRC16(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want uint16
	}{
		{"check value", "123456789", 0x29B1},
		{"empty is the initial value", "", 0xFFFF},
		{"stack.md HK", strings.TrimSuffix(vectorHK, "BD07"), 0xBD07},
		{"KH", strings.TrimSuffix(vectorKH, "A0BA"), 0xA0BA},
		{"odd sample", strings.TrimSuffix(vectorOdd, "2E4E"), 0x2E4E},
		{"EMVCo sample, UTF-8 bytes", strings.TrimSuffix(vectorEMVCo, "A13A"), 0xA13A},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CRC16([]byte(tt.in)); got != tt.want {
				t.Errorf("CRC16(%q) = %04X, want %04X", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseVectors(t *testing.T) {
	// want maps "ID" or "ID.sub" to the expected value.
	tests := []struct {
		name    string
		payload string
		want    map[string]string
		// primitive lists IDs that must not have been split into sub-objects.
		primitive []string
	}{
		{"stack.md HK", vectorHK, map[string]string{
			"00": "01", "01": "11", "26.00": "com.example.wallet", "26.01": "MERCHANT-000123",
			"52": "5812", "53": "344", "58": "HK", "59": "Demo Noodle Bar", "60": "Hong Kong", "63": "BD07",
		}, nil},
		{"KH", vectorKH, map[string]string{
			"01": "12", "15": "37210116372101160123456789ABCDE", "54": "10.00", "53": "840",
			"62.01": "12345678", "62.02": "012444444", "63": "A0BA",
		}, []string{"15"}},
		{"odd sample", vectorOdd, map[string]string{
			"00": "00", "03": "0002IT0103abc0203def", "04": "0002IT0103abc0203def",
			"62.01": "0qwea", "62.10": "tax id", "62.50": "123", "62.51": "123",
			"64.00": "LA", "64.02": "Vientaine", "64.04": "asfg", "65": "bbc", "66": "bbb",
			"89.00": "abs", "89.02": "qw12", "81.06": "ffff", "63": "2E4E",
		}, []string{"03", "04", "65", "66"}},
		{"EMVCo sample", vectorEMVCo, map[string]string{
			"29.00": "D15600000000", "29.05": "A93FO3230Q", "31.03": "12345678",
			"59": "BEST TRANSPORT", "64.00": "ZH", "64.01": "最佳运输", "64.02": "北京",
			"54": "23.72", "53": "156", "62.06": "***", "91.07": "12345678", "63": "A13A",
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.payload)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			for path, want := range tt.want {
				if got, ok := lookup(p, path); !ok || got != want {
					t.Errorf("%s = %q, %v; want %q", path, got, ok, want)
				}
			}
			for _, id := range tt.primitive {
				if o, _ := p.Get(id); o.Sub != nil {
					t.Errorf("ID %s parsed as a template: %+v", id, o.Sub)
				}
			}
			if first, last := p.Objects[0].ID, p.Objects[len(p.Objects)-1].ID; first != "00" || last != "63" {
				t.Errorf("objects run from %s to %s, want 00 to 63", first, last)
			}
			got, err := Encode(p.Objects)
			if err != nil {
				t.Fatalf("Encode(parsed): %v", err)
			}
			if got != tt.payload {
				t.Errorf("round trip:\n got %s\nwant %s", got, tt.payload)
			}
		})
	}
}

func lookup(p *Payload, path string) (string, bool) {
	id, sub, nested := strings.Cut(path, ".")
	o, ok := p.Get(id)
	if ok && nested {
		o, ok = o.Get(sub)
	}
	return o.Value, ok
}

func TestParseRuneLengths(t *testing.T) {
	// Lengths count characters: 最佳运输 is 4 characters and 12 bytes.
	s := withCRC("000201010211" + "26190015COM.ENTRYPAY.QR" + "5802CN5914BEST TRANSPORT6007BEIJING" + "64200002ZH0104最佳运输0202北京")
	p, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	tpl, ok := p.Get("64")
	if !ok {
		t.Fatal("no template 64")
	}
	want := []Object{{ID: "00", Value: "ZH"}, {ID: "01", Value: "最佳运输"}, {ID: "02", Value: "北京"}}
	if diff := cmp.Diff(want, tpl.Sub); diff != "" {
		t.Errorf("template 64 (-want +got):\n%s", diff)
	}
	if tpl.Value != "0002ZH0104最佳运输0202北京" {
		t.Errorf("template 64 raw value = %q", tpl.Value)
	}
	if c, _ := p.Get("63"); c.Value != s[len(s)-4:] {
		t.Errorf("CRC = %q", c.Value)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		id     string // ParseError.ID
		offset int    // ParseError.Offset, in characters
		msg    string // substring of the message
	}{
		{"empty", "", "", 0, "empty payload"},
		{"wrong CRC", strings.TrimSuffix(vectorHK, "BD07") + "BD08", "63", 110, "CRC is BD08, payload checksums to BD07"},
		{"lower-case CRC", withCRC("0002015802HK")[:16] + "abcd", "63", 12, "not four upper-case hex digits"},
		{"CRC not last", withCRC("000201") + "5802HK", "63", 6, "CRC must be the last data object"},
		{"no CRC", "0002015802HK", "58", 6, "last data object must be 63"},
		{"00 not first", withCRC("010211000201"), "01", 0, "must start with ID 00"},
		{"00 not digits", withCRC("0002AB"), "00", 0, "payload format indicator \"AB\" is not two digits"},
		{"length beyond the string", "0002015920ABC", "59", 8, "length 20 runs past the end (3 characters left)"},
		{"CRC cut short", vectorHK[:len(vectorHK)-1], "63", 112, "length 4 runs past the end (3 characters left)"},
		{"non-digit ID", withCRC("0002010A02AB"), "", 6, `ID "0A" is not two digits`},
		{"full-width digit ID", withCRC("000201０１0211"), "", 6, `ID "０１" is not two digits`},
		{"non-digit length", withCRC("00020101x211"), "01", 8, `length "x2" is not two digits`},
		{"zero length", withCRC("0002015900"), "59", 8, "length is 00"},
		{"truncated header", "000201000", "", 6, "truncated data object: 3 characters left"},
		{"duplicate ID", withCRC("0002015802HK5802HK"), "58", 12, "more than once"},
		{"duplicate CRC", withCRC("0002016304ABCD"), "63", 14, "more than once"},
		{"bad template", withCRC("0002012605ABCDE"), "26", 10, `ID "AB" is not two digits`},
		{"template sub-object too long", withCRC("000201260800050ABC"), "26.00", 12, "length 5 runs past the end (4 characters left)"},
		{"template duplicate sub-object", withCRC("00020126100001A0001B"), "26.00", 15, "more than once"},
		{"offset counts characters", withCRC("000201" + "64120002ZH0102北京" + "5999"), "59", 24, "length 99 runs past the end (8 characters left)"},
		{"invalid UTF-8", "000201\xff\xfe", "", 6, "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", tt.in, p)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, want *ParseError", err, err)
			}
			if pe.ID != tt.id || pe.Offset != tt.offset || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("Parse(%q) error = %q (ID %q, offset %d); want ID %q, offset %d, message containing %q",
					tt.in, err, pe.ID, pe.Offset, tt.id, tt.offset, tt.msg)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	long := strings.Repeat("文", 99) // 99 characters, 297 bytes
	tests := []struct {
		name string
		in   []Object
		want string // before the CRC is appended
	}{
		{"adds format indicator", []Object{{ID: "58", Value: "HK"}}, "0002015802HK"},
		{"keeps given format indicator", []Object{{ID: "00", Value: "01"}, {ID: "01", Value: "12"}}, "000201010212"},
		{"nothing at all", nil, "000201"},
		{"template from Sub", []Object{{ID: "62", Sub: []Object{{ID: "05", Value: "***"}}}}, "00020162070503***"},
		{"template from Value", []Object{{ID: "62", Value: "0503***"}}, "00020162070503***"},
		{"template with matching Value and Sub", []Object{{ID: "80", Value: "0001X", Sub: []Object{{ID: "00", Value: "X"}}}}, "00020180050001X"},
		{"CRC object recomputed", []Object{{ID: "00", Value: "01"}, {ID: "63", Value: "ZZZZ"}}, "000201"},
		{"length in characters", []Object{{ID: "64", Sub: []Object{{ID: "00", Value: "ZH"}, {ID: "01", Value: "最佳运输"}}}}, "000201" + "6414" + "0002ZH" + "0104最佳运输"},
		{"99 characters", []Object{{ID: "65", Value: long}}, "0002016599" + long},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Encode(tt.in)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if want := withCRC(tt.want); got != want {
				t.Errorf("Encode =\n %s\nwant\n %s", got, want)
			}
			if _, err := Parse(got); err != nil {
				t.Errorf("Parse(Encode(…)): %v", err)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []Object
		msg  string
	}{
		{"bad ID", []Object{{ID: "5", Value: "x"}}, `ID "5" is not two digits`},
		{"empty value", []Object{{ID: "59", Value: ""}}, "ID 59: value is 0 characters"},
		{"100 characters", []Object{{ID: "65", Value: strings.Repeat("文", 100)}}, "ID 65: value is 100 characters; a data object holds 1-99"},
		{"template over 99", []Object{{ID: "26", Sub: []Object{{ID: "00", Value: strings.Repeat("A", 50)}, {ID: "01", Value: strings.Repeat("B", 50)}}}}, "ID 26: value is 108 characters"},
		{"duplicate", []Object{{ID: "58", Value: "HK"}, {ID: "58", Value: "HK"}}, "object 1: ID 58 appears more than once"},
		{"duplicate sub-object", []Object{{ID: "62", Sub: []Object{{ID: "05", Value: "a"}, {ID: "05", Value: "b"}}}}, "template 62: ID 05 appears more than once"},
		{"00 not first", []Object{{ID: "58", Value: "HK"}, {ID: "00", Value: "01"}}, "object 1: ID 00 must be first"},
		{"63 not last", []Object{{ID: "63", Value: "ABCD"}, {ID: "58", Value: "HK"}}, "object 0: ID 63 (CRC) must be last"},
		{"Sub on a primitive", []Object{{ID: "59", Sub: []Object{{ID: "00", Value: "x"}}}}, "ID 59: has sub-objects but is not a template"},
		{"nested template", []Object{{ID: "62", Sub: []Object{{ID: "50", Sub: []Object{{ID: "00", Value: "x"}}}}}}, "ID 50: has sub-objects but is not a template"},
		{"Value disagrees with Sub", []Object{{ID: "26", Value: "0001Y", Sub: []Object{{ID: "00", Value: "X"}}}}, "disagrees with its sub-objects"},
		{"template Value not TLV", []Object{{ID: "26", Value: "hello"}}, "ID 26: template value \"hello\" does not hold valid data objects"},
		{"invalid UTF-8", []Object{{ID: "59", Value: "a\xffb"}}, "ID 59: value is not valid UTF-8"},
		{"invalid UTF-8 in template", []Object{{ID: "62", Value: "0003a\xffb"}}, "ID 62: value is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Encode(tt.in)
			if err == nil {
				t.Fatalf("Encode = %q, want an error", got)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

// FuzzParse checks that Parse never panics, that whatever it accepts re-encodes to the
// same string, and that ParseEntryCode's answers survive StaticEntryCode.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		vectorHK, vectorKH, vectorOdd, vectorEMVCo,
		withCRC("000201010211" + "64200002ZH0104最佳运输0202北京"),
		"", "00020", "0002015920ABC", strings.TrimSuffix(vectorHK, "BD07") + "BD08",
		withCRC("000201") + "5802HK", withCRC("0002012605ABCDE"), "000201\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error %v is %T, want *ParseError", err, err)
			}
			if pe.Offset < 0 || pe.Offset > utf8.RuneCountInString(s) {
				t.Fatalf("error offset %d outside the payload: %v", pe.Offset, err)
			}
			return
		}
		got, err := Encode(p.Objects)
		if err != nil {
			t.Fatalf("Encode(Parse(%q)): %v", s, err)
		}
		if got != s {
			t.Fatalf("round trip:\n got %q\nwant %q", got, s)
		}
		m, err := ParseEntryCode(s)
		if err != nil {
			return
		}
		code, err := StaticEntryCode(m)
		if err != nil {
			t.Fatalf("StaticEntryCode(ParseEntryCode(%q)): %v", s, err)
		}
		m2, err := ParseEntryCode(code)
		if err != nil {
			t.Fatalf("ParseEntryCode(%q): %v", code, err)
		}
		if diff := cmp.Diff(m, m2); diff != "" {
			t.Fatalf("merchant changed on the way round (-first +second):\n%s", diff)
		}
	})
}
