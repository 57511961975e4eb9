package http

import (
	"context"
	"net/http"
	"net/url"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
)

// ConsoleOps is what the operator console's risk and operations pages need from the
// gateway. Every change is made as the signed-in operator and audited in its own
// transaction; ErrForbidden answers a user who is not an operator.
type ConsoleOps interface {
	RuleSets(ctx context.Context) ([]*entrypay.RuleSet, error)
	RuleSet(ctx context.Context, version int64) (*entrypay.RuleSet, error)
	RiskVersions() (live, shadow int64)
	CompareShadow(ctx context.Context, since time.Time) (*entrypay.ShadowReport, error)
	// SaveRuleSetAsUser refuses a rule set that does not compile with an EInvalid error
	// naming the line, and then stores nothing.
	SaveRuleSetAsUser(ctx context.Context, u *entrypay.User, source, comment string, status entrypay.RuleSetStatus) (*entrypay.RuleSet, error)
	SetRuleSetStatusAsUser(ctx context.Context, u *entrypay.User, version int64, status entrypay.RuleSetStatus) (*entrypay.RuleSet, error)

	HeldReviews(ctx context.Context) ([]*entrypay.HeldReview, error)
	RiskDecision(ctx context.Context, id string) (*entrypay.RiskDecision, error)
	// ReviewAsUser returns the decision and, beside it, any error of the wallet side
	// about the released payment.
	ReviewAsUser(ctx context.Context, u *entrypay.User, decisionID, note string, release bool) (*entrypay.RiskDecision, error)

	Discrepancies(ctx context.Context, q entrypay.DiscrepancyQuery) ([]*entrypay.StoredDiscrepancy, error)
	Discrepancy(ctx context.Context, id string) (*entrypay.StoredDiscrepancy, error)
	ResolveDiscrepancy(ctx context.Context, u *entrypay.User, id, note string) (*entrypay.StoredDiscrepancy, error)

	QueuedJobs(ctx context.Context, q entrypay.QueuedJobQuery) ([]*entrypay.QueuedJob, error)
	QueuedJob(ctx context.Context, id int64) (*entrypay.QueuedJob, error)
	RetryJob(ctx context.Context, u *entrypay.User, id int64) (*entrypay.QueuedJob, error)
	DiscardJob(ctx context.Context, u *entrypay.User, id int64) (*entrypay.QueuedJob, error)

	OpsHealth(ctx context.Context) (*entrypay.OpsHealth, error)
	AuditLog(ctx context.Context, q entrypay.AuditQuery) ([]*entrypay.AuditEntry, error)
}

// processStart is when this process started serving, for the health page's uptime.
var processStart = time.Now()

// opsFail renders err as the page it calls for: a missing thing is 404, a forbidden
// action 403, anything else an internal error (logged).
func (s *Server) opsFail(w http.ResponseWriter, r *http.Request, err error, missing string) {
	s.failPage(w, r, err, "This page is for entrypay's operators.", missing)
}

// sentence ends an error message with a full stop.
func sentence(msg string) string {
	if msg == "" || strings.HasSuffix(msg, ".") {
		return msg
	}
	return msg + "."
}

// --- Risk rules ---

type riskRow struct {
	*entrypay.RuleSet
	InForce string // "live", "shadow" or "" (stored status aside, what this process runs)
}

type riskPage struct {
	dashPage
	Sets         []riskRow
	Live, Shadow int64
	Days         int
	Report       *entrypay.ShadowReport
	Outcomes     []countRow
}

func sortedCounts(m map[string]int) []countRow {
	out := make([]countRow, 0, len(m))
	for k, v := range m {
		out = append(out, countRow{k, v})
	}
	slices.SortFunc(out, func(a, b countRow) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Label, b.Label)
	})
	return out
}

// opsRisk lists the rule sets and what the shadow set would have decided differently.
func (s *Server) opsRisk(w http.ResponseWriter, r *http.Request, ds dashSession) {
	ctx := r.Context()
	p := riskPage{dashPage: basePage(ds, nil, "Risk rules — Operator console"), Days: 1}
	status := http.StatusOK
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 90 {
			p.Error, status = "Shadow results: days must be a number from 1 to 90.", http.StatusBadRequest
		} else {
			p.Days = n
		}
	}
	switch r.URL.Query().Get("done") {
	case "created":
		p.Notice = "Rule set version " + r.URL.Query().Get("v") + " stored."
	case "status":
		p.Notice = "Rule set version " + r.URL.Query().Get("v") + " is now " + r.URL.Query().Get("s") + "."
	}
	sets, err := s.cfg.ConsoleOps.RuleSets(ctx)
	if err != nil {
		s.opsFail(w, r, err, "")
		return
	}
	p.Live, p.Shadow = s.cfg.ConsoleOps.RiskVersions()
	for _, rs := range sets {
		row := riskRow{RuleSet: rs}
		switch rs.Version {
		case p.Live:
			row.InForce = "live"
		case p.Shadow:
			row.InForce = "shadow"
		}
		p.Sets = append(p.Sets, row)
	}
	if p.Report, err = s.cfg.ConsoleOps.CompareShadow(ctx, s.cfg.Now().Add(-time.Duration(p.Days)*24*time.Hour)); err != nil {
		s.opsFail(w, r, err, "")
		return
	}
	p.Outcomes = sortedCounts(p.Report.Outcomes)
	s.dashRender(w, r, status, "ops-risk", p)
}

type ruleSetPage struct {
	dashPage
	Set          *entrypay.RuleSet
	Live, Shadow int64
	// To is the status a confirmation page is about.
	To string
}

func (s *Server) ruleSetOf(w http.ResponseWriter, r *http.Request) *entrypay.RuleSet {
	v, err := strconv.ParseInt(r.PathValue("version"), 10, 64)
	if err != nil || v <= 0 {
		s.dashError(w, r, http.StatusNotFound, "There is no such rule set version.", nil)
		return nil
	}
	rs, err := s.cfg.ConsoleOps.RuleSet(r.Context(), v)
	if err != nil {
		s.opsFail(w, r, err, "There is no such rule set version.")
		return nil
	}
	return rs
}

// opsRuleSet shows one version: its source, and what may be done with it.
func (s *Server) opsRuleSet(w http.ResponseWriter, r *http.Request, ds dashSession) {
	rs := s.ruleSetOf(w, r)
	if rs == nil {
		return
	}
	p := ruleSetPage{dashPage: basePage(ds, nil, "Rule set version "+strconv.FormatInt(rs.Version, 10)+" — Operator console"), Set: rs}
	p.Live, p.Shadow = s.cfg.ConsoleOps.RiskVersions()
	s.dashRender(w, r, http.StatusOK, "ops-ruleset", p)
}

// ruleSetTargets are the statuses an operator may give a version, as form values.
var ruleSetTargets = map[string]entrypay.RuleSetStatus{
	"LIVE": entrypay.RuleSetLive, "SHADOW": entrypay.RuleSetShadow, "RETIRED": entrypay.RuleSetRetired,
}

// opsRuleSetStatusConfirm asks the operator to confirm a status change.
func (s *Server) opsRuleSetStatusConfirm(w http.ResponseWriter, r *http.Request, ds dashSession) {
	rs := s.ruleSetOf(w, r)
	if rs == nil {
		return
	}
	to := r.URL.Query().Get("to")
	if _, ok := ruleSetTargets[to]; !ok {
		s.dashError(w, r, http.StatusBadRequest, "The new status must be LIVE, SHADOW or RETIRED.", nil)
		return
	}
	p := ruleSetPage{dashPage: basePage(ds, nil, "Make version "+strconv.FormatInt(rs.Version, 10)+" "+to+"? — Operator console"), Set: rs, To: to}
	p.Live, p.Shadow = s.cfg.ConsoleOps.RiskVersions()
	s.dashRender(w, r, http.StatusOK, "ops-ruleset-status", p)
}

func (s *Server) opsRuleSetStatus(w http.ResponseWriter, r *http.Request, ds dashSession) {
	rs := s.ruleSetOf(w, r)
	if rs == nil {
		return
	}
	to := r.PostFormValue("status")
	status, ok := ruleSetTargets[to]
	if !ok {
		s.dashError(w, r, http.StatusUnprocessableEntity, "The new status must be LIVE, SHADOW or RETIRED.", nil)
		return
	}
	done, err := s.cfg.ConsoleOps.SetRuleSetStatusAsUser(r.Context(), ds.user, rs.Version, status)
	if code := entrypay.ErrorCodeOf(err); err != nil && (code == entrypay.EInvalid || code == entrypay.EStatusInvalid) {
		p := ruleSetPage{dashPage: basePage(ds, nil, "Make version "+strconv.FormatInt(rs.Version, 10)+" "+to+"? — Operator console"), Set: rs, To: to}
		p.Live, p.Shadow = s.cfg.ConsoleOps.RiskVersions()
		p.Error = "Status not changed: " + sentence(entrypay.ErrorMessage(err))
		s.dashRender(w, r, http.StatusUnprocessableEntity, "ops-ruleset-status", p)
		return
	}
	if err != nil {
		s.opsFail(w, r, err, "There is no such rule set version.")
		return
	}
	v := url.Values{"done": {"status"}, "v": {strconv.FormatInt(done.Version, 10)}, "s": {string(done.Status)}}
	http.Redirect(w, r, "/dashboard/operator/risk?"+v.Encode(), http.StatusSeeOther)
}

type ruleFormPage struct {
	dashPage
	// SourceError is the compiler's message, shown under the rules text.
	SourceError string
	Source      string
	Comment     string
	Status      string
	From        int64
}

// opsRuleSetNew shows the rules editor, filled with the live version (or ?from=N).
func (s *Server) opsRuleSetNew(w http.ResponseWriter, r *http.Request, ds dashSession) {
	p := ruleFormPage{dashPage: basePage(ds, nil, "New rule set version — Operator console"), Status: "SHADOW"}
	p.From, _ = s.cfg.ConsoleOps.RiskVersions()
	if v := r.URL.Query().Get("from"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			s.dashError(w, r, http.StatusNotFound, "There is no such rule set version.", nil)
			return
		}
		p.From = n
	}
	if p.From > 0 {
		rs, err := s.cfg.ConsoleOps.RuleSet(r.Context(), p.From)
		if err != nil {
			s.opsFail(w, r, err, "There is no such rule set version.")
			return
		}
		p.Source = rs.Source
	}
	s.dashRender(w, r, http.StatusOK, "ops-ruleset-new", p)
}

// opsRuleSetCreate stores a new version; a refused source is shown again, with the
// compiler's message naming the line, and nothing is stored.
func (s *Server) opsRuleSetCreate(w http.ResponseWriter, r *http.Request, ds dashSession) {
	p := ruleFormPage{dashPage: basePage(ds, nil, "New rule set version — Operator console"),
		Source: r.PostFormValue("source"), Comment: r.PostFormValue("comment"), Status: r.PostFormValue("status")}
	p.From, _ = strconv.ParseInt(r.PostFormValue("from"), 10, 64)
	// Browsers send a textarea's lines with CRLF; the rules are stored as typed.
	p.Source = strings.ReplaceAll(p.Source, "\r\n", "\n")
	invalid := func(msg string) {
		p.Error = "Nothing was stored: see the message under the field at fault."
		p.SourceError = msg
		s.dashRender(w, r, http.StatusUnprocessableEntity, "ops-ruleset-new", p)
	}
	status, ok := ruleSetTargets[p.Status]
	switch {
	case !ok || status == entrypay.RuleSetRetired:
		invalid("Status: choose SHADOW or LIVE.")
		return
	case len(p.Source) > maxRuleSet:
		invalid("Rules: a rule set must be at most 1 MiB.")
		return
	case strings.TrimSpace(p.Source) == "":
		invalid("Rules: the rules text is empty.")
		return
	}
	rs, err := s.cfg.ConsoleOps.SaveRuleSetAsUser(r.Context(), ds.user, p.Source, p.Comment, status)
	if entrypay.ErrorCodeOf(err) == entrypay.EInvalid {
		invalid("Rules not stored: " + sentence(entrypay.ErrorMessage(err)))
		return
	}
	if err != nil {
		s.opsFail(w, r, err, "")
		return
	}
	v := url.Values{"done": {"created"}, "v": {strconv.FormatInt(rs.Version, 10)}}
	http.Redirect(w, r, "/dashboard/operator/risk?"+v.Encode(), http.StatusSeeOther)
}

// --- Review queue ---

type heldRow struct {
	*entrypay.HeldReview
	Age   string
	Fired string
}

type reviewPage struct {
	dashPage
	Held []heldRow
	// One decision's page.
	Decision *entrypay.RiskDecision
	Fired    string
	Age      string
	Amount   entrypay.Amount
	Note     string
}

// age says how long ago t was, roughly.
func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + " s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " h " + strconv.Itoa(int(d%time.Hour/time.Minute)) + " min"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + " days"
}

func firedNames(v entrypay.RiskVerdict) string {
	names := make([]string, len(v.Fired))
	for i, f := range v.Fired {
		names[i] = f.Name
		if f.Reason != "" {
			names[i] += " (" + f.Reason + ")"
		}
	}
	return strings.Join(names, ", ")
}

// opsReview lists the payments and refunds held for review, oldest first.
func (s *Server) opsReview(w http.ResponseWriter, r *http.Request, ds dashSession) {
	held, err := s.cfg.ConsoleOps.HeldReviews(r.Context())
	if err != nil {
		s.opsFail(w, r, err, "")
		return
	}
	p := reviewPage{dashPage: basePage(ds, nil, "Review queue — Operator console")}
	q := r.URL.Query()
	switch q.Get("done") {
	case "released":
		p.Notice = "Payment " + q.Get("payment") + " released: it goes on to the wallet."
	case "rejected":
		p.Notice = "Payment " + q.Get("payment") + " rejected."
	case "expired":
		p.Notice = "Payment " + q.Get("payment") + " had expired while held: it is closed."
	}
	if q.Get("wallet") != "" {
		p.Error = "Released, but the wallet side did not accept it: " + q.Get("wallet") + " (the payment's page has its history)."
	}
	now := s.cfg.Now()
	for _, h := range held {
		p.Held = append(p.Held, heldRow{HeldReview: h, Age: age(now, h.Decision.CreatedAt), Fired: firedNames(h.Decision.Verdict)})
	}
	s.dashRender(w, r, http.StatusOK, "ops-review", p)
}

// reviewDecision renders one held decision with its release and reject forms.
func (s *Server) reviewDecision(w http.ResponseWriter, r *http.Request, ds dashSession, status int, note, msg string) {
	d, err := s.cfg.ConsoleOps.RiskDecision(r.Context(), r.PathValue("decision"))
	if err != nil {
		s.opsFail(w, r, err, "There is no such risk decision.")
		return
	}
	p := reviewPage{dashPage: basePage(ds, nil, "Review "+d.PaymentID+" — Operator console"), Decision: d, Note: note,
		Fired: firedNames(d.Verdict), Age: age(s.cfg.Now(), d.CreatedAt), Amount: entrypay.Amount{Value: d.Signals.Amount, Currency: d.Signals.Currency}}
	p.Error = msg
	s.dashRender(w, r, status, "ops-review-one", p)
}

func (s *Server) opsReviewOne(w http.ResponseWriter, r *http.Request, ds dashSession) {
	s.reviewDecision(w, r, ds, http.StatusOK, "", "")
}

// opsReviewAct releases or rejects a held payment or refund; a rejection needs a note.
func (s *Server) opsReviewAct(w http.ResponseWriter, r *http.Request, ds dashSession) {
	var release bool
	switch r.PathValue("action") {
	case "release":
		release = true
	case "reject":
	default:
		s.dashError(w, r, http.StatusNotFound, "There is no such page.", nil)
		return
	}
	note := r.PostFormValue("note")
	if !release && strings.TrimSpace(note) == "" {
		s.reviewDecision(w, r, ds, http.StatusUnprocessableEntity, note, "Not rejected: the note is required: say why the payment is refused.")
		return
	}
	d, err := s.cfg.ConsoleOps.ReviewAsUser(r.Context(), ds.user, r.PathValue("decision"), note, release)
	if d == nil {
		switch code := entrypay.ErrorCodeOf(err); {
		case code == entrypay.EInvalid, code == entrypay.EStatusInvalid:
			s.reviewDecision(w, r, ds, http.StatusUnprocessableEntity, note, "Not done: "+sentence(entrypay.ErrorMessage(err)))
		default:
			s.opsFail(w, r, err, "There is no such risk decision.")
		}
		return
	}
	v := url.Values{"payment": {d.PaymentID}}
	switch d.Review {
	case entrypay.ReviewReleased:
		v.Set("done", "released")
	case entrypay.ReviewRejected:
		v.Set("done", "rejected")
	default:
		v.Set("done", "expired")
	}
	if err != nil {
		// Recorded; what the wallet side said of the released payment goes beside it.
		s.logFrom(r.Context()).WarnContext(r.Context(), "released payment refused by the wallet side", "decision", d.ID, "err", err)
		v.Set("wallet", entrypay.ErrorMessage(err))
	}
	http.Redirect(w, r, "/dashboard/operator/review?"+v.Encode(), http.StatusSeeOther)
}

// --- Reconciliation ---

type reconPage struct {
	dashPage
	State   string
	Items   []*entrypay.StoredDiscrepancy
	Item    *entrypay.StoredDiscrepancy
	Note    string
	PrevURL string
	NextURL string
}

// opsReconciliation lists the stored discrepancies, open ones by default.
func (s *Server) opsReconciliation(w http.ResponseWriter, r *http.Request, ds dashSession) {
	q := r.URL.Query()
	p := reconPage{dashPage: basePage(ds, nil, "Reconciliation — Operator console"), State: q.Get("state")}
	status := http.StatusOK
	switch p.State {
	case "":
		p.State = entrypay.DiscrepancyOpen
	case entrypay.DiscrepancyOpen, entrypay.DiscrepancyResolved, "all":
	default:
		p.Error, status, p.State = "State must be open, resolved or all.", http.StatusBadRequest, entrypay.DiscrepancyOpen
	}
	if q.Get("done") == "resolved" {
		p.Notice = "Discrepancy " + q.Get("id") + " resolved."
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	state := p.State
	if state == "all" {
		state = ""
	}
	items, err := s.cfg.ConsoleOps.Discrepancies(r.Context(), entrypay.DiscrepancyQuery{State: state, Offset: (page - 1) * dashPageSize, Limit: dashPageSize + 1})
	if err != nil {
		s.opsFail(w, r, err, "")
		return
	}
	items, p.PrevURL, p.NextURL = pageOf(items, "/dashboard/operator/reconciliation", url.Values{"state": {p.State}}, page)
	p.Items = items
	s.dashRender(w, r, status, "ops-reconciliation", p)
}

// discrepancyPage renders one discrepancy with its resolution form.
func (s *Server) discrepancyPage(w http.ResponseWriter, r *http.Request, ds dashSession, status int, note, msg string) {
	found, err := s.cfg.ConsoleOps.Discrepancy(r.Context(), r.PathValue("id"))
	if err != nil {
		s.opsFail(w, r, err, "There is no such discrepancy.")
		return
	}
	p := reconPage{dashPage: basePage(ds, nil, "Discrepancy "+found.ID+" — Operator console"), Item: found, Note: note}
	p.Error = msg
	s.dashRender(w, r, status, "ops-discrepancy", p)
}

func (s *Server) opsDiscrepancy(w http.ResponseWriter, r *http.Request, ds dashSession) {
	s.discrepancyPage(w, r, ds, http.StatusOK, "", "")
}

func (s *Server) opsResolve(w http.ResponseWriter, r *http.Request, ds dashSession) {
	note := r.PostFormValue("note")
	if strings.TrimSpace(note) == "" {
		s.discrepancyPage(w, r, ds, http.StatusUnprocessableEntity, note, "Not resolved: the note is required: say what explains the difference.")
		return
	}
	d, err := s.cfg.ConsoleOps.ResolveDiscrepancy(r.Context(), ds.user, r.PathValue("id"), note)
	switch code := entrypay.ErrorCodeOf(err); {
	case err == nil:
	case code == entrypay.EInvalid, code == entrypay.EStatusInvalid:
		s.discrepancyPage(w, r, ds, http.StatusUnprocessableEntity, note, "Not resolved: "+sentence(entrypay.ErrorMessage(err)))
		return
	default:
		s.opsFail(w, r, err, "There is no such discrepancy.")
		return
	}
	http.Redirect(w, r, "/dashboard/operator/reconciliation?"+url.Values{"done": {"resolved"}, "id": {d.ID}}.Encode(), http.StatusSeeOther)
}

// --- Jobs ---

type jobGroup struct {
	// Key names the group's section (jobs-<key>).
	Key   string
	Title string
	Note  string
	Jobs  []*entrypay.QueuedJob
	// Retry and Discard say which buttons the group's jobs get.
	Retry, Discard bool
}

type jobsPage struct {
	dashPage
	Groups []jobGroup
	Job    *entrypay.QueuedJob
	Action string
}

// jobGroups are the job page's sections: what waits, what failed and waits for another
// try, and what is dead.
var jobGroups = []struct {
	title, note    string
	states         []entrypay.JobState
	retry, discard bool
}{
	{"Due now (available)", "Waiting for a worker.", []entrypay.JobState{entrypay.JobAvailable}, false, true},
	{"Scheduled", "Due later; Retry runs one now.", []entrypay.JobState{entrypay.JobScheduled}, true, true},
	{"Retryable", "Failed; tried again at the scheduled time. Retry runs one now.", []entrypay.JobState{entrypay.JobRetryable}, true, true},
	{"Running", "", []entrypay.JobState{entrypay.JobRunning}, false, false},
	{"Discarded (dead)", "Failed every attempt. Retry gives one more attempt.", []entrypay.JobState{entrypay.JobDiscarded}, true, false},
	{"Cancelled", "Discarded by an operator (or cancelled by entrypay); kept a day. Retry runs one again.", []entrypay.JobState{entrypay.JobCancelled}, true, false},
}

// opsJobs lists the job queue by state.
func (s *Server) opsJobs(w http.ResponseWriter, r *http.Request, ds dashSession) {
	p := jobsPage{dashPage: basePage(ds, nil, "Jobs — Operator console")}
	q := r.URL.Query()
	switch q.Get("done") {
	case "retry":
		p.Notice = "Job " + q.Get("id") + " will run again now."
	case "discard":
		p.Notice = "Job " + q.Get("id") + " discarded (cancelled)."
	}
	for _, g := range jobGroups {
		js, err := s.cfg.ConsoleOps.QueuedJobs(r.Context(), entrypay.QueuedJobQuery{States: g.states, Limit: 100})
		if err != nil {
			s.opsFail(w, r, err, "")
			return
		}
		p.Groups = append(p.Groups, jobGroup{Key: string(g.states[0]), Title: g.title, Note: g.note, Jobs: js, Retry: g.retry, Discard: g.discard})
	}
	s.dashRender(w, r, http.StatusOK, "ops-jobs", p)
}

func jobAction(r *http.Request) (int64, string, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	action := r.PathValue("action")
	return id, action, err == nil && id > 0 && (action == "retry" || action == "discard")
}

// opsJobConfirm asks the operator to confirm a retry or a discard.
func (s *Server) opsJobConfirm(w http.ResponseWriter, r *http.Request, ds dashSession) {
	s.jobConfirm(w, r, ds, http.StatusOK, "")
}

func (s *Server) jobConfirm(w http.ResponseWriter, r *http.Request, ds dashSession, status int, msg string) {
	id, action, ok := jobAction(r)
	if !ok {
		s.dashError(w, r, http.StatusNotFound, "There is no such job.", nil)
		return
	}
	j, err := s.cfg.ConsoleOps.QueuedJob(r.Context(), id)
	if err != nil {
		s.opsFail(w, r, err, "There is no such job.")
		return
	}
	verb := "Retry"
	if action == "discard" {
		verb = "Discard"
	}
	p := jobsPage{dashPage: basePage(ds, nil, verb+" job "+strconv.FormatInt(id, 10)+"? — Operator console"), Job: j, Action: action}
	p.Error = msg
	s.dashRender(w, r, status, "ops-job-confirm", p)
}

func (s *Server) opsJobAct(w http.ResponseWriter, r *http.Request, ds dashSession) {
	id, action, ok := jobAction(r)
	if !ok {
		s.dashError(w, r, http.StatusNotFound, "There is no such job.", nil)
		return
	}
	var err error
	if action == "retry" {
		_, err = s.cfg.ConsoleOps.RetryJob(r.Context(), ds.user, id)
	} else {
		_, err = s.cfg.ConsoleOps.DiscardJob(r.Context(), ds.user, id)
	}
	switch {
	case err == nil:
	case entrypay.ErrorCodeOf(err) == entrypay.EStatusInvalid:
		s.jobConfirm(w, r, ds, http.StatusUnprocessableEntity, "Not done: "+sentence(entrypay.ErrorMessage(err)))
		return
	default:
		s.opsFail(w, r, err, "There is no such job.")
		return
	}
	http.Redirect(w, r, "/dashboard/operator/jobs?"+url.Values{"done": {action}, "id": {strconv.FormatInt(id, 10)}}.Encode(), http.StatusSeeOther)
}

// --- Health ---

type healthPage struct {
	dashPage
	DBUp       bool
	DBError    string
	Ping       string
	Health     *entrypay.OpsHealth
	JobCounts  []countRow
	OldestDue  string
	Uptime     string
	Version    string
	Go         string
	Goroutines int
	HeapMiB    string
	SysMiB     string
}

// buildVersion is the module version and VCS revision the binary was built from.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v += " " + s.Value[:min(len(s.Value), 12)]
		case "vcs.modified":
			if s.Value == "true" {
				v += " (modified)"
			}
		}
	}
	return v
}

func mib(b uint64) string {
	return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB"
}

// opsHealth shows the figures an operator checks first: database, queue, notifications,
// process.
func (s *Server) opsHealth(w http.ResponseWriter, r *http.Request, ds dashSession) {
	p := healthPage{dashPage: basePage(ds, nil, "Health — Operator console"), Version: buildVersion(), Go: runtime.Version()}
	status := http.StatusOK
	if s.cfg.Ready != nil {
		start := time.Now()
		err := s.cfg.Ready(r.Context())
		p.Ping = time.Since(start).Round(10 * time.Microsecond).String()
		p.DBUp = err == nil
		if err != nil {
			s.logFrom(r.Context()).ErrorContext(r.Context(), "health: database ping", "err", err)
			p.DBError, status = "The database does not answer; the error has been logged.", http.StatusServiceUnavailable
		}
	}
	if p.DBUp || s.cfg.Ready == nil {
		h, err := s.cfg.ConsoleOps.OpsHealth(r.Context())
		if err != nil {
			s.logFrom(r.Context()).ErrorContext(r.Context(), "health: database figures", "err", err)
			p.DBError, status = "The database's figures could not be read; the error has been logged.", http.StatusServiceUnavailable
		} else {
			p.Health = h
			for _, st := range entrypay.JobStates {
				p.JobCounts = append(p.JobCounts, countRow{string(st), int(h.Jobs.Counts[st])})
			}
			if !h.Jobs.OldestDue.IsZero() {
				p.OldestDue = age(s.cfg.Now(), h.Jobs.OldestDue)
			}
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p.Goroutines, p.HeapMiB, p.SysMiB = runtime.NumGoroutine(), mib(ms.HeapAlloc), mib(ms.Sys)
	p.Uptime = time.Since(processStart).Round(time.Second).String()
	s.dashRender(w, r, status, "ops-health", p)
}

// --- Audit log ---

type auditFilter struct {
	Merchant, Action, Email, From, To string
}

type auditPage struct {
	dashPage
	Filter  auditFilter
	Actions []string
	Entries []*entrypay.AuditEntry
	PrevURL string
	NextURL string
}

// auditActions are the actions the audit log's filter offers.
var auditActions = []string{
	entrypay.AuditLogin, entrypay.AuditLoginFailed, entrypay.AuditLoginLocked, entrypay.AuditLockout, entrypay.AuditLogout,
	entrypay.AuditUserCreated, entrypay.AuditLinkIssued, entrypay.AuditPasswordSet, entrypay.AuditRefundAsked,
	entrypay.AuditRulesCreated, entrypay.AuditRulesStatusChanged, entrypay.AuditReviewReleased, entrypay.AuditReviewRejected,
	entrypay.AuditDiscrepancyResolved, entrypay.AuditJobRetried, entrypay.AuditJobDiscarded,
}

// opsAudit lists the audit log, newest first, 50 a page, with filters.
func (s *Server) opsAudit(w http.ResponseWriter, r *http.Request, ds dashSession) {
	q := r.URL.Query()
	p := auditPage{dashPage: basePage(ds, nil, "Audit log — Operator console"), Actions: auditActions}
	p.Filter = auditFilter{Merchant: strings.TrimSpace(q.Get("merchant")), Action: strings.TrimSpace(q.Get("action")),
		Email: strings.TrimSpace(q.Get("email")), From: q.Get("from"), To: q.Get("to")}
	aq := entrypay.AuditQuery{MerchantID: p.Filter.Merchant, Action: p.Filter.Action, Email: entrypay.NormalizeEmail(p.Filter.Email)}
	var problems []string
	day := func(field, v string) time.Time {
		if v == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			problems = append(problems, field+" must be a date as YYYY-MM-DD")
		}
		return t
	}
	aq.From = day("from", p.Filter.From)
	if to := day("to", p.Filter.To); !to.IsZero() {
		aq.To = to.Add(24 * time.Hour)
	}
	status := http.StatusOK
	if len(problems) > 0 {
		p.Error, status = "Filter not applied: "+strings.Join(problems, "; ")+".", http.StatusBadRequest
		aq = entrypay.AuditQuery{}
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	aq.Offset, aq.Limit = (page-1)*dashPageSize, dashPageSize+1
	entries, err := s.cfg.ConsoleOps.AuditLog(r.Context(), aq)
	if err != nil {
		s.opsFail(w, r, err, "")
		return
	}
	filter := url.Values{"merchant": {p.Filter.Merchant}, "action": {p.Filter.Action}, "email": {p.Filter.Email}, "from": {p.Filter.From}, "to": {p.Filter.To}}
	entries, p.PrevURL, p.NextURL = pageOf(entries, "/dashboard/operator/audit", filter, page)
	p.Entries = entries
	s.dashRender(w, r, status, "ops-audit", p)
}
