// Package jsonwire holds the JSON conventions shared by the Antom merchant API and the
// Alipay+ acquirer protocol: every scalar travels as a JSON string but senders also use
// native booleans and numbers, unknown fields are refused, and every decoding error names
// the field it is about.
package jsonwire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// String is a scalar that is written as a JSON string and read from a JSON string, number
// or boolean. null reads as "".
type String string

// UnmarshalJSON implements json.Unmarshaler.
func (s *String) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return &json.UnmarshalTypeError{Value: "empty", Type: reflect.TypeFor[String]()}
	}
	switch data[0] {
	case '"':
		var v string
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		*s = String(v)
	case 'n':
		*s = ""
	case 't', 'f':
		*s = String(data)
	case '{':
		return &json.UnmarshalTypeError{Value: "object", Type: reflect.TypeFor[String]()}
	case '[':
		return &json.UnmarshalTypeError{Value: "array", Type: reflect.TypeFor[String]()}
	default:
		// A JSON number: keep its literal text so "100" and 100 mean the same.
		*s = String(data)
	}
	return nil
}

// Error is a decoding problem about one field. Field is the dotted JSON path ("" for the
// body as a whole).
type Error struct {
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Decode reads exactly one JSON object from data into v, refusing unknown fields and
// trailing data. Every error it returns is an *Error naming the field.
func Decode(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return &Error{Message: "request body is empty, want a JSON object"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describe(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &Error{Message: "unexpected data after the JSON object"}
	}
	return nil
}

func describe(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return &Error{Message: fmt.Sprintf("body is not valid JSON (at byte %d)", syntax.Offset)}
	case errors.As(err, &typ):
		if typ.Field == "" {
			return &Error{Message: fmt.Sprintf("body must be a JSON object, not %s", typ.Value)}
		}
		return &Error{Field: typ.Field, Message: fmt.Sprintf("must be %s, not %s", kind(typ.Type), typ.Value)}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &Error{Message: "body is truncated JSON"}
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return &Error{Field: strings.Trim(name, `"`), Message: "unknown field"}
	}
	return &Error{Message: "body is not valid JSON: " + strings.TrimPrefix(msg, "json: ")}
}

func kind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64:
		return "a number"
	}
	return "a " + t.Kind().String()
}
