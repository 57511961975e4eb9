// Package emvqr encodes and parses EMVCo Merchant-Presented Mode (MPM) QR payloads:
// data objects written as a two-digit ID, a two-digit length and a value, closed by a
// CRC-16/CCITT-FALSE in data object 63.
//
// Lengths count characters (runes), not bytes, so the Chinese merchant name 最佳运输 in
// template 64 has length 04; the CRC is computed over the UTF-8 bytes.
//
// Templates nest the same format inside their value. Only the IDs the specification
// defines as templates are parsed as such: 26–51 (merchant account information),
// 62 (additional data), 64 (merchant information in another language) and 80–99
// (unreserved). Everything else, including the merchant account information primitives
// 02–25, is a primitive. Nesting is one level deep: the payment-system-specific
// templates 50–99 inside template 62 are kept as primitive values.
package emvqr

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Object is one data object. For a template, Sub holds the nested data objects in
// order; Parse also keeps the template's raw text in Value.
type Object struct {
	ID    string
	Value string
	Sub   []Object
}

// Get returns the first sub-object of a template with the given ID.
func (o Object) Get(id string) (Object, bool) {
	return find(o.Sub, id)
}

// Payload is a parsed MPM payload: its root data objects in order, from 00 (payload
// format indicator) to 63 (CRC).
type Payload struct {
	Objects []Object
}

// Get returns the root data object with the given ID. Templates carry their
// sub-objects, so p.Get("26") followed by Object.Get("01") reaches a nested value.
func (p *Payload) Get(id string) (Object, bool) {
	return find(p.Objects, id)
}

func find(objs []Object, id string) (Object, bool) {
	for _, o := range objs {
		if o.ID == id {
			return o, true
		}
	}
	return Object{}, false
}

// ParseError reports a malformed payload or data object and where it is.
type ParseError struct {
	// Offset is the position in the payload, in characters (runes) from 0, of the
	// data object or field at fault.
	Offset int
	// ID names the data object, "62.05" for a sub-object. When an ID cannot be read it
	// names the enclosing template, or is empty at the root.
	ID  string
	Msg string
}

func (e *ParseError) Error() string {
	if e.ID == "" {
		return fmt.Sprintf("emvqr: at character %d: %s", e.Offset, e.Msg)
	}
	return fmt.Sprintf("emvqr: ID %s at character %d: %s", e.ID, e.Offset, e.Msg)
}

// MaxLength is the longest value a data object can hold: its length field has two digits.
const MaxLength = 99

// IsTemplate reports whether a root data object ID is defined as a template.
func IsTemplate(id string) bool {
	n, ok := twoDigits(id)
	if !ok {
		return false
	}
	return (n >= 26 && n <= 51) || n == 62 || n == 64 || n >= 80
}

// twoDigits reads an ID or a length: exactly two ASCII digits.
func twoDigits(s string) (int, bool) {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// CRC16 returns the CRC-16/CCITT-FALSE of data (polynomial 0x1021, initial value
// 0xFFFF, no reflection, no final XOR), the checksum of data object 63.
func CRC16(data []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range data {
		crc ^= uint16(b) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// Parse reads an MPM payload. It checks that every ID and length is two digits, that
// lengths are 01–99 and stay inside the payload (or template), that no ID repeats at
// one level, that 00 comes first with a two-digit value, that 63 comes last with four
// upper-case hex digits, and that the CRC matches. Template IDs (see IsTemplate) must
// hold valid nested data objects.
//
// Parse does not insist on payload format indicator "01", because published samples
// use other values; ParseEntryCode does. Errors are *ParseError.
func Parse(s string) (*Payload, error) {
	if s == "" {
		return nil, &ParseError{Msg: "empty payload"}
	}
	if !utf8.ValidString(s) {
		return nil, &ParseError{Offset: invalidUTF8At(s), Msg: "payload is not valid UTF-8"}
	}
	r := []rune(s)
	objs, starts, err := parseList(r, 0, "")
	if err != nil {
		return nil, err
	}
	if objs[0].ID != "00" {
		return nil, &ParseError{ID: objs[0].ID, Msg: "payload must start with ID 00 (payload format indicator)"}
	}
	if _, ok := twoDigits(objs[0].Value); !ok {
		return nil, &ParseError{ID: "00", Msg: fmt.Sprintf("payload format indicator %q is not two digits", objs[0].Value)}
	}
	last := len(objs) - 1
	for i, o := range objs[:last] {
		if o.ID == "63" {
			return nil, &ParseError{Offset: starts[i], ID: "63", Msg: "CRC must be the last data object"}
		}
	}
	crcObj := objs[last]
	if crcObj.ID != "63" {
		return nil, &ParseError{Offset: starts[last], ID: crcObj.ID, Msg: "last data object must be 63 (CRC)"}
	}
	if !isUpperHex4(crcObj.Value) {
		return nil, &ParseError{Offset: starts[last], ID: "63", Msg: fmt.Sprintf("CRC %q is not four upper-case hex digits", crcObj.Value)}
	}
	// The CRC object is all ASCII, so its value is the last four bytes.
	want := fmt.Sprintf("%04X", CRC16([]byte(s[:len(s)-4])))
	if crcObj.Value != want {
		return nil, &ParseError{Offset: starts[last], ID: "63", Msg: fmt.Sprintf("CRC is %s, payload checksums to %s", crcObj.Value, want)}
	}
	return &Payload{Objects: objs}, nil
}

// parseList reads consecutive data objects from r, which starts at rune offset base
// of the payload. prefix is "" at the root and "26." inside template 26.
func parseList(r []rune, base int, prefix string) ([]Object, []int, error) {
	var objs []Object
	var starts []int
	seen := make(map[string]bool)
	for i := 0; i < len(r); {
		at := base + i
		// Name the enclosing template when the ID itself cannot be read.
		where := strings.TrimSuffix(prefix, ".")
		if len(r)-i < 4 {
			return nil, nil, &ParseError{Offset: at, ID: where, Msg: fmt.Sprintf("truncated data object: %d characters left, need at least 4 for ID and length", len(r)-i)}
		}
		id := string(r[i : i+2])
		if _, ok := twoDigits(id); !ok {
			return nil, nil, &ParseError{Offset: at, ID: where, Msg: fmt.Sprintf("ID %q is not two digits", id)}
		}
		name := prefix + id
		n, ok := twoDigits(string(r[i+2 : i+4]))
		if !ok {
			return nil, nil, &ParseError{Offset: at + 2, ID: name, Msg: fmt.Sprintf("length %q is not two digits", string(r[i+2:i+4]))}
		}
		if n == 0 {
			return nil, nil, &ParseError{Offset: at + 2, ID: name, Msg: "length is 00; values hold 01-99 characters"}
		}
		if left := len(r) - i - 4; n > left {
			return nil, nil, &ParseError{Offset: at + 2, ID: name, Msg: fmt.Sprintf("length %d runs past the end (%d characters left)", n, left)}
		}
		if seen[id] {
			return nil, nil, &ParseError{Offset: at, ID: name, Msg: "ID appears more than once"}
		}
		seen[id] = true
		v := r[i+4 : i+4+n]
		o := Object{ID: id, Value: string(v)}
		if prefix == "" && IsTemplate(id) {
			sub, _, err := parseList(v, at+4, id+".")
			if err != nil {
				return nil, nil, err
			}
			o.Sub = sub
		}
		objs = append(objs, o)
		starts = append(starts, at)
		i += 4 + n
	}
	return objs, starts, nil
}

func isUpperHex4(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// invalidUTF8At returns the rune offset of the first invalid UTF-8 sequence in s.
func invalidUTF8At(s string) int {
	n := 0
	for i, c := range s {
		if c == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return n
			}
		}
		n++
	}
	return n
}

// Encode writes data objects as an MPM payload and appends the CRC (6304 and four
// upper-case hex digits).
//
// If the first object is not 00, Encode starts the payload with 00 "01"; an ID 00
// anywhere else is an error. An object 63 may end the list (as Parse returns it): its
// value is ignored and recomputed. Values must be valid UTF-8 of 1–99 characters and
// IDs must not repeat at one level. A template is written from Sub when Sub is set (a
// non-empty Value must then equal the encoded Sub) and from Value otherwise, which must
// then hold valid data objects; Sub on a non-template ID is an error. The result always
// parses with Parse, and Encode(p.Objects) gives back the string p was parsed from.
func Encode(objs []Object) (string, error) {
	var b strings.Builder
	if len(objs) == 0 || objs[0].ID != "00" {
		b.WriteString("000201")
	}
	seen := map[string]bool{"63": true}
	for i, o := range objs {
		if o.ID == "63" {
			if i != len(objs)-1 {
				return "", fmt.Errorf("emvqr: object %d: ID 63 (CRC) must be last", i)
			}
			continue
		}
		if o.ID == "00" && i != 0 {
			return "", fmt.Errorf("emvqr: object %d: ID 00 must be first", i)
		}
		if err := writeObject(&b, o, true, seen); err != nil {
			return "", fmt.Errorf("emvqr: object %d: %w", i, err)
		}
	}
	b.WriteString("6304")
	fmt.Fprintf(&b, "%04X", CRC16([]byte(b.String())))
	return b.String(), nil
}

// writeObject validates o and appends it to b. root is false inside a template.
func writeObject(b *strings.Builder, o Object, root bool, seen map[string]bool) error {
	if _, ok := twoDigits(o.ID); !ok {
		return fmt.Errorf("ID %q is not two digits", o.ID)
	}
	if seen[o.ID] {
		return fmt.Errorf("ID %s appears more than once", o.ID)
	}
	seen[o.ID] = true
	template := root && IsTemplate(o.ID)
	v := o.Value
	switch {
	case len(o.Sub) > 0 && !template:
		return fmt.Errorf("ID %s: has sub-objects but is not a template", o.ID)
	case len(o.Sub) > 0:
		var sb strings.Builder
		subSeen := make(map[string]bool)
		for _, s := range o.Sub {
			if err := writeObject(&sb, s, false, subSeen); err != nil {
				return fmt.Errorf("template %s: %w", o.ID, err)
			}
		}
		v = sb.String()
		if o.Value != "" && o.Value != v {
			return fmt.Errorf("ID %s: Value %q disagrees with its sub-objects %q", o.ID, o.Value, v)
		}
	case template:
		if !utf8.ValidString(v) {
			break // reported below
		}
		if _, _, err := parseList([]rune(v), 0, o.ID+"."); err != nil {
			return fmt.Errorf("ID %s: template value %q does not hold valid data objects", o.ID, v)
		}
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("ID %s: value is not valid UTF-8", o.ID)
	}
	n := utf8.RuneCountInString(v)
	if n == 0 || n > MaxLength {
		return fmt.Errorf("ID %s: value is %d characters; a data object holds 1-%d", o.ID, n, MaxLength)
	}
	fmt.Fprintf(b, "%s%02d%s", o.ID, n, v)
	return nil
}
