package antomsig

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// ResponseTimeLayout is ISO 8601 to the second, as Antom writes Response-Time.
const ResponseTimeLayout = "2006-01-02T15:04:05Z07:00"

// NotifyTimeLayout is ISO 8601 with milliseconds, as Antom writes the Request-Time of
// notifications.
const NotifyTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// FormatMillis formats t as a millisecond Unix epoch, the Request-Time form current SDKs send.
func FormatMillis(t time.Time) string {
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// ParseTime reads a Request-Time or Response-Time header: a millisecond Unix epoch or an
// ISO 8601 date-time with offset (with or without fractional seconds).
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty time")
	}
	if isDigits(s) {
		if len(s) < 12 || len(s) > 15 {
			return time.Time{}, errors.New("epoch time must be in milliseconds")
		}
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, errors.New("epoch time out of range")
		}
		return time.UnixMilli(ms), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("want a millisecond epoch or an ISO 8601 date-time with offset")
	}
	return t, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
