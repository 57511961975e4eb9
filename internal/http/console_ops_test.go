package http_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/sandbox"
)

// reviewRules are the built-in rules with one more: payments from HK$500 are held for
// review.
func reviewRules(t *testing.T) string {
	return rules(t, "rules:\n", "rules:\n  - name: big_payment\n    when: kind == \"payment\" && amount >= 50000\n    action: review\n    reason: BIG_PAYMENT\n")
}

// auditOf returns the audit entries of an action, newest first.
func (h *harness) auditOf(t *testing.T, action string) []*entrypay.AuditEntry {
	t.Helper()
	es, err := h.gw.AuditLog(context.Background(), entrypay.AuditQuery{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// discrepancy stores one discrepancy through a reconciliation run: the wallet side
// cleared a payment entrypay never had.
func (h *harness) discrepancy(t *testing.T, requestID string) *entrypay.StoredDiscrepancy {
	t.Helper()
	ctx := context.Background()
	date := h.gw.ClearingOf().Date(time.Now())
	res, err := h.gw.Reconcile(ctx, entrypay.Reconciliation{Network: entrypay.NetworkSandbox, Date: date, Lines: []entrypay.ClearingLine{{
		TransactionID: "t-" + requestID, RequestID: requestID, Type: entrypay.TxPayment, Time: time.Now(), Amount: entrypay.Amount{Value: 1234, Currency: "HKD"},
	}}})
	if err != nil || len(res.Discrepancies) != 1 {
		t.Fatalf("reconcile: %+v %v", res, err)
	}
	ds, err := h.gw.Discrepancies(ctx, entrypay.DiscrepancyQuery{State: entrypay.DiscrepancyOpen})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.RequestID == requestID {
			return d
		}
	}
	t.Fatalf("discrepancy of %s not stored: %+v", requestID, ds)
	return nil
}

var jobIDRe = regexp.MustCompile(`/dashboard/operator/jobs/(\d+)/retry`)

func TestConsoleOps(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		ctx := context.Background()
		op := h.signedIn(t, nil, entrypay.RoleOperator)
		owner := h.signedIn(t, h.merchant, entrypay.RoleOwner)

		// A payment held for review.
		h.upload(t, reviewRules(t), "LIVE")
		res, resp := h.riskPay(t, riskPay{id: "held-1", value: 60000, merchant: h.merchant})
		if res.ResultStatus != "U" && res.ResultStatus != "S" {
			t.Fatalf("held pay: %+v", res)
		}
		d := h.lastDecision(t, h.merchant)
		if d.Outcome != entrypay.RiskReview || d.Review != entrypay.ReviewPending {
			t.Fatalf("decision %s %s %v", d.Outcome, d.Review, fired(d))
		}
		payID := resp.PaymentID
		if payID == "" {
			payID = d.PaymentID
		}
		disc := h.discrepancy(t, "pay_GHOST1")

		// Every page renders for an operator.
		pages := map[string]string{
			"/dashboard/operator/risk":                      "Risk rules",
			"/dashboard/operator/risk/new":                  "big_payment",
			"/dashboard/operator/risk/1":                    "Rule set version 1",
			"/dashboard/operator/risk/1/status?to=SHADOW":   "Make version 1 SHADOW?",
			"/dashboard/operator/review":                    payID,
			"/dashboard/operator/review/" + d.ID:            "BIG_PAYMENT",
			"/dashboard/operator/reconciliation":            "pay_GHOST1",
			"/dashboard/operator/reconciliation/" + disc.ID: "MISSING_ON_OUR_SIDE",
			"/dashboard/operator/jobs":                      "watch_payment",
			"/dashboard/operator/health":                    "Schema version",
			"/dashboard/operator/audit":                     "login",
		}
		for path, want := range pages {
			resp, body := op.get(path)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("GET %s: %d, want 200 with %q:\n%s", path, resp.StatusCode, want, body)
			}
		}
		if _, body := op.get("/dashboard/operator/review"); !strings.Contains(body, "Noodle Bar") || !strings.Contains(body, "600.00 HKD") || !strings.Contains(body, "big_payment") {
			t.Errorf("review queue lacks merchant, amount or rule:\n%s", body)
		}
		_, page := op.get("/dashboard/operator/risk")
		csrf := hidden(t, page, "csrf")

		// A merchant's owner gets 403 on every route, GET and POST.
		ownerCSRF := hidden(t, func() string { _, b := owner.get("/dashboard/"); return b }(), "csrf")
		for path := range pages {
			if resp, _ := owner.get(path); resp.StatusCode != http.StatusForbidden {
				t.Errorf("owner GET %s: %d, want 403", path, resp.StatusCode)
			}
		}
		for _, path := range []string{
			"/dashboard/operator/risk", "/dashboard/operator/risk/1/status",
			"/dashboard/operator/review/" + d.ID + "/release", "/dashboard/operator/review/" + d.ID + "/reject",
			"/dashboard/operator/reconciliation/" + disc.ID + "/resolve",
			"/dashboard/operator/jobs/1/retry", "/dashboard/operator/jobs/1/discard",
		} {
			if resp, _ := owner.post(path, url.Values{"csrf": {ownerCSRF}, "note": {"x"}, "source": {reviewRules(t)}, "status": {"LIVE"}}); resp.StatusCode != http.StatusForbidden {
				t.Errorf("owner POST %s: %d, want 403", path, resp.StatusCode)
			}
		}
		if dd, _ := h.gw.RiskDecision(ctx, d.ID); dd.Review != entrypay.ReviewPending {
			t.Fatalf("an owner's POST reviewed the payment: %s", dd.Review)
		}

		// Bad rules: 422, the compiler's message in place, nothing stored.
		before, _ := h.gw.RuleSets(ctx)
		bad := strings.Replace(reviewRules(t), "amount >= 50000", "amount >= 50000 && nosuch.signal > 1", 1)
		resp2, body := op.post("/dashboard/operator/risk", url.Values{"csrf": {csrf}, "source": {bad}, "status": {"SHADOW"}})
		wantErr := entrypay.ErrorMessage(h.gw.CheckRuleSet(bad))
		if resp2.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Rules not stored") || !strings.Contains(body, htmlEscape(wantErr)) || !strings.Contains(body, "nosuch.signal") {
			t.Fatalf("bad rules: %d (want the message %q)\n%s", resp2.StatusCode, wantErr, body)
		}
		if after, _ := h.gw.RuleSets(ctx); len(after) != len(before) {
			t.Fatalf("bad rules stored: %d versions, had %d", len(after), len(before))
		}
		if n := len(h.auditOf(t, entrypay.AuditRulesCreated)); n != 0 {
			t.Fatalf("bad rules audited: %d", n)
		}
		// Good rules as SHADOW, then retired.
		resp2, _ = op.post("/dashboard/operator/risk", url.Values{"csrf": {csrf}, "source": {reviewRules(t)}, "status": {"SHADOW"}, "comment": {"try"}})
		if resp2.StatusCode != http.StatusSeeOther {
			t.Fatalf("good rules: %d", resp2.StatusCode)
		}
		sets, _ := h.gw.RuleSets(ctx)
		shadow := sets[0]
		if shadow.Status != entrypay.RuleSetShadow {
			t.Fatalf("new version %d is %s", shadow.Version, shadow.Status)
		}
		if _, live := h.gw.RiskVersions(); live != shadow.Version {
			t.Fatalf("shadow in force %d, want %d", live, shadow.Version)
		}
		v := strconv.FormatInt(shadow.Version, 10)
		if resp, _ := op.post("/dashboard/operator/risk/"+v+"/status", url.Values{"csrf": {csrf}, "status": {"RETIRED"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("retire: %d", resp.StatusCode)
		}
		if rs, _ := h.gw.RuleSet(ctx, shadow.Version); rs.Status != entrypay.RuleSetRetired {
			t.Fatalf("retired version is %s", rs.Status)
		}
		live, _ := h.gw.RiskVersions()
		if resp, body := op.post("/dashboard/operator/risk/"+strconv.FormatInt(live, 10)+"/status", url.Values{"csrf": {csrf}, "status": {"RETIRED"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "is live") {
			t.Fatalf("retiring the live version: %d\n%s", resp.StatusCode, body)
		}
		if es := h.auditOf(t, entrypay.AuditRulesCreated); len(es) != 1 || es[0].Subject != "ruleset:"+v {
			t.Fatalf("rules created audit: %+v", es)
		}
		if es := h.auditOf(t, entrypay.AuditRulesStatusChanged); len(es) != 1 || !strings.Contains(es[0].Detail, "SHADOW → RETIRED") {
			t.Fatalf("rules status audit: %+v", es)
		}

		// Reject without a note: 422, nothing changed.
		if resp, body := op.post("/dashboard/operator/review/"+d.ID+"/reject", url.Values{"csrf": {csrf}, "note": {"  "}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "note is required") {
			t.Fatalf("reject without note: %d\n%s", resp.StatusCode, body)
		}
		if dd, _ := h.gw.RiskDecision(ctx, d.ID); dd.Review != entrypay.ReviewPending {
			t.Fatalf("rejected without a note: %s", dd.Review)
		}
		// Release: the payment goes on as the admin API's release does, and completes.
		if resp, _ := op.post("/dashboard/operator/review/"+d.ID+"/release", url.Values{"csrf": {csrf}, "note": {"known customer"}}); resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "done=released") {
			t.Fatalf("release: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		pd, err := h.gw.MerchantPayment(ctx, h.merchant.ID, payID)
		if err != nil || pd.Payment.RiskReview != entrypay.ReviewReleased || pd.Payment.CashierURL == "" {
			t.Fatalf("released payment: %+v %v", pd, err)
		}
		if _, err := h.sb.Finish(ctx, tokenOf(pd.Payment.CashierURL), sandbox.OutcomeSuccess); err != nil {
			t.Fatal(err)
		}
		_, body2 := h.call(t, h.merchant, ams.PathInquiryPayment, `{"paymentRequestId":"held-1"}`)
		if !strings.Contains(string(body2), `"paymentStatus":"SUCCESS"`) {
			t.Fatalf("released payment inquiry: %s", body2)
		}
		es := h.auditOf(t, entrypay.AuditReviewReleased)
		if len(es) != 1 || es[0].Subject != payID || es[0].MerchantID != h.merchant.ID || !strings.Contains(es[0].Detail, "known customer") {
			t.Fatalf("release audit: %+v", es)
		}
		if resp, _ := op.post("/dashboard/operator/review/"+d.ID+"/reject", url.Values{"csrf": {csrf}, "note": {"late"}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("second review: %d", resp.StatusCode)
		}
		// A second held payment, rejected with a note.
		h.riskPay(t, riskPay{id: "held-2", value: 70000, merchant: h.merchant})
		d2 := h.lastDecision(t, h.merchant)
		if resp, _ := op.post("/dashboard/operator/review/"+d2.ID+"/reject", url.Values{"csrf": {csrf}, "note": {"stolen card pattern"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reject: %d", resp.StatusCode)
		}
		_, body2 = h.call(t, h.merchant, ams.PathInquiryPayment, `{"paymentRequestId":"held-2"}`)
		if !strings.Contains(string(body2), `"paymentStatus":"FAIL"`) || !strings.Contains(string(body2), "RISK_REJECT") {
			t.Fatalf("rejected payment inquiry: %s", body2)
		}
		if es := h.auditOf(t, entrypay.AuditReviewRejected); len(es) != 1 || !strings.Contains(es[0].Detail, "stolen card pattern") {
			t.Fatalf("reject audit: %+v", es)
		}

		// Resolve without a note: 422; with one: resolved, who and when, audited.
		path := "/dashboard/operator/reconciliation/" + disc.ID + "/resolve"
		if resp, body := op.post(path, url.Values{"csrf": {csrf}, "note": {""}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "note is required") {
			t.Fatalf("resolve without note: %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := op.post(path, url.Values{"csrf": {csrf}, "note": {"wallet test transaction"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("resolve: %d", resp.StatusCode)
		}
		got, _ := h.gw.Discrepancy(ctx, disc.ID)
		if !got.Resolved() || got.Resolution != "wallet test transaction" || !strings.HasPrefix(got.ResolvedBy, "operator-") {
			t.Fatalf("resolved discrepancy: %+v", got)
		}
		if _, body := op.get("/dashboard/operator/reconciliation?state=resolved"); !strings.Contains(body, "pay_GHOST1") {
			t.Fatalf("resolved filter:\n%s", body)
		}
		if _, body := op.get("/dashboard/operator/reconciliation"); strings.Contains(body, "pay_GHOST1") {
			t.Fatalf("open filter shows the resolved one:\n%s", body)
		}
		if resp, _ := op.post(path, url.Values{"csrf": {csrf}, "note": {"again"}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("resolve twice: %d", resp.StatusCode)
		}
		if es := h.auditOf(t, entrypay.AuditDiscrepancyResolved); len(es) != 1 || es[0].Subject != disc.ID {
			t.Fatalf("resolve audit: %+v", es)
		}

		// Jobs: retry a scheduled job (now available), discard it (now cancelled).
		js, err := h.gw.QueuedJobs(ctx, entrypay.QueuedJobQuery{States: []entrypay.JobState{entrypay.JobScheduled}})
		if err != nil || len(js) == 0 {
			t.Fatalf("no scheduled job: %v", err)
		}
		job := js[0]
		if _, body := op.get("/dashboard/operator/jobs"); !jobIDRe.MatchString(body) {
			t.Fatalf("jobs page has no retry link:\n%s", body)
		}
		id := strconv.FormatInt(job.ID, 10)
		if resp, body := op.get("/dashboard/operator/jobs/" + id + "/retry"); resp.StatusCode != 200 || !strings.Contains(body, "Retry job "+id) {
			t.Fatalf("retry confirmation: %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := op.post("/dashboard/operator/jobs/"+id+"/retry", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("retry: %d", resp.StatusCode)
		}
		if j, _ := h.gw.QueuedJob(ctx, job.ID); j.State != entrypay.JobAvailable {
			t.Fatalf("retried job is %s", j.State)
		}
		if resp, _ := op.post("/dashboard/operator/jobs/"+id+"/discard", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("discard: %d", resp.StatusCode)
		}
		if j, _ := h.gw.QueuedJob(ctx, job.ID); j.State != entrypay.JobCancelled {
			t.Fatalf("discarded job is %s", j.State)
		}
		if resp, _ := op.post("/dashboard/operator/jobs/"+id+"/discard", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("discarding a cancelled job: %d", resp.StatusCode)
		}
		if resp, _ := op.post("/dashboard/operator/jobs/99999999/retry", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("retrying no job: %d", resp.StatusCode)
		}
		if len(h.auditOf(t, entrypay.AuditJobRetried)) != 1 || len(h.auditOf(t, entrypay.AuditJobDiscarded)) != 1 {
			t.Fatal("job actions not audited once each")
		}

		// The audit page filters by action, merchant, email and dates.
		if _, body := op.get("/dashboard/operator/audit?action=review_released"); !strings.Contains(body, "known customer") || strings.Contains(body, "stolen card") {
			t.Fatalf("audit action filter:\n%s", body)
		}
		if _, body := op.get("/dashboard/operator/audit?merchant=" + h.merchant.ID + "&action=review_rejected"); !strings.Contains(body, "stolen card") {
			t.Fatalf("audit merchant filter:\n%s", body)
		}
		tomorrow := time.Now().UTC().Add(24 * time.Hour).Format(time.DateOnly)
		if _, body := op.get("/dashboard/operator/audit?from=" + tomorrow); !strings.Contains(body, "No entries") {
			t.Fatalf("audit date filter:\n%s", body)
		}
		if resp, _ := op.get("/dashboard/operator/audit?from=yesterday"); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad date: %d", resp.StatusCode)
		}
	})
}

// htmlEscape is what html/template makes of a message in text.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
