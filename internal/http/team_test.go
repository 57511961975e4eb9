package http_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/antomsig"
)

// TestDashboardTeam: the owner invites, resets and removes its merchant's users; other
// roles only see the list; another merchant's users cannot be reached.
func TestDashboardTeam(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		ctx := context.Background()
		ownerEmail := h.user(t, h.merchant, entrypay.RoleOwner)
		owner := h.browser(t)
		if resp, _ := owner.login(ownerEmail, goodPassword); resp.StatusCode != http.StatusSeeOther {
			t.Fatal("owner login")
		}
		_, page := owner.get("/dashboard/team")
		csrf := hidden(t, page, "csrf")
		if !strings.Contains(page, ownerEmail+" (you)") || !strings.Contains(page, `action="/dashboard/team"`) {
			t.Fatalf("team page:\n%s", page)
		}

		// Bad invitations are explained and write nothing.
		for _, tc := range []struct{ email, role, want string }{
			{"not-an-email", "viewer", "Not invited: "},
			{"x@shop.example", "operator", "Not invited: role must be owner, refunder or viewer."},
			{"x@shop.example", "boss", "Not invited: role must be owner, refunder or viewer."},
			{ownerEmail, "viewer", "exists already"},
		} {
			resp, body := owner.post("/dashboard/team", url.Values{"csrf": {csrf}, "email": {tc.email}, "role": {tc.role}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
				t.Errorf("invite %s as %s: %d, want 422 with %q", tc.email, tc.role, resp.StatusCode, tc.want)
			}
		}
		if _, err := h.gw.UserByEmail(ctx, "x@shop.example"); err == nil {
			t.Error("a refused invitation created a user")
		}

		resp, body := owner.post("/dashboard/team", url.Values{"csrf": {csrf}, "email": {" New@Shop.example "}, "role": {"refunder"}})
		link := regexp.MustCompile(`<code id="one-time-link">(http://[^<]+/dashboard/link/[^<]+)</code>`).FindStringSubmatch(body)
		if resp.StatusCode != http.StatusOK || link == nil || !strings.Contains(body, "new@shop.example is invited as refunder.") {
			t.Fatalf("invite: %d\n%s", resp.StatusCode, body)
		}
		member := h.browser(t)
		if resp, _ := member.get(strings.TrimPrefix(link[1], h.url)); resp.StatusCode != http.StatusOK {
			t.Fatalf("the invitation link: %d", resp.StatusCode)
		}
		if _, err := h.gw.UseLink(ctx, strings.TrimPrefix(link[1], h.url+"/dashboard/link/"), goodPassword); err != nil {
			t.Fatal(err)
		}
		if resp, _ := member.login("new@shop.example", goodPassword); resp.StatusCode != http.StatusSeeOther {
			t.Fatal("the new member cannot sign in")
		}
		m, _ := h.gw.UserByEmail(ctx, "new@shop.example")

		// A refunder sees the team but changes nothing.
		_, mpage := member.get("/dashboard/team")
		if strings.Contains(mpage, `action="/dashboard/team"`) || !strings.Contains(mpage, ownerEmail) {
			t.Errorf("refunder's team page:\n%s", mpage)
		}
		mcsrf := hidden(t, mpage, "csrf")
		for path, form := range map[string]url.Values{
			"/dashboard/team":                       {"email": {"y@shop.example"}, "role": {"owner"}},
			"/dashboard/team/" + m.ID + "/reset":    {},
			"/dashboard/team/" + m.ID + "/remove":   {"confirm": {"yes"}},
			"/dashboard/team/" + m.ID + "/remove#2": {},
		} {
			form.Set("csrf", mcsrf)
			if resp, _ := member.post(strings.TrimSuffix(path, "#2"), form); resp.StatusCode != http.StatusForbidden {
				t.Errorf("refunder's POST %s: %d, want 403", path, resp.StatusCode)
			}
		}

		// Another merchant's user is not in the team: 404 as for no user at all.
		other, err := h.gw.CreateMerchant(ctx, entrypay.NewMerchant{Name: "Other", MCC: "5812", Region: "HK", SettlementCurrency: "HKD", Sandbox: true, PublicKey: antomsig.EncodePublicKey(&merchantKey.PublicKey)})
		if err != nil {
			t.Fatal(err)
		}
		stranger, _ := h.gw.UserByEmail(ctx, h.user(t, other, entrypay.RoleViewer))
		for _, id := range []string{stranger.ID, "usr_nope"} {
			for _, action := range []string{"reset", "remove"} {
				if resp, _ := owner.post("/dashboard/team/"+id+"/"+action, url.Values{"csrf": {csrf}, "confirm": {"yes"}}); resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s of %s: %d, want 404", action, id, resp.StatusCode)
				}
			}
		}
		if _, err := h.gw.UserByEmail(ctx, stranger.Email); err != nil {
			t.Errorf("the other merchant's user is gone: %v", err)
		}

		// A reset link for the member.
		resp, body = owner.post("/dashboard/team/"+m.ID+"/reset", url.Values{"csrf": {csrf}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "A password reset link for new@shop.example is ready.") || !strings.Contains(body, "for 1 hour") {
			t.Errorf("reset: %d\n%s", resp.StatusCode, body)
		}

		// Removing: confirmed, not oneself, and the member is signed out at once.
		self, _ := h.gw.UserByEmail(ctx, ownerEmail)
		if resp, body := owner.post("/dashboard/team/"+m.ID+"/remove", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "tick the box") {
			t.Errorf("unconfirmed remove: %d", resp.StatusCode)
		}
		if resp, body := owner.post("/dashboard/team/"+self.ID+"/remove", url.Values{"csrf": {csrf}, "confirm": {"yes"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "you cannot remove yourself") {
			t.Errorf("removing oneself: %d", resp.StatusCode)
		}
		if resp, _ := owner.post("/dashboard/team/"+m.ID+"/remove", url.Values{"csrf": {csrf}, "confirm": {"yes"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove: %d", resp.StatusCode)
		}
		if resp, _ := member.get("/dashboard/"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboard/login" {
			t.Errorf("the removed member still has a session: %d", resp.StatusCode)
		}
		actions := map[string]int{}
		for _, e := range h.audit(t, entrypay.AuditQuery{MerchantID: h.merchant.ID}) {
			if e.Email == ownerEmail {
				actions[e.Action]++
			}
		}
		if actions[entrypay.AuditUserCreated] != 1 || actions[entrypay.AuditLinkIssued] != 1 || actions[entrypay.AuditUserRemoved] != 1 {
			t.Errorf("audit by the owner: %v", actions)
		}
	})
}
