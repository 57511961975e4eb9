package http

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/antomsig"
)

// DashDevelopers is what the dashboard's developers pages (keys, notifications) need
// from the gateway. Changes take the signed-in user and return entrypay.ErrForbidden
// unless it is the merchant's owner; bad input is an *entrypay.Error with code
// EInvalid whose message names the field; ids of another merchant are ENotFound.
type DashDevelopers interface {
	MerchantKeys(ctx context.Context, merchantID string) ([]*entrypay.MerchantKey, error)
	UploadMerchantKey(ctx context.Context, u *entrypay.User, publicKey, label string) (*entrypay.MerchantKey, error)
	RevokeMerchantKey(ctx context.Context, u *entrypay.User, version int) (*entrypay.MerchantKey, error)
	SetNotifyURLAsUser(ctx context.Context, u *entrypay.User, notifyURL string) (*entrypay.Merchant, error)
	SetMerchantMode(ctx context.Context, u *entrypay.User, sandbox bool) (*entrypay.Merchant, error)
	NotificationLog(ctx context.Context, q entrypay.NotificationLogQuery) ([]*entrypay.NotificationLogEntry, error)
	NotificationDetail(ctx context.Context, merchantID, id string) (*entrypay.NotificationLogDetail, error)
	RedeliverNotification(ctx context.Context, u *entrypay.User, id string) (*entrypay.NotificationAttempt, error)
	SendTestNotification(ctx context.Context, u *entrypay.User) (*entrypay.TestNotification, error)
}

// maxKeyUpload caps the key upload form (the key itself is at most 16 KiB).
const maxKeyUpload = 64 << 10

// devPage is the developers page: the client id, keys, the gateway's key, the
// notification URL and the mode.
type devPage struct {
	dashPage
	CanManage          bool
	ClientID           string
	Sandbox            bool
	APIBase            string
	Keys               []devKey
	GatewayKeyPEM      string
	GatewayKeyVersion  int
	GatewayFingerprint string
	// NotifyURL, PEM and KeyLabel are the forms' values (what was typed, after an error).
	NotifyURL string
	PEM       string
	KeyLabel  string
	// KeyError, URLError and TestError are shown beside their forms.
	KeyError, URLError, TestError string
	Test                          *entrypay.TestNotification
}

type devKey struct {
	Version     int
	Label       string
	CreatedAt   time.Time
	RevokedAt   time.Time
	Active      bool
	Fingerprint string
	CanRevoke   bool
}

// devConfirmPage asks before revoking a key or switching the mode.
type devConfirmPage struct {
	dashPage
	Action   string
	Question string
	Detail   string
	Button   string
	// Field and Value are the hidden field the POST carries.
	Field, Value string
}

// devLogPage is the notification delivery log.
type devLogPage struct {
	dashPage
	CanManage  bool
	FailedOnly bool
	Entries    []*entrypay.NotificationLogEntry
	PrevURL    string
	NextURL    string
}

// devNotificationPage is one notification with every attempt.
type devNotificationPage struct {
	dashPage
	CanManage bool
	D         *entrypay.NotificationLogDetail
	Body      string
}

// devOwner refuses the request with a 403 page unless the user is the merchant's owner.
func (s *Server) devOwner(w http.ResponseWriter, r *http.Request, ds dashSession) bool {
	if ds.user.Role != entrypay.RoleOwner || ds.user.MerchantID == "" {
		s.dashError(w, r, http.StatusForbidden, "Only the merchant's owner can change keys, the notification URL or the mode, or send notifications.", nil)
		return false
	}
	return true
}

// devFailed renders the page for a gateway error that is not bad input.
func (s *Server) devFailed(w http.ResponseWriter, r *http.Request, err error, what string) {
	s.failPage(w, r, err, "Only the merchant's owner can do this.", "There is no such "+what+".")
}

// invalid reports whether err is bad input, to be shown beside the form.
func invalid(err error) bool {
	return err != nil && !errors.Is(err, entrypay.ErrForbidden) && entrypay.ErrorCodeOf(err) == entrypay.EInvalid
}

// developersPage renders the developers page of m; p carries what a form left.
func (s *Server) developersPage(w http.ResponseWriter, r *http.Request, ds dashSession, m *entrypay.Merchant, status int, p devPage) {
	ks, err := s.cfg.DashDevelopers.MerchantKeys(r.Context(), m.ID)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	errMsg := p.Error
	p.dashPage = basePage(ds, m, "Developers — "+m.Name)
	p.Error = errMsg
	if done := r.URL.Query().Get("done"); done != "" {
		p.Notice = devNotices[done]
	}
	p.CanManage = ds.user.Role == entrypay.RoleOwner
	p.ClientID, p.Sandbox = m.ClientID, m.Sandbox()
	p.APIBase = strings.TrimSuffix(s.cfg.PublicURL, "/") + "/ams/api"
	if p.Sandbox {
		p.APIBase = strings.TrimSuffix(s.cfg.PublicURL, "/") + "/ams/sandbox/api"
	}
	if p.NotifyURL == "" && p.URLError == "" {
		p.NotifyURL = m.NotifyURL
	}
	active := 0
	for _, k := range ks {
		if k.Active() {
			active++
		}
	}
	for i := len(ks) - 1; i >= 0; i-- {
		k := ks[i]
		p.Keys = append(p.Keys, devKey{Version: k.KeyVersion, Label: k.Label, CreatedAt: k.CreatedAt, RevokedAt: k.RevokedAt, Active: k.Active(),
			Fingerprint: entrypay.KeyFingerprint(k.PublicKey), CanRevoke: p.CanManage && k.Active() && active > 1})
	}
	if s.cfg.Key != nil {
		pemText := antomsig.PublicKeyPEM(&s.cfg.Key.PublicKey)
		p.GatewayKeyPEM, p.GatewayKeyVersion = string(pemText), s.cfg.KeyVersion
		p.GatewayFingerprint = entrypay.KeyFingerprint(antomsig.EncodePublicKey(&s.cfg.Key.PublicKey))
	}
	s.dashRender(w, r, status, "developers", p)
}

// devNotices are the notices a redirect after a change names (?done=…).
var devNotices = map[string]string{
	"key":     "The new key version is active. The earlier versions stay valid until you revoke them.",
	"revoked": "The key version is revoked: requests signed with it are now refused.",
	"url":     "The notification URL is saved.",
	"mode":    "The mode is switched. Use the client id shown here from now on.",
}

func (s *Server) devHome(w http.ResponseWriter, r *http.Request, ds dashSession) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	s.developersPage(w, r, ds, m, http.StatusOK, devPage{})
}

// devGatewayKey downloads the gateway's public key as a PEM file.
func (s *Server) devGatewayKey(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if m := s.merchantOf(w, r, ds); m == nil {
		return
	}
	if s.cfg.Key == nil {
		s.dashError(w, r, http.StatusNotFound, "This server has no gateway key.", nil)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Content-Disposition", `attachment; filename="entrypay-gateway-key-v`+strconv.Itoa(s.cfg.KeyVersion)+`.pem"`)
	_, _ = w.Write(antomsig.PublicKeyPEM(&s.cfg.Key.PublicKey))
}

// multipartForm parses a multipart form (the key upload's file) before signedIn reads
// the CSRF token from it; other forms pass through.
func multipartForm(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			r.Body = http.MaxBytesReader(w, r.Body, maxKeyUpload)
			if err := r.ParseMultipartForm(maxKeyUpload); err != nil {
				dashHeaders(w)
				http.Error(w, "The form could not be read.", http.StatusBadRequest)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// uploadedKey returns the key pasted in the box or sent as a file.
func uploadedKey(r *http.Request) (string, error) {
	text := r.PostFormValue("pem")
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return text, nil
	}
	fh := r.MultipartForm.File["file"][0]
	if fh.Size == 0 {
		return text, nil
	}
	if strings.TrimSpace(text) != "" {
		return "", entrypay.Errorf(entrypay.EInvalid, "public key: paste the key or choose a file, not both")
	}
	f, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyUpload))
	return string(data), err
}

func (s *Server) devUploadKey(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !s.devOwner(w, r, ds) {
		return
	}
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	text, err := uploadedKey(r)
	label := strings.TrimSpace(r.PostFormValue("label"))
	if err == nil {
		_, err = s.cfg.DashDevelopers.UploadMerchantKey(r.Context(), ds.user, text, label)
	}
	if invalid(err) {
		pemText := text
		if len(pemText) > 16<<10 || strings.ContainsRune(pemText, 0) {
			pemText = ""
		}
		if len(label) > 4*entrypay.MaxKeyLabel {
			label = ""
		}
		s.developersPage(w, r, ds, m, http.StatusUnprocessableEntity, devPage{KeyError: "Key not added: " + entrypay.ErrorMessage(err) + ".", PEM: pemText, KeyLabel: label})
		return
	}
	if err != nil {
		s.devFailed(w, r, err, "merchant")
		return
	}
	http.Redirect(w, r, "/dashboard/developers?done=key#keys", http.StatusSeeOther)
}

// keyVersion reads the {version} of a path; 0 when it is not a version number.
func keyVersion(r *http.Request) int {
	v, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || v <= 0 || v > 1<<20 {
		return 0
	}
	return v
}

func (s *Server) devRevokeConfirm(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !s.devOwner(w, r, ds) {
		return
	}
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	v := keyVersion(r)
	ks, err := s.cfg.DashDevelopers.MerchantKeys(r.Context(), m.ID)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	var k *entrypay.MerchantKey
	for _, c := range ks {
		if c.KeyVersion == v {
			k = c
		}
	}
	if k == nil {
		s.dashError(w, r, http.StatusNotFound, "There is no such key version.", nil)
		return
	}
	vs := strconv.Itoa(v)
	s.dashRender(w, r, http.StatusOK, "dev-confirm", devConfirmPage{
		dashPage: basePage(ds, m, "Revoke key version "+vs+" — "+m.Name),
		Action:   "/dashboard/developers/keys/" + vs + "/revoke",
		Question: "Revoke key version " + vs + "?",
		Detail: "SHA-256 " + entrypay.KeyFingerprint(k.PublicKey) + ". From now on every API request signed with this version is refused " +
			"with KEY_NOT_FOUND. This cannot be undone; to use the key again, upload it as a new version.",
		Button: "Revoke key version " + vs,
	})
}

func (s *Server) devRevoke(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !s.devOwner(w, r, ds) {
		return
	}
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	v := keyVersion(r)
	if v == 0 {
		s.dashError(w, r, http.StatusNotFound, "There is no such key version.", nil)
		return
	}
	_, err := s.cfg.DashDevelopers.RevokeMerchantKey(r.Context(), ds.user, v)
	if invalid(err) {
		s.developersPage(w, r, ds, m, http.StatusUnprocessableEntity, devPage{KeyError: "Key version " + strconv.Itoa(v) + " not revoked: " + entrypay.ErrorMessage(err) + "."})
		return
	}
	if err != nil {
		s.devFailed(w, r, err, "key version")
		return
	}
	http.Redirect(w, r, "/dashboard/developers?done=revoked#keys", http.StatusSeeOther)
}

func (s *Server) devNotifyURL(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !s.devOwner(w, r, ds) {
		return
	}
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	raw := r.PostFormValue("notify_url")
	_, err := s.cfg.DashDevelopers.SetNotifyURLAsUser(r.Context(), ds.user, raw)
	if invalid(err) {
		s.developersPage(w, r, ds, m, http.StatusUnprocessableEntity, devPage{URLError: "Not saved: " + entrypay.ErrorMessage(err) + ".", NotifyURL: raw})
		return
	}
	if err != nil {
		s.devFailed(w, r, err, "merchant")
		return
	}
	http.Redirect(w, r, "/dashboard/developers?done=url#notify", http.StatusSeeOther)
}

// devTestNotification sends a test notification and shows its outcome on the page.
func (s *Server) devTestNotification(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !s.devOwner(w, r, ds) {
		return
	}
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	tn, err := s.cfg.DashDevelopers.SendTestNotification(r.Context(), ds.user)
	if invalid(err) {
		s.developersPage(w, r, ds, m, http.StatusUnprocessableEntity, devPage{TestError: "Not sent: " + entrypay.ErrorMessage(err) + "."})
		return
	}
	if err != nil {
		s.devFailed(w, r, err, "merchant")
		return
	}
	tn.Attempt.Duration = tn.Attempt.Duration.Round(time.Millisecond)
	s.developersPage(w, r, ds, m, http.StatusOK, devPage{Test: tn})
}

// formMode reads the mode a form asks for.
func formMode(v string) (sandbox, ok bool) {
	switch v {
	case "sandbox":
		return true, true
	case "live":
		return false, true
	}
	return false, false
}

func (s *Server) devModeConfirm(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !s.devOwner(w, r, ds) {
		return
	}
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	to, newID := "live", strings.TrimPrefix(m.ClientID, entrypay.SandboxPrefix)
	detail := "Payments then go to the real wallets through Alipay+, and real money moves. API calls go to /ams/api. "
	if !m.Sandbox() {
		to, newID = "sandbox", entrypay.SandboxPrefix+m.ClientID
		detail = "Payments then go to the sandbox wallets: no real money moves. API calls go to /ams/sandbox/api (or /ams/api). "
	}
	s.dashRender(w, r, http.StatusOK, "dev-confirm", devConfirmPage{
		dashPage: basePage(ds, m, "Switch to "+to+" — "+m.Name),
		Action:   "/dashboard/developers/mode",
		Question: "Switch " + m.Name + " to " + to + "?",
		Detail: detail + "Your client id becomes " + newID + " (it was " + m.ClientID + "): requests with the old one are refused " +
			"until your systems use the new one. Keys, the notification URL, stores, codes and past payments stay as they are; " +
			"payments already started finish where they began.",
		Button: "Switch to " + to,
		Field:  "mode", Value: to,
	})
}

func (s *Server) devMode(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !s.devOwner(w, r, ds) {
		return
	}
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	sandbox, ok := formMode(r.PostFormValue("mode"))
	if !ok {
		s.developersPage(w, r, ds, m, http.StatusUnprocessableEntity, devPage{dashPage: dashPage{Error: "Mode not switched: mode must be sandbox or live."}})
		return
	}
	_, err := s.cfg.DashDevelopers.SetMerchantMode(r.Context(), ds.user, sandbox)
	if invalid(err) {
		s.developersPage(w, r, ds, m, http.StatusUnprocessableEntity, devPage{dashPage: dashPage{Error: "Mode not switched: " + entrypay.ErrorMessage(err) + "."}})
		return
	}
	if err != nil {
		s.devFailed(w, r, err, "merchant")
		return
	}
	http.Redirect(w, r, "/dashboard/developers?done=mode#mode", http.StatusSeeOther)
}

func (s *Server) devNotifications(w http.ResponseWriter, r *http.Request, ds dashSession) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	q := r.URL.Query()
	p := devLogPage{dashPage: basePage(ds, m, "Notification delivery log — "+m.Name), CanManage: ds.user.Role == entrypay.RoleOwner,
		FailedOnly: q.Get("failed") != ""}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	list, err := s.cfg.DashDevelopers.NotificationLog(r.Context(), entrypay.NotificationLogQuery{
		MerchantID: m.ID, FailedOnly: p.FailedOnly, Offset: (page - 1) * dashPageSize, Limit: dashPageSize + 1})
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	failed := url.Values{}
	if p.FailedOnly {
		failed.Set("failed", "1")
	}
	list, p.PrevURL, p.NextURL = pageOf(list, "/dashboard/developers/notifications", failed, page)
	p.Entries = list
	s.dashRender(w, r, http.StatusOK, "dev-notifications", p)
}

// notificationPage renders one notification of the user's merchant; another
// merchant's is the same 404 as one that does not exist.
func (s *Server) notificationPage(w http.ResponseWriter, r *http.Request, ds dashSession, m *entrypay.Merchant, notice string) {
	d, err := s.cfg.DashDevelopers.NotificationDetail(r.Context(), m.ID, r.PathValue("id"))
	if err != nil {
		s.devFailed(w, r, err, "notification")
		return
	}
	p := devNotificationPage{dashPage: basePage(ds, m, "Notification "+d.Entry.ID+" — "+m.Name), D: d,
		CanManage: ds.user.Role == entrypay.RoleOwner && !d.Entry.Test}
	p.Notice = notice
	for _, a := range d.Attempts {
		a.Duration = a.Duration.Round(time.Millisecond)
	}
	p.Body = string(d.Body)
	if !strings.HasPrefix(strings.TrimSpace(p.Body), "{") {
		p.Body = base64.StdEncoding.EncodeToString(d.Body)
	}
	s.dashRender(w, r, http.StatusOK, "dev-notification", p)
}

func (s *Server) devNotification(w http.ResponseWriter, r *http.Request, ds dashSession) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	notice := ""
	if a := r.URL.Query().Get("attempt"); a != "" {
		if n, err := strconv.Atoi(a); err == nil {
			notice = "Attempt " + strconv.Itoa(n) + " made: see it below."
		}
	}
	s.notificationPage(w, r, ds, m, notice)
}

func (s *Server) devRedeliver(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !s.devOwner(w, r, ds) {
		return
	}
	if m := s.merchantOf(w, r, ds); m == nil {
		return
	}
	id := r.PathValue("id")
	a, err := s.cfg.DashDevelopers.RedeliverNotification(r.Context(), ds.user, id)
	if err != nil {
		s.devFailed(w, r, err, "notification")
		return
	}
	http.Redirect(w, r, "/dashboard/developers/notifications/"+url.PathEscape(id)+"?attempt="+strconv.Itoa(a.Attempt), http.StatusSeeOther)
}
