package http

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/qrimage"
)

// accountPage is the signed-in user's own settings: who they are and the second factor.
type accountPage struct {
	dashPage
	// Setting up: the new secret, its otpauth:// URI drawn as a QR code.
	Secret string
	QR     template.HTML
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, ds dashSession, status int, p accountPage) {
	m := (*entrypay.Merchant)(nil)
	if ds.user.MerchantID != "" {
		var err error
		if m, err = s.cfg.Dashboard.Merchant(r.Context(), ds.user.MerchantID); err != nil {
			s.dashError(w, r, http.StatusInternalServerError, internalError, err)
			return
		}
	}
	notice, errMsg := p.Notice, p.Error
	p.dashPage = basePage(ds, m, "Your account")
	p.Notice, p.Error = notice, errMsg
	s.dashRender(w, r, status, "account", p)
}

func (s *Server) dashAccount(w http.ResponseWriter, r *http.Request, ds dashSession) {
	var p accountPage
	switch r.URL.Query().Get("done") {
	case "on":
		p.Notice = "Two-factor sign-in is on: signing in now asks for a code from your authenticator app."
	case "off":
		p.Notice = "Two-factor sign-in is off."
	}
	s.accountPage(w, r, ds, http.StatusOK, p)
}

// dashTOTPSetup shows a new secret to scan, with the form that confirms it by a code.
// Nothing is stored until a code of the secret comes back.
func (s *Server) dashTOTPSetup(w http.ResponseWriter, r *http.Request, ds dashSession) {
	s.totpSetupPage(w, r, ds, http.StatusOK, "", "")
}

func (s *Server) totpSetupPage(w http.ResponseWriter, r *http.Request, ds dashSession, status int, secret, msg string) {
	var p accountPage
	uri := ""
	if secret == "" {
		var err error
		if secret, uri, err = s.cfg.Dashboard.NewTOTPSecret(ds.user); err != nil {
			s.dashError(w, r, http.StatusInternalServerError, internalError, err)
			return
		}
	} else {
		// The form came back with a wrong code: the same secret again, so the app the
		// user already scanned it into keeps working.
		q := url.Values{"issuer": {"entrypay"}, "secret": {secret}, "period": {"30"}, "digits": {"6"}, "algorithm": {"SHA1"}}
		uri = "otpauth://totp/" + url.PathEscape("entrypay:"+ds.user.Email) + "?" + q.Encode()
	}
	code, err := qrimage.New(uri)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	p.Secret = secret
	p.QR = template.HTML(code.SVG(200)) // our own drawing of the URI: no markup from outside
	p.Error = msg
	s.accountPage(w, r, ds, status, p)
}

func (s *Server) dashTOTPEnable(w http.ResponseWriter, r *http.Request, ds dashSession) {
	secret := r.PostFormValue("secret")
	err := s.cfg.Dashboard.EnableTOTP(r.Context(), ds.user.ID, secret, r.PostFormValue("code"))
	switch {
	case err == nil:
		http.Redirect(w, r, "/dashboard/account?done=on", http.StatusSeeOther)
	case entrypay.ErrorCodeOf(err) == entrypay.EInvalid:
		if len(secret) > 128 || secret == "" {
			secret = "" // a forged form: start again with a new secret
		}
		s.totpSetupPage(w, r, ds, http.StatusUnprocessableEntity, secret, "Not turned on: "+entrypay.ErrorMessage(err)+".")
	default:
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
	}
}

func (s *Server) dashTOTPDisable(w http.ResponseWriter, r *http.Request, ds dashSession) {
	err := s.cfg.Dashboard.DisableTOTP(r.Context(), ds.user.ID, r.PostFormValue("code"))
	switch {
	case err == nil:
		http.Redirect(w, r, "/dashboard/account?done=off", http.StatusSeeOther)
	case entrypay.ErrorCodeOf(err) == entrypay.EInvalid:
		s.accountPage(w, r, ds, http.StatusUnprocessableEntity, accountPage{dashPage: dashPage{Error: "Not turned off: " + entrypay.ErrorMessage(err) + "."}})
	case errors.Is(err, entrypay.ErrNotFound):
		s.dashError(w, r, http.StatusNotFound, "There is no such user.", nil)
	default:
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
	}
}
