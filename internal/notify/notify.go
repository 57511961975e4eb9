// Package notify delivers entrypay's notifyPayment messages to merchants over HTTP: signed
// with the gateway key, acknowledged only by HTTP 200 with result.resultStatus "S", and
// never sent to loopback or private addresses unless the operator allows it.
package notify

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
)

// Config configures a Notifier.
type Config struct {
	Key        *rsa.PrivateKey
	KeyVersion int
	// AllowPrivate permits loopback and private destinations (development and the demo).
	AllowPrivate bool
	// Timeout bounds one attempt (10 s).
	Timeout time.Duration
	Now     func() time.Time
}

// Notifier implements entrypay.Notifier.
type Notifier struct {
	cfg    Config
	client *http.Client
}

// ErrForbiddenAddress is returned for destinations the policy refuses.
var ErrForbiddenAddress = errors.New("destination address is not allowed")

// New returns a Notifier whose HTTP client checks every address it connects to, after DNS
// resolution, so a hostname that resolves to a private address is refused too.
func New(cfg Config) *Notifier {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !cfg.AllowPrivate {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
			}
			if forbidden(ap.Addr()) {
				return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
			}
			return nil
		}
	}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	return &Notifier{cfg: cfg, client: &http.Client{
		Transport: transport,
		Timeout:   cfg.Timeout,
		// A redirect is not an acknowledgement, and following it could lead anywhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Prefixes refused besides those netip classifies.
var (
	carrierNAT = netip.MustParsePrefix("100.64.0.0/10")
	// thisNetwork is 0.0.0.0/8: Linux connects 0.0.0.0 to the local machine.
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
)

func forbidden(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() ||
		carrierNAT.Contains(a) || thisNetwork.Contains(a)
}

// CheckURL implements entrypay.Notifier: http(s) only; literal private addresses and
// localhost are refused unless allowed.
func (n *Notifier) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	// An empty host name ("http://:8080/") dials the local machine.
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return errors.New("must be an absolute http or https URL")
	}
	if n.cfg.AllowPrivate {
		return nil
	}
	// A trailing dot makes a name absolute; "localhost." is still localhost.
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return errors.New("must not point at localhost")
	}
	if a, err := netip.ParseAddr(host); err == nil && forbidden(a) {
		return fmt.Errorf("must not point at the private address %s", a)
	}
	return nil
}

// Format implements entrypay.Notifier.
func (n *Notifier) Format(p *entrypay.Payment, _ *entrypay.Merchant) ([]byte, error) {
	return json.Marshal(ams.NotificationOf(p))
}

// FormatRegistration implements entrypay.Notifier: the notifyRegistrationStatus body.
func (n *Notifier) FormatRegistration(r *entrypay.Registration, agentToken string) ([]byte, error) {
	return json.Marshal(ams.NotifyRegistrationOf(r, agentToken))
}

// maxLoggedResponse is how much of a merchant's answer is kept with the attempt.
const maxLoggedResponse = 512

// loggable returns at most max bytes of the start of b as text a database accepts in a
// text column: valid UTF-8 (invalid bytes become U+FFFD), no NUL bytes, and not cut in the
// middle of a character. A merchant's answer can be anything; recording the attempt must
// not fail because of it.
func loggable(b []byte, max int) string {
	if len(b) > 4*max {
		b = b[:4*max] // enough for max bytes of output whatever the replacements
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// Deliver implements entrypay.Notifier.
func (n *Notifier) Deliver(ctx context.Context, m *entrypay.Merchant, note *entrypay.Notification) entrypay.NotificationAttempt {
	start := n.cfg.Now()
	att := entrypay.NotificationAttempt{NotificationID: note.ID, At: start}
	fail := func(err error) entrypay.NotificationAttempt {
		att.Error = err.Error()
		att.Duration = n.cfg.Now().Sub(start)
		return att
	}
	if err := n.CheckURL(note.URL); err != nil {
		return fail(fmt.Errorf("notify URL %s", err))
	}
	u, err := url.Parse(note.URL)
	if err != nil {
		return fail(err)
	}
	caller := &antomsig.Caller{
		HTTP:        n.client,
		BaseURL:     u.Scheme + "://" + u.Host,
		ClientID:    m.ClientID,
		Signer:      antomsig.Signer{Key: n.cfg.Key, KeyVersion: n.cfg.KeyVersion},
		RequestTime: func(t time.Time) string { return t.Format(antomsig.NotifyTimeLayout) },
		Now:         n.cfg.Now,
	}
	ans, err := caller.Post(ctx, u.RequestURI(), note.Body)
	att.Duration = n.cfg.Now().Sub(start)
	att.HTTPStatus = ans.Status
	att.Response = loggable(ans.Body, maxLoggedResponse)
	if err != nil {
		att.Error = err.Error()
		return att
	}
	var ack ams.ResultOnly
	if err := json.Unmarshal(ans.Body, &ack); err != nil {
		att.Error = "acknowledgement is not JSON"
		return att
	}
	if ack.Result.ResultStatus != ams.StatusSuccess {
		att.Error = fmt.Sprintf("acknowledgement resultStatus %q, want S", ack.Result.ResultStatus)
		return att
	}
	att.Acknowledged = true
	return att
}
