package fx

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
)

// ratesHeader is the header FormatRatesFile writes; ParseRatesFile also accepts it
// without the as_of column.
const ratesHeader = "base,quote,price,as_of"

// maxLineBytes bounds one line of a rates file; a real line is under 80 bytes, so a
// longer one is a wrong file, not a rate.
const maxLineBytes = 4096

// futureSlack is how far ahead of now an as_of may be. A date-only as_of means midnight
// UTC, which is already "tomorrow" east of Greenwich, so allow a day; anything later is
// a typing error that would otherwise make the rate win over every correct one.
const futureSlack = 24 * time.Hour

// earliestAsOf is the earliest as_of a rates file may carry. Nothing older is a rate
// anyone would price with, and the bound keeps every accepted time writable in RFC 3339.
var earliestAsOf = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// CheckRate reports whether r can price quotes: Base and Quote are ISO 4217 codes known
// to entrypay.Digits and differ, and Price is a positive plain decimal ("7.8",
// "0.0512"; no sign, exponent or leading zero) with at most 20 significant digits and
// 20 decimal places. It does not look at the times or the source. The error is an
// *entrypay.Error (ECurrencyNotSupported or EInvalid) naming the pair; an admin API can
// show it as it is.
func CheckRate(r entrypay.Rate) error {
	if msg := rateProblem(r); msg != "" {
		code := entrypay.EInvalid
		if _, ok := entrypay.Digits(r.Base); !ok {
			code = entrypay.ECurrencyNotSupported
		} else if _, ok := entrypay.Digits(r.Quote); !ok {
			code = entrypay.ECurrencyNotSupported
		}
		return entrypay.Errorf(code, "rate %s/%s: %s", clip(r.Base), clip(r.Quote), msg)
	}
	return nil
}

// rateProblem describes what is wrong with r, or returns "".
func rateProblem(r entrypay.Rate) string {
	for _, f := range []struct{ name, code string }{{"base", r.Base}, {"quote", r.Quote}} {
		if _, ok := entrypay.Digits(f.code); !ok {
			return fmt.Sprintf("%s %q is not an ISO 4217 currency code (three upper-case letters, such as USD)", f.name, clip(f.code))
		}
	}
	if r.Base == r.Quote {
		return fmt.Sprintf("base and quote are both %s", r.Base)
	}
	if _, err := parsePrice(r.Price, maxRateDigits); err != nil {
		return fmt.Sprintf("price %q %v", clip(r.Price), err)
	}
	return ""
}

// ParseRatesFile reads the operator's rates file: CSV whose first line (after any
// comments) is the header "base,quote,price" or "base,quote,price,as_of", then one rate
// a line, each with as many fields as the header. Lines starting with # and blank lines
// are skipped; spaces around fields and a UTF-8 byte-order mark are ignored.
//
// A line is "BASE,QUOTE,PRICE[,AS_OF]": PRICE units of QUOTE buy one BASE, with the
// rules of CheckRate. AS_OF is RFC 3339 ("2026-11-25T16:00:00+08:00") or a date
// ("2026-11-25", meaning midnight UTC); empty or absent means now. It must be no earlier
// than 1970 and no later than a day after now. The same pair may appear for different
// as_of times (history), but not twice for the same one.
//
// Every rate gets Source source ("file" when empty) and CreatedAt now. The whole file is
// refused on the first bad line, with an *entrypay.Error (EInvalid) naming the line
// number and the problem, so that an operator never imports half a file. A file with no
// rates is refused too.
func ParseRatesFile(r io.Reader, source string, now time.Time) ([]entrypay.Rate, error) {
	if source == "" {
		source = "file"
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), maxLineBytes)
	bad := func(line int, format string, args ...any) error {
		return entrypay.Errorf(entrypay.EInvalid, "rates file line %d: %s", line, fmt.Sprintf(format, args...))
	}
	var (
		rates []entrypay.Rate
		cols  int // 0 until the header is read
		line  int
		seen  = map[string]int{} // pair and as_of → line, to refuse duplicates
	)
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		text = strings.TrimSpace(text)
		if text == "" || text[0] == '#' {
			continue
		}
		fields := strings.Split(text, ",")
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		if cols == 0 {
			h := strings.ToLower(strings.Join(fields, ","))
			if h != ratesHeader && h != "base,quote,price" {
				return nil, bad(line, "the header must be %q or \"base,quote,price\", not %q", ratesHeader, clip(text))
			}
			cols = len(fields)
			continue
		}
		if len(fields) != cols {
			return nil, bad(line, "%d fields, but the header has %d", len(fields), cols)
		}
		rate := entrypay.Rate{Base: fields[0], Quote: fields[1], Price: fields[2], Source: source, AsOf: now, CreatedAt: now}
		if msg := rateProblem(rate); msg != "" {
			return nil, bad(line, "%s", msg)
		}
		if cols == 4 && fields[3] != "" {
			t, err := parseAsOf(fields[3])
			if err != nil {
				return nil, bad(line, "as_of %q is neither RFC 3339 (2026-11-25T16:00:00+08:00) nor a date (2026-11-25)", clip(fields[3]))
			}
			if t.Before(earliestAsOf) {
				return nil, bad(line, "as_of %s is before 1970", fields[3])
			}
			if t.After(now.Add(futureSlack)) {
				return nil, bad(line, "as_of %s is in the future", fields[3])
			}
			rate.AsOf = t
		}
		key := rate.Pair() + " " + rate.AsOf.UTC().Format(time.RFC3339Nano)
		if first, ok := seen[key]; ok {
			return nil, bad(line, "%s as of %s repeats line %d", rate.Pair(), rate.AsOf.Format(time.RFC3339Nano), first)
		}
		seen[key] = line
		rates = append(rates, rate)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, bad(line+1, "longer than %d bytes", maxLineBytes)
		}
		return nil, fmt.Errorf("read rates file: %w", err)
	}
	if cols == 0 {
		return nil, entrypay.Errorf(entrypay.EInvalid, "rates file: no header line %q", ratesHeader)
	}
	if len(rates) == 0 {
		return nil, entrypay.Errorf(entrypay.EInvalid, "rates file: no rates after the header")
	}
	return rates, nil
}

// parseAsOf reads a date or an RFC 3339 time.
func parseAsOf(s string) (time.Time, error) {
	if len(s) == len(time.DateOnly) {
		return time.Parse(time.DateOnly, s)
	}
	return time.Parse(time.RFC3339, s)
}

// FormatRatesFile writes rates as a rates file that ParseRatesFile reads back to the
// same rates (apart from Source and CreatedAt, which the file does not carry): the
// header "base,quote,price,as_of", then one line per rate with AsOf in UTC, RFC 3339 with
// nanoseconds. It refuses, before writing anything, a rate CheckRate refuses, an AsOf
// before 1970 or after 9999 (including a zero one), and two rates for the same pair and
// AsOf. It does not check that AsOf is not in the future, having no clock;
// ParseRatesFile does.
func FormatRatesFile(w io.Writer, rates []entrypay.Rate) error {
	seen := make(map[string]int, len(rates))
	for i, r := range rates {
		if err := CheckRate(r); err != nil {
			return fmt.Errorf("format rates file: rate %d: %w", i+1, err)
		}
		if r.AsOf.Before(earliestAsOf) || r.AsOf.UTC().Year() > 9999 {
			return entrypay.Errorf(entrypay.EInvalid, "format rates file: rate %d: %s as of %s is outside 1970..9999", i+1, r.Pair(), r.AsOf.UTC().Format(time.RFC3339))
		}
		key := r.Pair() + " " + r.AsOf.UTC().Format(time.RFC3339Nano)
		if first, ok := seen[key]; ok {
			return entrypay.Errorf(entrypay.EInvalid, "format rates file: rate %d: %s as of %s repeats rate %d", i+1, r.Pair(), r.AsOf.Format(time.RFC3339Nano), first)
		}
		seen[key] = i + 1
	}
	// bufio keeps the first write error and returns it from Flush.
	bw := bufio.NewWriter(w)
	bw.WriteString(ratesHeader + "\n")
	for _, r := range rates {
		fmt.Fprintf(bw, "%s,%s,%s,%s\n", r.Base, r.Quote, r.Price, r.AsOf.UTC().Format(time.RFC3339Nano))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("format rates file: %w", err)
	}
	return nil
}
