package http

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/entrypay/entrypay"
)

// The operator's review of partners' merchant registrations: a list filtered by status,
// and one registration with its KYB details, approve and reject (with a reason).

type registrationsPage struct {
	dashPage
	Status        string
	Registrations []*entrypay.Registration
	Item          *entrypay.ReviewedRegistration
	Reason        string
}

var registrationStatuses = []string{string(entrypay.RegistrationProcessing), string(entrypay.RegistrationApproved), string(entrypay.RegistrationRejected), "all"}

// opsRegistrations lists registrations of one status (PROCESSING by default), newest
// first.
func (s *Server) opsRegistrations(w http.ResponseWriter, r *http.Request, ds dashSession) {
	q := r.URL.Query()
	p := registrationsPage{dashPage: basePage(ds, nil, "Registrations — Operator console"), Status: q.Get("status")}
	status := http.StatusOK
	switch {
	case p.Status == "":
		p.Status = string(entrypay.RegistrationProcessing)
	case !slices.Contains(registrationStatuses, p.Status):
		p.Error, status, p.Status = "Status must be PROCESSING, APPROVED, REJECTED or all.", http.StatusBadRequest, string(entrypay.RegistrationProcessing)
	}
	switch q.Get("done") {
	case "approved":
		p.Notice = "Registration " + q.Get("id") + " approved: the merchant, its store and the partner's Agent-Token were created."
	case "rejected":
		p.Notice = "Registration " + q.Get("id") + " rejected."
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	rq := entrypay.RegistrationQuery{Offset: (page - 1) * dashPageSize, Limit: dashPageSize + 1}
	if p.Status != "all" {
		rq.Status = entrypay.RegistrationStatus(p.Status)
	}
	items, err := s.cfg.Registrations.Registrations(r.Context(), ds.user, rq)
	if err != nil {
		s.opsFail(w, r, err, "")
		return
	}
	items, p.PrevURL, p.NextURL = pageOf(items, "/dashboard/operator/registrations", url.Values{"status": {p.Status}}, page)
	p.Registrations = items
	s.dashRender(w, r, status, "ops-registrations", p)
}

// registrationPage renders one registration with its review forms.
func (s *Server) registrationPage(w http.ResponseWriter, r *http.Request, ds dashSession, status int, reason, msg string) {
	item, err := s.cfg.Registrations.ReviewRegistration(r.Context(), ds.user, r.PathValue("id"))
	if err != nil {
		s.opsFail(w, r, err, "There is no such registration.")
		return
	}
	p := registrationsPage{dashPage: basePage(ds, nil, "Registration "+item.ID+" — Operator console"), Item: item, Reason: reason}
	p.Error = msg
	s.dashRender(w, r, status, "ops-registration", p)
}

func (s *Server) opsRegistration(w http.ResponseWriter, r *http.Request, ds dashSession) {
	s.registrationPage(w, r, ds, http.StatusOK, "", "")
}

// opsRegistrationReview approves or rejects a registration; a rejection needs a reason.
func (s *Server) opsRegistrationReview(w http.ResponseWriter, r *http.Request, ds dashSession) {
	action, id := r.PathValue("action"), r.PathValue("id")
	reason := r.PostFormValue("reason")
	var err error
	switch action {
	case "approve":
		_, err = s.cfg.Registrations.ApproveRegistration(r.Context(), ds.user, id)
	case "reject":
		if strings.TrimSpace(reason) == "" {
			s.registrationPage(w, r, ds, http.StatusUnprocessableEntity, reason, "Not rejected: the reason is required: the partner is told it.")
			return
		}
		_, err = s.cfg.Registrations.RejectRegistration(r.Context(), ds.user, id, reason)
	default:
		s.dashError(w, r, http.StatusNotFound, "There is no such page.", nil)
		return
	}
	switch code := entrypay.ErrorCodeOf(err); {
	case err == nil:
	case code == entrypay.EInvalid, code == entrypay.EStatusInvalid:
		verb := "approved"
		if action == "reject" {
			verb = "rejected"
		}
		s.registrationPage(w, r, ds, http.StatusUnprocessableEntity, reason, "Not "+verb+": "+sentence(entrypay.ErrorMessage(err)))
		return
	default:
		s.opsFail(w, r, err, "There is no such registration.")
		return
	}
	done := "approved"
	if action == "reject" {
		done = "rejected"
	}
	http.Redirect(w, r, "/dashboard/operator/registrations?"+url.Values{"done": {done}, "id": {id}, "status": {"all"}}.Encode(), http.StatusSeeOther)
}
