package http

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/entrypay/entrypay"
)

// Team is what the dashboard's team page needs from the gateway: the owner manages the
// merchant's users.
type Team interface {
	TeamMembers(ctx context.Context, u *entrypay.User) ([]*entrypay.User, error)
	InviteMember(ctx context.Context, by *entrypay.User, email string, role entrypay.Role) (*entrypay.User, string, error)
	ResetMember(ctx context.Context, by *entrypay.User, userID string) (*entrypay.User, string, error)
	RemoveMember(ctx context.Context, by *entrypay.User, userID string) error
}

type teamPage struct {
	dashPage
	Members   []memberRow
	CanManage bool
	Roles     []entrypay.Role
	// The invitation form as typed, and a link just made (shown once).
	InviteEmail, InviteRole string
	LinkFor, Link, LinkTTL  string
}

type memberRow struct {
	U      *entrypay.User
	Status string
	Self   bool
}

// linkURL is the absolute URL of a one-time link's token.
func (s *Server) linkURL(token string) string {
	return strings.TrimRight(s.cfg.PublicURL, "/") + "/dashboard/link/" + token
}

func (s *Server) teamPage(w http.ResponseWriter, r *http.Request, ds dashSession, status int, p teamPage) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	members, err := s.cfg.Team.TeamMembers(r.Context(), ds.user)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	notice, errMsg := p.Notice, p.Error
	p.dashPage = basePage(ds, m, "Team — "+m.Name)
	p.Notice, p.Error = notice, errMsg
	p.CanManage = ds.user.Role == entrypay.RoleOwner
	p.Roles = []entrypay.Role{entrypay.RoleViewer, entrypay.RoleRefunder, entrypay.RoleOwner}
	now := s.cfg.Now()
	for _, u := range members {
		row := memberRow{U: u, Self: u.ID == ds.user.ID, Status: "active"}
		switch {
		case u.PasswordHash == "":
			row.Status = "invited (no password yet)"
		case now.Before(u.LockedUntil):
			row.Status = "locked until " + u.LockedUntil.In(merchantLocation(m)).Format("15:04")
		}
		p.Members = append(p.Members, row)
	}
	s.dashRender(w, r, status, "team", p)
}

func (s *Server) dashTeam(w http.ResponseWriter, r *http.Request, ds dashSession) {
	var p teamPage
	if r.URL.Query().Get("removed") != "" {
		p.Notice = "The user is removed and signed out."
	}
	s.teamPage(w, r, ds, http.StatusOK, p)
}

// teamFailed renders the outcome of a refused change: 403, 404, 422 in place, or 500.
func (s *Server) teamFailed(w http.ResponseWriter, r *http.Request, ds dashSession, p teamPage, what string, err error) {
	switch code := entrypay.ErrorCodeOf(err); {
	case errors.Is(err, entrypay.ErrForbidden):
		s.dashError(w, r, http.StatusForbidden, "Only an owner may manage the team.", nil)
	case code == entrypay.ENotFound:
		s.dashError(w, r, http.StatusNotFound, "There is no such user in your team.", nil)
	case code == entrypay.EInvalid:
		p.Error = what + ": " + entrypay.ErrorMessage(err) + "."
		s.teamPage(w, r, ds, http.StatusUnprocessableEntity, p)
	default:
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
	}
}

func (s *Server) dashTeamInvite(w http.ResponseWriter, r *http.Request, ds dashSession) {
	p := teamPage{InviteEmail: strings.TrimSpace(r.PostFormValue("email")), InviteRole: r.PostFormValue("role")}
	u, token, err := s.cfg.Team.InviteMember(r.Context(), ds.user, p.InviteEmail, entrypay.Role(p.InviteRole))
	if err != nil {
		s.teamFailed(w, r, ds, p, "Not invited", err)
		return
	}
	// The link is shown once, here: entrypay keeps only its hash.
	s.teamPage(w, r, ds, http.StatusOK, teamPage{LinkFor: u.Email, Link: s.linkURL(token), LinkTTL: "72 hours",
		dashPage: dashPage{Notice: u.Email + " is invited as " + string(u.Role) + "."}})
}

func (s *Server) dashTeamReset(w http.ResponseWriter, r *http.Request, ds dashSession) {
	u, token, err := s.cfg.Team.ResetMember(r.Context(), ds.user, r.PathValue("id"))
	if err != nil {
		s.teamFailed(w, r, ds, teamPage{}, "No link made", err)
		return
	}
	s.teamPage(w, r, ds, http.StatusOK, teamPage{LinkFor: u.Email, Link: s.linkURL(token), LinkTTL: "1 hour",
		dashPage: dashPage{Notice: "A password reset link for " + u.Email + " is ready."}})
}

func (s *Server) dashTeamRemove(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if r.PostFormValue("confirm") != "yes" {
		if ds.user.Role != entrypay.RoleOwner {
			s.dashError(w, r, http.StatusForbidden, "Only an owner may manage the team.", nil)
			return
		}
		s.teamPage(w, r, ds, http.StatusUnprocessableEntity, teamPage{dashPage: dashPage{Error: "Not removed: tick the box to confirm."}})
		return
	}
	if err := s.cfg.Team.RemoveMember(r.Context(), ds.user, r.PathValue("id")); err != nil {
		s.teamFailed(w, r, ds, teamPage{}, "Not removed", err)
		return
	}
	http.Redirect(w, r, "/dashboard/team?removed=1", http.StatusSeeOther)
}
