package http

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/antomsig"
)

// Partners is what the partners pages need from the gateway: a merchant's
// authorizations of partners (Agent-Tokens) and the operator's partner accounts. Changes
// take the signed-in user and return entrypay.ErrForbidden unless it may make them (the
// merchant's owner; an operator); bad input is EInvalid naming the field; a token or
// partner of someone else is ENotFound.
type Partners interface {
	MerchantAuthorizations(ctx context.Context, merchantID string) ([]entrypay.Authorization, error)
	PartnerAuthorizations(ctx context.Context, partnerID string) ([]entrypay.Authorization, error)
	AuthorizePartner(ctx context.Context, u *entrypay.User, in entrypay.NewAuthorization) (*entrypay.AgentToken, error)
	RevokeAuthorization(ctx context.Context, by *entrypay.User, partnerID, ref string) (*entrypay.AgentToken, error)
	Partners(ctx context.Context) ([]*entrypay.Merchant, error)
	CreatePartner(ctx context.Context, by *entrypay.User, in entrypay.NewMerchant) (*entrypay.Merchant, error)
	Merchant(ctx context.Context, id string) (*entrypay.Merchant, error)
}

// authRow is an authorization as the pages list it.
type authRow struct {
	entrypay.Authorization
	Scopes string
	Status string
	Active bool
}

// authorizeForm is the authorize form as typed.
type authorizeForm struct {
	ClientID, Label, Expires string
	Scopes                   map[entrypay.Scope]bool
}

type partnersPage struct {
	dashPage
	CanManage bool
	Rows      []authRow
	AllScopes []entrypay.Scope
	Form      authorizeForm
	// Issued is the token just issued, shown this once.
	Issued *entrypay.AgentToken
}

func (s *Server) authRows(list []entrypay.Authorization) []authRow {
	now := s.cfg.Now()
	rows := make([]authRow, 0, len(list))
	for _, a := range list {
		st := a.Status(now)
		rows = append(rows, authRow{Authorization: a, Scopes: strings.ReplaceAll(entrypay.FormatScopes(a.Token.Scopes), ",", ", "), Status: st, Active: st == "active"})
	}
	return rows
}

// partnersPage renders the merchant's authorizations; p carries a form's leftovers.
func (s *Server) renderPartners(w http.ResponseWriter, r *http.Request, ds dashSession, m *entrypay.Merchant, status int, p partnersPage) {
	list, err := s.cfg.Partners.MerchantAuthorizations(r.Context(), m.ID)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	msg := p.Error
	p.dashPage = basePage(ds, m, "Partners — "+m.Name)
	p.Error = msg
	if r.URL.Query().Get("done") == "revoked" {
		p.Notice = "The authorization is revoked: the partner's calls with that Agent-Token are now refused."
	}
	p.CanManage = ds.user.Role == entrypay.RoleOwner
	p.AllScopes = entrypay.AllScopes
	if p.Form.Scopes == nil {
		p.Form.Scopes = map[entrypay.Scope]bool{entrypay.ScopePayments: true}
	}
	p.Rows = s.authRows(list)
	s.dashRender(w, r, status, "partners", p)
}

func (s *Server) dashPartners(w http.ResponseWriter, r *http.Request, ds dashSession) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	s.renderPartners(w, r, ds, m, http.StatusOK, partnersPage{})
}

// partnerOwner refuses the request with a 403 page unless the user is the merchant's owner.
func (s *Server) partnerOwner(w http.ResponseWriter, r *http.Request, ds dashSession) bool {
	if ds.user.Role != entrypay.RoleOwner || ds.user.MerchantID == "" {
		s.dashError(w, r, http.StatusForbidden, "Only the merchant's owner can authorize partners or revoke their authorizations.", nil)
		return false
	}
	return true
}

// dashAuthorizePartner issues an Agent-Token and shows it once.
func (s *Server) dashAuthorizePartner(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !s.partnerOwner(w, r, ds) {
		return
	}
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	f := authorizeForm{ClientID: strings.TrimSpace(r.PostFormValue("partner")), Label: strings.TrimSpace(r.PostFormValue("label")),
		Expires: strings.TrimSpace(r.PostFormValue("expires")), Scopes: map[entrypay.Scope]bool{}}
	var scopes []entrypay.Scope
	for _, v := range r.PostForm["scope"] {
		sc, err := entrypay.ParseScopes(v)
		if err != nil || len(sc) != 1 {
			continue
		}
		f.Scopes[sc[0]] = true
		scopes = append(scopes, sc[0])
	}
	again := func(msg string) {
		if len(f.ClientID) > 128 || len(f.Label) > 256 || len(f.Expires) > 32 {
			f = authorizeForm{Scopes: f.Scopes}
		}
		s.renderPartners(w, r, ds, m, http.StatusUnprocessableEntity, partnersPage{dashPage: dashPage{Error: "Partner not authorized: " + msg}, Form: f})
	}
	if f.ClientID == "" {
		again("partner client id is required (the partner gives it to you).")
		return
	}
	if len(scopes) == 0 {
		again("scopes: choose at least one.")
		return
	}
	var expires time.Time
	if f.Expires != "" {
		d, err := time.Parse(time.DateOnly, f.Expires)
		if err != nil {
			again("expiry date must be a date such as 2027-01-31.")
			return
		}
		expires = d
	}
	sc, err := entrypay.ParseScopes(entrypay.FormatScopes(scopes))
	if err == nil {
		var tok *entrypay.AgentToken
		tok, err = s.cfg.Partners.AuthorizePartner(r.Context(), ds.user, entrypay.NewAuthorization{
			PartnerClientID: f.ClientID, Scopes: sc, Label: f.Label, Expires: expires})
		if err == nil {
			p := partnersPage{Issued: tok}
			p.Notice = "Partner authorized. Give it the Agent-Token below: it is shown only now."
			s.renderPartners(w, r, ds, m, http.StatusOK, p)
			return
		}
	}
	switch {
	case errors.Is(err, entrypay.ErrForbidden):
		s.dashError(w, r, http.StatusForbidden, "Only the merchant's owner can authorize partners.", nil)
	case invalid(err):
		again(entrypay.ErrorMessage(err) + ".")
	default:
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
	}
}

// authorizationOf finds the authorization ref among list; nil renders the 404 page.
func (s *Server) authorizationOf(w http.ResponseWriter, r *http.Request, list []entrypay.Authorization, err error, ref string) *entrypay.Authorization {
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return nil
	}
	for i := range list {
		if list[i].Ref == ref {
			return &list[i]
		}
	}
	s.dashError(w, r, http.StatusNotFound, "There is no such authorization.", nil)
	return nil
}

// partnerConfirmPage asks before revoking an authorization; Cancel goes back.
type partnerConfirmPage struct {
	devConfirmPage
	Cancel string
}

func revokeQuestion(a *entrypay.Authorization) (question, detail string) {
	return "Revoke the authorization of " + a.Partner.Name + " for " + a.Merchant.Name + "?",
		"Partner client id " + a.Partner.ClientID + ", scopes " + entrypay.FormatScopes(a.Token.Scopes) +
			", Agent-Token ref " + a.Ref + ". From now on every call the partner makes with this Agent-Token is refused with ACCESS_DENIED. " +
			"This cannot be undone; authorize the partner again for a new token."
}

func (s *Server) dashRevokeConfirm(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !s.partnerOwner(w, r, ds) {
		return
	}
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	list, err := s.cfg.Partners.MerchantAuthorizations(r.Context(), m.ID)
	a := s.authorizationOf(w, r, list, err, r.PathValue("ref"))
	if a == nil {
		return
	}
	q, d := revokeQuestion(a)
	s.dashRender(w, r, http.StatusOK, "partner-confirm", partnerConfirmPage{devConfirmPage{dashPage: basePage(ds, m, "Revoke authorization — "+m.Name),
		Action: "/dashboard/partners/" + url.PathEscape(a.Ref) + "/revoke", Question: q, Detail: d, Button: "Revoke authorization"}, "/dashboard/partners"})
}

// revokeFailed renders the page of a failed revocation.
func (s *Server) revokeFailed(w http.ResponseWriter, r *http.Request, err error) {
	if invalid(err) {
		s.dashError(w, r, http.StatusConflict, entrypay.ErrorMessage(err)+".", nil)
		return
	}
	s.failPage(w, r, err, "You cannot revoke this authorization.", "There is no such authorization.")
}

func (s *Server) dashRevokePartner(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !s.partnerOwner(w, r, ds) {
		return
	}
	if m := s.merchantOf(w, r, ds); m == nil {
		return
	}
	if _, err := s.cfg.Partners.RevokeAuthorization(r.Context(), ds.user, "", r.PathValue("ref")); err != nil {
		s.revokeFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard/partners?done=revoked", http.StatusSeeOther)
}

// partnerForm is the operator's new-partner form as typed.
type partnerForm struct {
	Name, Region, PublicKey, NotifyURL, Mode string
}

type consolePartnersPage struct {
	dashPage
	Partners []*entrypay.Merchant
	Form     partnerForm
}

func (s *Server) renderConsolePartners(w http.ResponseWriter, r *http.Request, ds dashSession, status int, p consolePartnersPage) {
	ps, err := s.cfg.Partners.Partners(r.Context())
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	msg := p.Error
	p.dashPage = basePage(ds, nil, "Partners — Operator console")
	p.Error = msg
	if p.Form.Mode == "" {
		p.Form.Mode = "sandbox"
	}
	p.Partners = ps
	s.dashRender(w, r, status, "console-partners", p)
}

func (s *Server) consolePartners(w http.ResponseWriter, r *http.Request, ds dashSession) {
	s.renderConsolePartners(w, r, ds, http.StatusOK, consolePartnersPage{})
}

// consoleCreatePartner creates a partner account, as onboarding does a merchant.
func (s *Server) consoleCreatePartner(w http.ResponseWriter, r *http.Request, ds dashSession) {
	f := partnerForm{Name: strings.TrimSpace(r.PostFormValue("name")), Region: strings.ToUpper(strings.TrimSpace(r.PostFormValue("region"))),
		PublicKey: strings.TrimSpace(r.PostFormValue("public_key")), NotifyURL: strings.TrimSpace(r.PostFormValue("notify_url")), Mode: r.PostFormValue("mode")}
	again := func(msg string) {
		if len(f.PublicKey) > 16<<10 {
			f.PublicKey = ""
		}
		s.renderConsolePartners(w, r, ds, http.StatusUnprocessableEntity, consolePartnersPage{dashPage: dashPage{Error: "Partner not created: " + msg}, Form: f})
	}
	if f.Mode != "sandbox" && f.Mode != "live" {
		again("mode must be sandbox or live.")
		return
	}
	if f.PublicKey == "" {
		again("public key is required (the partner's RSA public key, PEM).")
		return
	}
	pub, err := antomsig.ParsePublicKey([]byte(f.PublicKey))
	if err != nil {
		again("public key is not an RSA public key in PEM or base64 DER.")
		return
	}
	p, err := s.cfg.Partners.CreatePartner(r.Context(), ds.user, entrypay.NewMerchant{Name: f.Name, Region: f.Region, NotifyURL: f.NotifyURL,
		Sandbox: f.Mode == "sandbox", PublicKey: antomsig.EncodePublicKey(pub)})
	switch code := entrypay.ErrorCodeOf(err); {
	case err == nil:
		http.Redirect(w, r, "/dashboard/operator/partners/"+url.PathEscape(p.ID)+"?done=created", http.StatusSeeOther)
	case errors.Is(err, entrypay.ErrForbidden):
		s.dashError(w, r, http.StatusForbidden, "This page is for entrypay's operators.", nil)
	case code == entrypay.EInternal:
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
	default:
		again(entrypay.ErrorMessage(err) + ".")
	}
}

type consolePartnerPage struct {
	dashPage
	P    *entrypay.Merchant
	Mode string
	Rows []authRow
}

// partnerOf returns the partner of the path's {id}; a merchant's id or an unknown one
// renders the 404 page.
func (s *Server) partnerOf(w http.ResponseWriter, r *http.Request) *entrypay.Merchant {
	p, err := s.cfg.Partners.Merchant(r.Context(), r.PathValue("id"))
	if err != nil && entrypay.ErrorCodeOf(err) != entrypay.EInvalid {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return nil
	}
	if err != nil || !p.IsPartner() {
		s.dashError(w, r, http.StatusNotFound, "There is no such partner.", nil)
		return nil
	}
	return p
}

func (s *Server) consolePartner(w http.ResponseWriter, r *http.Request, ds dashSession) {
	p := s.partnerOf(w, r)
	if p == nil {
		return
	}
	list, err := s.cfg.Partners.PartnerAuthorizations(r.Context(), p.ID)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	page := consolePartnerPage{dashPage: basePage(ds, nil, p.Name+" — Partners — Operator console"), P: p, Mode: modeOf(p), Rows: s.authRows(list)}
	switch r.URL.Query().Get("done") {
	case "created":
		page.Notice = "Partner created. Give it its client id; merchants authorize it with that id."
	case "revoked":
		page.Notice = "The authorization is revoked."
	}
	s.dashRender(w, r, http.StatusOK, "console-partner", page)
}

func (s *Server) consoleRevokeConfirm(w http.ResponseWriter, r *http.Request, ds dashSession) {
	p := s.partnerOf(w, r)
	if p == nil {
		return
	}
	list, err := s.cfg.Partners.PartnerAuthorizations(r.Context(), p.ID)
	a := s.authorizationOf(w, r, list, err, r.PathValue("ref"))
	if a == nil {
		return
	}
	q, d := revokeQuestion(a)
	s.dashRender(w, r, http.StatusOK, "partner-confirm", partnerConfirmPage{devConfirmPage{dashPage: basePage(ds, nil, "Revoke authorization — Operator console"),
		Action: "/dashboard/operator/partners/" + url.PathEscape(p.ID) + "/tokens/" + url.PathEscape(a.Ref) + "/revoke", Question: q, Detail: d, Button: "Revoke authorization"},
		"/dashboard/operator/partners/" + url.PathEscape(p.ID)})
}

func (s *Server) consoleRevokePartner(w http.ResponseWriter, r *http.Request, ds dashSession) {
	p := s.partnerOf(w, r)
	if p == nil {
		return
	}
	if _, err := s.cfg.Partners.RevokeAuthorization(r.Context(), ds.user, p.ID, r.PathValue("ref")); err != nil {
		s.revokeFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard/operator/partners/"+url.PathEscape(p.ID)+"?done=revoked", http.StatusSeeOther)
}
