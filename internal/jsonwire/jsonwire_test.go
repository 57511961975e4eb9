package jsonwire

import (
	"errors"
	"testing"
)

type amount struct {
	Currency String `json:"currency"`
	Value    String `json:"value"`
}

type request struct {
	ID     String   `json:"id"`
	Amount *amount  `json:"amount"`
	List   []amount `json:"list"`
	Flag   String   `json:"flag"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		body      string
		wantField string
		wantMsg   string
		check     func(r request) bool
	}{
		{body: `{"id":"a","amount":{"currency":"USD","value":"100"}}`, check: func(r request) bool { return r.Amount.Value == "100" }},
		{body: `{"id":7,"amount":{"currency":"USD","value":100},"flag":true}`, check: func(r request) bool {
			return r.ID == "7" && r.Amount.Value == "100" && r.Flag == "true"
		}},
		{body: `{"id":null}`, check: func(r request) bool { return r.ID == "" }},
		{body: `{"amount":{"value":{}}}`, wantField: "amount.value", wantMsg: "must be a string, not object"},
		{body: `{"list":[{"value":[1]}]}`, wantField: "list.value", wantMsg: "not array"},
		{body: `{"amount":"100"}`, wantField: "amount", wantMsg: "must be an object"},
		{body: `{"amount":{"other":1}}`, wantField: "other", wantMsg: "unknown field"},
		{body: `{"idx":1}`, wantField: "idx", wantMsg: "unknown field"},
		{body: `[]`, wantMsg: "must be a JSON object"},
		{body: `"x"`, wantMsg: "must be a JSON object"},
		{body: ``, wantMsg: "empty"},
		{body: `{"id":"a"} {}`, wantMsg: "after the JSON object"},
		{body: `{"id":"a"`, wantMsg: "truncated"},
		{body: `{"id":"a",}`, wantMsg: "not valid JSON"},
		{body: "\xff", wantMsg: "not valid JSON"},
	}
	for _, tt := range tests {
		var r request
		err := Decode([]byte(tt.body), &r)
		if tt.check != nil {
			if err != nil || !tt.check(r) {
				t.Errorf("Decode(%s) = %+v, %v", tt.body, r, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Decode(%s) error = %v, want *Error", tt.body, err)
			continue
		}
		if e.Field != tt.wantField || !contains(e.Message, tt.wantMsg) {
			t.Errorf("Decode(%s) = field %q message %q; want field %q message containing %q", tt.body, e.Field, e.Message, tt.wantField, tt.wantMsg)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"id":"a","amount":{"currency":"USD","value":"100"}}`, `{"list":[{}]}`, `{"id":1e400}`, `{"flag":tru}`, `{"amount":{"value":"\u0000"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r request
		err := Decode(data, &r)
		if err == nil {
			return
		}
		var e *Error
		if !errors.As(err, &e) || e.Message == "" {
			t.Fatalf("Decode error %v (%T) is not a described *Error", err, err)
		}
	})
}
