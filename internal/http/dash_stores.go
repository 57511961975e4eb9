package http

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image"
	_ "image/gif" // logo formats, for image.DecodeConfig
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "golang.org/x/image/webp"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/entrycode"
	"github.com/entrypay/entrypay/internal/i18n"
	"github.com/entrypay/entrypay/internal/statements"
)

// DashStores is what the dashboard's stores, entry codes and branding pages need from
// the gateway. The *AsUser methods refuse a user who is not the merchant's owner with
// entrypay.ErrForbidden; every lookup is scoped to the merchant, so another merchant's
// store, code or batch is ENotFound, like one that does not exist.
type DashStores interface {
	MerchantStores(ctx context.Context, merchantID string) ([]entrypay.StoreCodes, error)
	CreateStoreAsUser(ctx context.Context, u *entrypay.User, in entrypay.NewStore) (*entrypay.Store, error)
	CreateEntryCodeAsUser(ctx context.Context, u *entrypay.User, in entrypay.NewEntryCode) (*entrypay.EntryCode, error)
	SetEntryCodeStatusAsUser(ctx context.Context, u *entrypay.User, value string, status entrypay.CodeStatus) (*entrypay.EntryCode, error)
	ReplaceEntryCodeAsUser(ctx context.Context, u *entrypay.User, value string) (*entrypay.EntryCode, error)
	MerchantCodePage(ctx context.Context, merchantID, value string) (*entrypay.CodePage, error)

	Branding(ctx context.Context, merchantID string) (*entrypay.Branding, error)
	SetBrandingAsUser(ctx context.Context, u *entrypay.User, b entrypay.Branding, keepLogo bool) (*entrypay.Branding, error)
	PreviewBranding(ctx context.Context, merchantID string, b entrypay.Branding, keepLogo bool) (*entrypay.Branding, error)

	Batches(ctx context.Context, merchantID, clearingDate string) ([]*entrypay.SettlementBatch, error)
	MerchantBatchItems(ctx context.Context, merchantID, batchID string) (*entrypay.SettlementBatch, []entrypay.Item, error)
	DayItems(ctx context.Context, merchantID, date string) ([]entrypay.Item, error)
	DayOver(date string) error
	ClearingOf() entrypay.Clearing
}

const (
	// maxUploadBytes caps the branding form with its logo: room for a logo over the
	// limit, so that one is refused with a message naming the field (422), not cut off.
	maxUploadBytes = 4*entrypay.MaxLogoBytes + 64<<10
	// maxLogoSide bounds a logo's width and height in pixels: a small file can declare a
	// huge image, which every customer's phone would have to decode.
	maxLogoSide = 2048
)

// --- stores and entry codes -------------------------------------------------------

type storesPage struct {
	dashPage
	CanManage bool
	Stores    []storeRow
	// The create-store form, kept when it was refused.
	StoreName, StoreDisplay string
	// The create-code form that was refused: its store and values.
	CodeStore, CodeLabel, CodeAmount string
}

type storeRow struct {
	Store *entrypay.Store
	Codes []codeRow
}

type codeRow struct {
	*entrypay.EntryCode
	URL string
}

func (s *Server) codeRows(codes []*entrypay.EntryCode) []codeRow {
	out := make([]codeRow, len(codes))
	for i, c := range codes {
		out[i] = codeRow{EntryCode: c, URL: entrypay.CodeURL(s.cfg.PublicURL, c.Value)}
	}
	return out
}

// storesNotices are the notices a change's redirect may ask for; the URL names one, it
// never carries the text.
var storesNotices = map[string]string{
	"store_created":    "Store created.",
	"code_created":     "Code %s created.",
	"code_disabled":    "Code %s disabled: it no longer takes payments.",
	"code_enabled":     "Code %s enabled.",
	"code_replaced":    "Code replaced: the new code is %s. Print it and put it where the old one was.",
	"branding_changed": "Branding saved. The customer page shows it now.",
}

func storesNotice(q url.Values) string {
	msg, ok := storesNotices[q.Get("done")]
	if !ok {
		return ""
	}
	if strings.Contains(msg, "%s") {
		v, ok := entrypay.NormalizeCode(q.Get("code"))
		if !ok {
			return ""
		}
		return fmt.Sprintf(msg, v)
	}
	return msg
}

// renderStores renders the stores page with p's forms and messages.
func (s *Server) renderStores(w http.ResponseWriter, r *http.Request, ds dashSession, m *entrypay.Merchant, status int, p storesPage) {
	list, err := s.cfg.DashStores.MerchantStores(r.Context(), m.ID)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	base := basePage(ds, m, "Stores and entry codes — "+m.Name)
	base.Notice, base.Error = p.Notice, p.Error
	p.dashPage = base
	p.CanManage = ds.user.Role.CanManage()
	for _, sc := range list {
		p.Stores = append(p.Stores, storeRow{Store: sc.Store, Codes: s.codeRows(sc.Codes)})
	}
	s.dashRender(w, r, status, "stores", p)
}

func (s *Server) dashStores(w http.ResponseWriter, r *http.Request, ds dashSession) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	var p storesPage
	p.Notice = storesNotice(r.URL.Query())
	s.renderStores(w, r, ds, m, http.StatusOK, p)
}

// mayChange is the guard of every change: a viewer or refunder gets the 403 page.
func (s *Server) mayChange(w http.ResponseWriter, r *http.Request, ds dashSession) bool {
	if ds.user.Role.CanManage() {
		return true
	}
	s.dashError(w, r, http.StatusForbidden, "Your role does not allow changes here; ask the merchant's owner.", nil)
	return false
}

// storesChangeFailed answers a gateway error of a change: not found, forbidden or internal
// become their pages; other errors (the input's) are returned for the form.
func (s *Server) storesChangeFailed(w http.ResponseWriter, r *http.Request, err error, notFound string) (string, bool) {
	switch code := entrypay.ErrorCodeOf(err); {
	case err == nil:
		return "", false
	case errors.Is(err, entrypay.ErrForbidden):
		s.dashError(w, r, http.StatusForbidden, "Your role does not allow changes here; ask the merchant's owner.", nil)
	case code == entrypay.ENotFound:
		s.dashError(w, r, http.StatusNotFound, notFound, nil)
	case code == entrypay.EInternal:
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
	default:
		return sentenceOf(entrypay.ErrorMessage(err)), true
	}
	return "", false
}

// sentenceOf makes an error message a sentence: capital first letter, final full stop.
func sentenceOf(msg string) string {
	if msg == "" {
		return msg
	}
	return sentence(strings.ToUpper(msg[:1]) + msg[1:])
}

func (s *Server) dashCreateStore(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !s.mayChange(w, r, ds) {
		return
	}
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	name, display := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("display_name"))
	_, err := s.cfg.DashStores.CreateStoreAsUser(r.Context(), ds.user, entrypay.NewStore{Name: name, DisplayName: display})
	if msg, ok := s.storesChangeFailed(w, r, err, "There is no such store."); ok {
		p := storesPage{StoreName: name, StoreDisplay: display}
		p.Error = "Store not created: " + msg
		s.renderStores(w, r, ds, m, http.StatusUnprocessableEntity, p)
		return
	} else if err != nil {
		return
	}
	http.Redirect(w, r, "/dashboard/stores?done=store_created", http.StatusSeeOther)
}

func (s *Server) dashCreateCode(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !s.mayChange(w, r, ds) {
		return
	}
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	storeID := r.PathValue("store")
	list, err := s.cfg.DashStores.MerchantStores(r.Context(), m.ID)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	i := slices.IndexFunc(list, func(sc entrypay.StoreCodes) bool { return sc.Store.ID == storeID })
	if i < 0 {
		s.dashError(w, r, http.StatusNotFound, "There is no such store.", nil)
		return
	}
	store := list[i].Store
	label, amount := strings.TrimSpace(r.PostFormValue("label")), strings.TrimSpace(r.PostFormValue("amount"))
	refuse := func(msg string) {
		p := storesPage{CodeStore: storeID, CodeLabel: label, CodeAmount: amount}
		p.Error = "Code not created for " + store.Name + ": " + msg
		s.renderStores(w, r, ds, m, http.StatusUnprocessableEntity, p)
	}
	in := entrypay.NewEntryCode{StoreID: storeID, Label: label}
	if amount != "" {
		a, err := entrypay.ParseMajor("fixed amount", amount, store.Currency)
		if err == nil && a.Value <= 0 {
			err = entrypay.Errorf(entrypay.EInvalid, "fixed amount must be more than zero")
		}
		if err != nil {
			refuse(sentenceOf(entrypay.ErrorMessage(err)))
			return
		}
		in.FixedAmount = a
	}
	c, err := s.cfg.DashStores.CreateEntryCodeAsUser(r.Context(), ds.user, in)
	if msg, ok := s.storesChangeFailed(w, r, err, "There is no such store."); ok {
		refuse(msg)
		return
	} else if err != nil {
		return
	}
	http.Redirect(w, r, "/dashboard/stores?done=code_created&code="+c.Value+"#code-"+c.Value, http.StatusSeeOther)
}

// codeActions are what a code's page can do; disable and replace stop the printed code
// working, so they ask for a confirmation.
var codeActions = map[string]struct {
	Title, Button string
	Confirm       string
}{
	"disable": {"Disable code", "Disable the code", "I understand that customers who scan this code will be told it no longer works."},
	"enable":  {"Enable code", "Enable the code", ""},
	"replace": {"Replace code", "Replace the code", "I understand that this code stops working now and that I must print the new one."},
}

type codeConfirmPage struct {
	dashPage
	Code                   codeRow
	Store                  *entrypay.Store
	Action, Button, Prompt string
}

func (s *Server) renderCodeConfirm(w http.ResponseWriter, r *http.Request, ds dashSession, m *entrypay.Merchant, status int, errMsg string) {
	action, ok := codeActions[r.PathValue("action")]
	if !ok {
		s.dashError(w, r, http.StatusNotFound, "There is no such page.", nil)
		return
	}
	cp, err := s.cfg.DashStores.MerchantCodePage(r.Context(), m.ID, r.PathValue("code"))
	if s.lookupFailed(w, r, err, "There is no such entry code.") {
		return
	}
	p := codeConfirmPage{dashPage: basePage(ds, m, action.Title+" "+cp.Code.Value+" — "+m.Name),
		Code: s.codeRows([]*entrypay.EntryCode{cp.Code})[0], Store: cp.Store,
		Action: r.PathValue("action"), Button: action.Button, Prompt: action.Confirm}
	p.Error = errMsg
	s.dashRender(w, r, status, "code-confirm", p)
}

func (s *Server) dashCodeConfirm(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !s.mayChange(w, r, ds) {
		return
	}
	if m := s.merchantOf(w, r, ds); m != nil {
		s.renderCodeConfirm(w, r, ds, m, http.StatusOK, "")
	}
}

func (s *Server) dashCodeAction(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !s.mayChange(w, r, ds) {
		return
	}
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	name := r.PathValue("action")
	action, ok := codeActions[name]
	if !ok {
		s.dashError(w, r, http.StatusNotFound, "There is no such page.", nil)
		return
	}
	value := r.PathValue("code")
	if action.Confirm != "" && r.PostFormValue("confirm") != "yes" {
		// The confirmation page also answers a code that is not the merchant's with 404.
		s.renderCodeConfirm(w, r, ds, m, http.StatusUnprocessableEntity, "Confirm: tick the box to "+strings.ToLower(action.Button)+".")
		return
	}
	var c *entrypay.EntryCode
	var err error
	switch name {
	case "disable":
		c, err = s.cfg.DashStores.SetEntryCodeStatusAsUser(r.Context(), ds.user, value, entrypay.CodeDisabled)
	case "enable":
		c, err = s.cfg.DashStores.SetEntryCodeStatusAsUser(r.Context(), ds.user, value, entrypay.CodeActive)
	case "replace":
		c, err = s.cfg.DashStores.ReplaceEntryCodeAsUser(r.Context(), ds.user, value)
	}
	if msg, ok := s.storesChangeFailed(w, r, err, "There is no such entry code."); ok {
		s.renderCodeConfirm(w, r, ds, m, http.StatusUnprocessableEntity, msg)
		return
	} else if err != nil {
		return
	}
	done := map[string]string{"disable": "code_disabled", "enable": "code_enabled", "replace": "code_replaced"}[name]
	http.Redirect(w, r, "/dashboard/stores?done="+done+"&code="+c.Value+"#code-"+c.Value, http.StatusSeeOther)
}

// dashCodeDownload serves a code's image as a download: png, svg or poster (an A6 SVG,
// ?paper=A5 for A5), the files the admin API and `entrypay code image` make.
func (s *Server) dashCodeDownload(w http.ResponseWriter, r *http.Request, ds dashSession) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	format := r.PathValue("format")
	if format != "png" && format != "svg" && format != "poster" {
		s.dashError(w, r, http.StatusNotFound, "There is no such download.", nil)
		return
	}
	cp, err := s.cfg.DashStores.MerchantCodePage(r.Context(), m.ID, r.PathValue("code"))
	if s.lookupFailed(w, r, err, "There is no such entry code.") {
		return
	}
	paper := "A6"
	if strings.EqualFold(r.URL.Query().Get("paper"), "A5") {
		paper = "A5"
	}
	data, contentType, err := entrycode.Image(cp, s.cfg.PublicURL, format, "url", paper, 600)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	name := "entry-code-" + cp.Code.Value + extension(contentType)
	if format == "poster" {
		name = "entry-code-" + cp.Code.Value + "-poster-" + paper + ".svg"
	}
	attachment(w, name, contentType, data)
}

// attachment sends data as a file to save, never to render here (dashHeaders has set
// nosniff and a CSP that runs nothing, should a browser open it anyway).
func attachment(w http.ResponseWriter, name, contentType string, data []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	_, _ = w.Write(data)
}

// --- branding -----------------------------------------------------------------------

type brandingPage struct {
	dashPage
	CanManage bool
	Form      brandingForm
	// HasLogo says whether a logo is saved; LogoURL is where it is served.
	HasLogo   bool
	LogoURL   string
	Currency  string
	Greetings []greetingField
	// Languages are the preview's language choices.
	Languages []greetingField
}

// brandingForm is the branding form as typed: amounts in major units.
type brandingForm struct {
	DisplayName, Color, Presets, MaxAmount string
	Greetings                              map[string]string
	RemoveLogo                             bool
	Lang                                   string
}

type greetingField struct {
	Tag, Name, Value string
	Selected         bool
}

// brandingFormOf is the form showing saved branding.
func brandingFormOf(b *entrypay.Branding, currency string) brandingForm {
	d, _ := entrypay.Digits(currency)
	f := brandingForm{DisplayName: b.DisplayName, Color: b.Color, Greetings: b.Greetings, Lang: "en"}
	var presets []string
	for _, v := range b.PresetAmounts {
		presets = append(presets, entrypay.FormatMinor(v, d))
	}
	f.Presets = strings.Join(presets, ", ")
	if b.MaxAmount > 0 {
		f.MaxAmount = entrypay.FormatMinor(b.MaxAmount, d)
	}
	return f
}

// readBrandingForm reads the posted branding form: the branding it asks for, the new
// logo if one was uploaded (nil otherwise), whether the current logo is kept, and a
// message naming the first field that is wrong.
func readBrandingForm(r *http.Request, currency string) (f brandingForm, b entrypay.Branding, logo []byte, keepLogo bool, problem string) {
	f = brandingForm{
		DisplayName: strings.TrimSpace(r.PostFormValue("display_name")),
		Color:       strings.TrimSpace(r.PostFormValue("color")),
		Presets:     strings.TrimSpace(r.PostFormValue("presets")),
		MaxAmount:   strings.TrimSpace(r.PostFormValue("max_amount")),
		Greetings:   map[string]string{},
		RemoveLogo:  r.PostFormValue("remove_logo") == "yes",
		Lang:        r.PostFormValue("lang"),
	}
	b = entrypay.Branding{DisplayName: f.DisplayName, Color: strings.ToLower(f.Color)}
	for _, tag := range i18n.Tags {
		if v := strings.TrimSpace(r.PostFormValue("greeting_" + tag)); v != "" {
			f.Greetings[tag] = v
			if b.Greetings == nil {
				b.Greetings = map[string]string{}
			}
			b.Greetings[tag] = v
		}
	}
	if f.Color != "" && !hexColor(f.Color) {
		return f, b, nil, true, fmt.Sprintf("Brand colour %q must be #rrggbb, for example #0a7cff.", clipField(f.Color))
	}
	for part := range strings.FieldsFuncSeq(f.Presets, func(c rune) bool { return c == ',' || c == ' ' || c == ';' }) {
		a, err := entrypay.ParseMajor("preset amount", part, currency)
		if err == nil && a.Value <= 0 {
			err = entrypay.Errorf(entrypay.EInvalid, "preset amount %q must be more than zero", clipField(part))
		}
		if err != nil {
			return f, b, nil, true, "Preset amounts: " + sentenceOf(entrypay.ErrorMessage(err))
		}
		b.PresetAmounts = append(b.PresetAmounts, a.Value)
	}
	if f.MaxAmount != "" {
		a, err := entrypay.ParseMajor("maximum amount", f.MaxAmount, currency)
		if err != nil {
			return f, b, nil, true, sentenceOf(entrypay.ErrorMessage(err))
		}
		b.MaxAmount = a.Value
	}
	keepLogo = !f.RemoveLogo
	file, _, err := r.FormFile("logo")
	switch {
	case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
	case err != nil:
		return f, b, nil, true, "Logo: the file could not be read."
	default:
		defer file.Close()
		logo, err = io.ReadAll(io.LimitReader(file, entrypay.MaxLogoBytes+1))
		if err != nil {
			return f, b, nil, true, "Logo: the file could not be read."
		}
		if len(logo) == 0 {
			logo = nil
			break
		}
		if msg := checkLogo(logo); msg != "" {
			return f, b, nil, true, msg
		}
		keepLogo = false
	}
	b.Logo = logo
	return f, b, logo, keepLogo, ""
}

func hexColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, c := range s[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

func clipField(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// logoTypes are the image formats image.DecodeConfig may find that a logo may be: the
// ones entrypay.LogoType accepts.
var logoTypes = map[string]string{"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}

// checkLogo checks an uploaded logo by its content: it must decode as a PNG, JPEG, GIF or
// WebP image (whatever its name or declared type) of a sensible size; "" when it does.
// The gateway checks the size and the type again when it stores it.
func checkLogo(data []byte) string {
	if len(data) > entrypay.MaxLogoBytes {
		return fmt.Sprintf("Logo: the file is larger than %d KB; make it smaller.", entrypay.MaxLogoBytes>>10)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	declared, _ := entrypay.LogoType(data)
	if err != nil || logoTypes[format] == "" || logoTypes[format] != declared {
		return "Logo: the file is not a PNG, JPEG, GIF or WebP image."
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxLogoSide || cfg.Height > maxLogoSide {
		return fmt.Sprintf("Logo: the image is %d×%d pixels; at most %d×%d.", cfg.Width, cfg.Height, maxLogoSide, maxLogoSide)
	}
	return ""
}

// upload wraps signedIn for the multipart branding form: it reads the form (capped at
// maxUploadBytes, in memory) so that signedIn finds the CSRF token in it.
func (s *Server) upload(next func(w http.ResponseWriter, r *http.Request, ds dashSession)) http.Handler {
	inner := s.signedIn(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Method == http.MethodPost && mt == "multipart/form-data" {
			r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
			if err := r.ParseMultipartForm(maxUploadBytes); err != nil {
				dashHeaders(w)
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					s.dashError(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("The upload is too large: a logo may be at most %d KB.", entrypay.MaxLogoBytes>>10), nil)
					return
				}
				s.dashError(w, r, http.StatusBadRequest, "The form could not be read.", nil)
				return
			}
			defer func() { _ = r.MultipartForm.RemoveAll() }()
		}
		inner.ServeHTTP(w, r)
	})
}

// renderFramed renders a template with the headers set gives, for the pages whose framing
// differs from the rest of the dashboard's.
func (s *Server) renderFramed(w http.ResponseWriter, r *http.Request, status int, t *template.Template, name string, p any, set func(http.Header)) {
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, name, p); err != nil {
		s.logFrom(r.Context()).ErrorContext(r.Context(), "render dashboard page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	set(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func (s *Server) renderBranding(w http.ResponseWriter, r *http.Request, ds dashSession, m *entrypay.Merchant, status int, f *brandingForm, notice, errMsg string) {
	saved, err := s.cfg.DashStores.Branding(r.Context(), m.ID)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	p := brandingPage{dashPage: basePage(ds, m, "Customer page branding — "+m.Name), CanManage: ds.user.Role.CanManage(),
		HasLogo: saved.LogoType != "", Currency: m.SettlementCurrency,
		// The version in the query gets past caches (the logo is served cacheable) after a change.
		LogoURL: "/m/" + url.PathEscape(m.ID) + "/logo?v=" + strconv.FormatInt(saved.UpdatedAt.UnixMilli(), 10)}
	p.Notice, p.Error = notice, errMsg
	if f != nil {
		p.Form = *f
	} else {
		p.Form = brandingFormOf(saved, m.SettlementCurrency)
	}
	for _, tag := range i18n.Tags {
		p.Greetings = append(p.Greetings, greetingField{Tag: tag, Name: s.cat.Name(tag), Value: p.Form.Greetings[tag]})
		p.Languages = append(p.Languages, greetingField{Tag: tag, Name: s.cat.Name(tag), Selected: tag == p.Form.Lang})
	}
	// The page frames the preview (its own origin only); everything else is as on every
	// dashboard page.
	s.renderFramed(w, r, status, dashTemplates, "branding", p, func(h http.Header) {
		dashHeaders(w)
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	})
}

func (s *Server) dashBranding(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if m := s.merchantOf(w, r, ds); m != nil {
		s.renderBranding(w, r, ds, m, http.StatusOK, nil, storesNotice(r.URL.Query()), "")
	}
}

func (s *Server) dashSaveBranding(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !s.mayChange(w, r, ds) {
		return
	}
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	f, b, _, keep, problem := readBrandingForm(r, m.SettlementCurrency)
	if problem != "" {
		s.renderBranding(w, r, ds, m, http.StatusUnprocessableEntity, &f, "", "Branding not saved. "+problem)
		return
	}
	_, err := s.cfg.DashStores.SetBrandingAsUser(r.Context(), ds.user, b, keep)
	if msg, ok := s.storesChangeFailed(w, r, err, "There is no such merchant."); ok {
		s.renderBranding(w, r, ds, m, http.StatusUnprocessableEntity, &f, "", "Branding not saved. "+msg)
		return
	} else if err != nil {
		return
	}
	http.Redirect(w, r, "/dashboard/branding?done=branding_changed", http.StatusSeeOther)
}

// previewHeaders are the customer page's, except that the dashboard's own pages may
// frame it, and that its form goes nowhere.
func previewHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; form-action 'none'; frame-ancestors 'self'; base-uri 'none'")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// dashBrandingPreview renders the customer's amount page, the real template, with the
// saved branding (GET) or the branding the form holds, unsaved (POST), for the branding
// page's frame.
func (s *Server) dashBrandingPreview(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if r.Method == http.MethodPost && !s.mayChange(w, r, ds) {
		return
	}
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	var b *entrypay.Branding
	var err error
	var logoURL template.URL
	if r.Method == http.MethodPost {
		_, in, logo, keep, problem := readBrandingForm(r, m.SettlementCurrency)
		if problem != "" {
			s.previewProblem(w, r, problem)
			return
		}
		b, err = s.cfg.DashStores.PreviewBranding(r.Context(), m.ID, in, keep)
		if msg, ok := s.storesChangeFailed(w, r, err, "There is no such merchant."); ok {
			s.previewProblem(w, r, msg)
			return
		} else if err != nil {
			return
		}
		if logo != nil {
			// The checked upload, inline: it is not stored until the form is saved.
			logoURL = template.URL("data:" + b.LogoType + ";base64," + base64.StdEncoding.EncodeToString(logo))
		}
	} else if b, err = s.cfg.DashStores.Branding(r.Context(), m.ID); err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	list, err := s.cfg.DashStores.MerchantStores(r.Context(), m.ID)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	store := &entrypay.Store{MerchantID: m.ID, Name: m.Name, Currency: m.SettlementCurrency}
	if len(list) > 0 {
		store = list[0].Store
	}
	lang := r.FormValue("lang")
	if !s.cat.Has(lang) {
		lang = "en"
	}
	cp := &entrypay.CodePage{Code: &entrypay.EntryCode{Value: "PREVIEW", Status: entrypay.CodeActive}, Store: store, Merchant: m, Branding: b}
	p := s.basePage(r, cp, "", lang)
	if logoURL != "" {
		p.LogoURL = logoURL
	}
	p.Title = "Preview — " + p.L.T("pay_to", "store", p.StoreName)
	p.Wallet = p.L.T("any_wallet")
	p.Token = "preview"
	p.DecimalKey = "00"
	if p.Digits > 0 {
		p.DecimalKey = "."
	}
	for _, v := range b.PresetAmounts {
		p.Presets = append(p.Presets, preset{Minor: v, Label: formatAmount(entrypay.Amount{Value: v, Currency: p.Currency}, p.Locale)})
	}
	s.renderFramed(w, r, http.StatusOK, pageTemplates, "amount", p, previewHeaders)
}

// previewProblem shows in the preview frame why the form cannot be previewed.
func (s *Server) previewProblem(w http.ResponseWriter, r *http.Request, msg string) {
	s.renderFramed(w, r, http.StatusUnprocessableEntity, dashTemplates, "preview-problem", dashPage{Title: "Preview not shown", Error: "Preview not shown. " + msg}, func(h http.Header) {
		dashHeaders(w)
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'")
		h.Set("X-Frame-Options", "SAMEORIGIN")
	})
}

// --- settlement ---------------------------------------------------------------------

type settlementPage struct {
	dashPage
	Batches []batchRow
}

type batchRow struct {
	*entrypay.SettlementBatch
	Gross, Refunds, Cancels, Fees, Net, Payout entrypay.Amount
	// Closed batches have their settlement reports; a clearing day that is over has its
	// transaction report (DayReport, on the day's first row).
	Closed    bool
	DayReport bool
}

func (s *Server) dashSettlement(w http.ResponseWriter, r *http.Request, ds dashSession) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	batches, err := s.cfg.DashStores.Batches(r.Context(), m.ID, "")
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	p := settlementPage{dashPage: basePage(ds, m, "Settlement — "+m.Name)}
	seen := map[string]bool{}
	for _, b := range slices.Backward(batches) { // newest day first
		a := func(v int64) entrypay.Amount { return entrypay.Amount{Value: v, Currency: b.Currency} }
		row := batchRow{SettlementBatch: b, Gross: a(b.Gross), Refunds: a(b.Refunds), Cancels: a(b.Cancels), Fees: a(b.Fees),
			Net: a(b.Net), Payout: a(b.Payout), Closed: b.Status != entrypay.BatchOpen}
		if !seen[b.ClearingDate] {
			seen[b.ClearingDate] = true
			row.DayReport = s.cfg.DashStores.DayOver(b.ClearingDate) == nil
		}
		p.Batches = append(p.Batches, row)
	}
	s.dashRender(w, r, http.StatusOK, "settlement", p)
}

// dashBatchReport serves one of the merchant's closed batches' settlement details or
// summary: the file the report API and the SFTP delivery give.
func (s *Server) dashBatchReport(w http.ResponseWriter, r *http.Request, ds dashSession) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	kind := r.PathValue("report")
	if kind != "details" && kind != "summary" {
		s.dashError(w, r, http.StatusNotFound, "There is no such report.", nil)
		return
	}
	b, items, err := s.cfg.DashStores.MerchantBatchItems(r.Context(), m.ID, r.PathValue("batch"))
	if s.lookupFailed(w, r, err, "There is no such settlement batch.") {
		return
	}
	details, summary, err := statements.Settlement(m, b, items)
	switch {
	case entrypay.ErrorCodeOf(err) == entrypay.EReportNotReady:
		s.dashError(w, r, http.StatusConflict, "The batch is still open: its reports are made when its clearing day is closed.", nil)
		return
	case err != nil:
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	f := details
	if kind == "summary" {
		f = summary
	}
	attachment(w, f.Name, "text/csv; charset=utf-8", f.Data)
}

// dashDayReport serves the transaction details of a clearing day on which the merchant
// has a batch, once the day is over.
func (s *Server) dashDayReport(w http.ResponseWriter, r *http.Request, ds dashSession) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	date := r.PathValue("date")
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		s.dashError(w, r, http.StatusNotFound, "There is no such settlement day.", nil)
		return
	}
	batches, err := s.cfg.DashStores.Batches(r.Context(), m.ID, date)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	if len(batches) == 0 {
		s.dashError(w, r, http.StatusNotFound, "There is no such settlement day.", nil)
		return
	}
	if err := s.cfg.DashStores.DayOver(date); err != nil {
		s.dashError(w, r, http.StatusConflict, sentenceOf(entrypay.ErrorMessage(err)), nil)
		return
	}
	items, err := s.cfg.DashStores.DayItems(r.Context(), m.ID, date)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	f, err := statements.TransactionDetails(m, date, items, s.cfg.DashStores.ClearingOf())
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	attachment(w, f.Name, "text/csv; charset=utf-8", f.Data)
}
