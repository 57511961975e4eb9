package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/entrypay/entrypay/internal/testdb"
)

// TestUserCreate creates dashboard users with the command and follows the printed links
// on a running server: each sets a password and signs in, once.
func TestUserCreate(t *testing.T) {
	for _, kind := range testdb.Engines() {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			dsn := testdb.DSN(t, kind)
			srv := startServe(t, fastServeArgs(dsn)...)
			m := createMerchant(t, dsn)

			out := runCmd(t, "user", "create", "--db", dsn, "--public-url", srv.url, "--merchant", m.MerchantID,
				"--email", "Owner@Noodle.example", "--role", "owner", "--json")
			var u userJSON
			if err := json.Unmarshal([]byte(out), &u); err != nil {
				t.Fatalf("user create printed %q: %v", out, err)
			}
			if u.Email != "owner@noodle.example" || u.Role != "owner" || u.MerchantID != m.MerchantID || u.Purpose != "invite" ||
				!strings.HasPrefix(u.Link, srv.url+"/dashboard/link/") {
				t.Fatalf("user create: %+v", u)
			}
			home := followLink(t, u.Link, "a password of my own")
			if !strings.Contains(home, "<h1>Noodle Bar</h1>") {
				t.Fatalf("home page after the invitation:\n%s", home)
			}
			if resp, _ := get(t, newClient(), u.Link); resp.StatusCode != http.StatusNotFound {
				t.Fatalf("invitation used twice: %d", resp.StatusCode)
			}

			// A reset link, printed as text.
			text := runCmd(t, "user", "reset", "--db", dsn, "--public-url", srv.url, "--email", "owner@noodle.example")
			link := regexp.MustCompile(`(?m)^(http://\S+/dashboard/link/\S+)$`).FindStringSubmatch(text)
			if link == nil || !strings.Contains(text, "valid once for 1h0m0s") {
				t.Fatalf("user reset printed %q", text)
			}
			followLink(t, link[1], "another password of mine")

			// An operator; refusals of incomplete or contradictory flags.
			text = runCmd(t, "user", "create", "--db", dsn, "--public-url", srv.url, "--operator", "--email", "ops@entrypay.example")
			if !strings.Contains(text, "operator") || !strings.Contains(text, srv.url+"/dashboard/link/") {
				t.Fatalf("operator create printed %q", text)
			}
			for _, args := range [][]string{
				{"user", "create", "--db", dsn, "--email", "x@y.example", "--role", "owner"},
				{"user", "create", "--db", dsn, "--merchant", m.MerchantID, "--email", "x@y.example", "--role", "boss"},
				{"user", "create", "--db", dsn, "--operator", "--merchant", m.MerchantID, "--email", "x@y.example"},
				{"user", "create", "--db", dsn, "--merchant", m.MerchantID, "--email", "owner@noodle.example", "--role", "viewer"},
				{"user", "create", "--db", dsn, "--merchant", "mer_NOPE", "--email", "z@y.example", "--role", "viewer"},
				{"user", "reset", "--db", dsn, "--email", "nobody@y.example"},
			} {
				var out, errOut bytes.Buffer
				if err := run(context.Background(), append([]string{"entrypay"}, args...), noEnv, strings.NewReader(""), &out, &errOut); err == nil {
					t.Errorf("entrypay %s succeeded: %s", strings.Join(args[3:], " "), out.String())
				}
			}
		})
	}
}

func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// followLink opens a one-time link, sets password and returns the page it lands on.
func followLink(t *testing.T, link, password string) string {
	t.Helper()
	c := newClient()
	resp, page := get(t, c, link)
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || csrf == nil {
		t.Fatalf("link page: %d %s", resp.StatusCode, page)
	}
	resp, err := c.PostForm(link, url.Values{"csrf": {csrf[1]}, "password": {password}, "confirm": {password}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasSuffix(resp.Request.URL.Path, "/dashboard/") {
		t.Fatalf("set password: %d at %s: %s", resp.StatusCode, resp.Request.URL, body)
	}
	return string(body)
}
