package http

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/entrycode"
	"github.com/entrypay/entrypay/internal/jsonwire"
)

// Admin is what the operator's admin API needs from the gateway.
type Admin interface {
	CreateEntryCode(ctx context.Context, in entrypay.NewEntryCode) (*entrypay.EntryCode, error)
	EntryCodes(ctx context.Context, q entrypay.EntryCodeQuery) ([]*entrypay.EntryCode, error)
	SetEntryCodeStatus(ctx context.Context, value string, status entrypay.CodeStatus) (*entrypay.EntryCode, error)
	ReplaceEntryCode(ctx context.Context, value string) (*entrypay.EntryCode, error)
	CodePage(ctx context.Context, value string) (*entrypay.CodePage, error)
	Branding(ctx context.Context, merchantID string) (*entrypay.Branding, error)
	SetBranding(ctx context.Context, b entrypay.Branding, keepLogo bool) (*entrypay.Branding, error)
}

// adminError is the admin API's error body.
type adminError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// adminStatus maps the error vocabulary to HTTP statuses: the admin API is a plain REST
// API for operators, not the Antom wire protocol.
func adminStatus(code entrypay.ErrorCode) int {
	switch code {
	case entrypay.EInvalid, entrypay.ECurrencyNotSupported:
		return http.StatusBadRequest
	case entrypay.ENotFound:
		return http.StatusNotFound
	case entrypay.EInternal:
		return http.StatusInternalServerError
	}
	return http.StatusConflict
}

func (s *Server) adminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (s *Server) adminFail(w http.ResponseWriter, r *http.Request, err error) {
	code := entrypay.ErrorCodeOf(err)
	if code == entrypay.EInternal {
		s.logFrom(r.Context()).ErrorContext(r.Context(), "admin API call failed", "path", r.URL.Path, "err", err)
	}
	var body adminError
	body.Error.Code, body.Error.Message = string(code), entrypay.ErrorMessage(err)
	s.adminJSON(w, adminStatus(code), body)
}

// admin wraps an admin handler: the operator token is required, compared in constant time.
func (s *Server) admin(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.AdminToken)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="entrypay admin"`)
			var body adminError
			body.Error.Code, body.Error.Message = "UNAUTHORIZED", "a valid operator token is required (Authorization: Bearer …)"
			s.adminJSON(w, http.StatusUnauthorized, body)
			return
		}
		if err := h(w, r); err != nil {
			s.adminFail(w, r, err)
		}
	})
}

// readJSON decodes a request body strictly, naming the bad field.
func readJSON(r *http.Request, max int64, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil || int64(len(data)) > max {
		return entrypay.Errorf(entrypay.EInvalid, "body must be at most %d bytes", max)
	}
	if err := jsonwire.Decode(data, v); err != nil {
		return &entrypay.Error{Code: entrypay.EInvalid, Message: err.Error()}
	}
	return nil
}

type codeRequest struct {
	StoreID string `json:"storeId"`
	Label   string `json:"label"`
	Amount  *struct {
		Currency string `json:"currency"`
		Value    string `json:"value"`
	} `json:"amount"`
}

func (s *Server) adminCreateCode(w http.ResponseWriter, r *http.Request) error {
	var req codeRequest
	if err := readJSON(r, 16<<10, &req); err != nil {
		return err
	}
	if req.StoreID == "" {
		return entrypay.Errorf(entrypay.EInvalid, "storeId is required")
	}
	in := entrypay.NewEntryCode{StoreID: req.StoreID, Label: req.Label}
	if req.Amount != nil {
		a, err := entrypay.ParseAmount("amount", req.Amount.Value, req.Amount.Currency)
		if err != nil {
			return err
		}
		in.FixedAmount = a
	}
	c, err := s.cfg.Admin.CreateEntryCode(r.Context(), in)
	if err != nil {
		return err
	}
	s.adminJSON(w, http.StatusCreated, entrycode.JSONOf(c, s.cfg.PublicURL))
	return nil
}

func (s *Server) adminListCodes(w http.ResponseWriter, r *http.Request) error {
	q := entrypay.EntryCodeQuery{MerchantID: r.URL.Query().Get("merchantId"), StoreID: r.URL.Query().Get("storeId")}
	codes, err := s.cfg.Admin.EntryCodes(r.Context(), q)
	if err != nil {
		return err
	}
	out := make([]entrycode.JSON, 0, len(codes))
	for _, c := range codes {
		out = append(out, entrycode.JSONOf(c, s.cfg.PublicURL))
	}
	s.adminJSON(w, http.StatusOK, map[string]any{"codes": out})
	return nil
}

func (s *Server) adminCodeAction(w http.ResponseWriter, r *http.Request) error {
	value := r.PathValue("code")
	var c *entrypay.EntryCode
	var err error
	switch r.PathValue("action") {
	case "disable":
		c, err = s.cfg.Admin.SetEntryCodeStatus(r.Context(), value, entrypay.CodeDisabled)
	case "enable":
		c, err = s.cfg.Admin.SetEntryCodeStatus(r.Context(), value, entrypay.CodeActive)
	case "replace":
		c, err = s.cfg.Admin.ReplaceEntryCode(r.Context(), value)
	default:
		return entrypay.Errorf(entrypay.ENotFound, "no action %q (disable, enable or replace)", r.PathValue("action"))
	}
	if err != nil {
		return err
	}
	s.adminJSON(w, http.StatusOK, entrycode.JSONOf(c, s.cfg.PublicURL))
	return nil
}

func (s *Server) adminCodeImage(w http.ResponseWriter, r *http.Request) error {
	cp, err := s.cfg.Admin.CodePage(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	size := 600
	if v := q.Get("size"); v != "" {
		if size, err = strconv.Atoi(v); err != nil {
			return entrypay.Errorf(entrypay.EInvalid, "size must be a number of pixels")
		}
	}
	data, contentType, err := entrycode.Image(cp, s.cfg.PublicURL, q.Get("format"), q.Get("payload"), q.Get("paper"), size)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", "inline; filename=entry-code-"+cp.Code.Value+extension(contentType))
	_, err = w.Write(data)
	return err
}

func extension(contentType string) string {
	if contentType == "image/png" {
		return ".png"
	}
	return ".svg"
}

// brandingJSON is branding on the admin API; amounts are minor units as strings, like
// the merchant API's amount values.
type brandingJSON struct {
	MerchantID    string            `json:"merchantId,omitempty"`
	DisplayName   string            `json:"displayName"`
	Color         string            `json:"color"`
	Greetings     map[string]string `json:"greetings"`
	PresetAmounts []jsonwire.String `json:"presetAmounts"`
	MaxAmount     jsonwire.String   `json:"maxAmount"`
	LogoURL       string            `json:"logoUrl,omitempty"`
}

func (s *Server) brandingOut(b *entrypay.Branding) brandingJSON {
	out := brandingJSON{MerchantID: b.MerchantID, DisplayName: b.DisplayName, Color: b.Color, Greetings: b.Greetings, MaxAmount: jsonwire.String(strconv.FormatInt(b.MaxAmount, 10))}
	for _, v := range b.PresetAmounts {
		out.PresetAmounts = append(out.PresetAmounts, jsonwire.String(strconv.FormatInt(v, 10)))
	}
	if b.LogoType != "" {
		out.LogoURL = s.cfg.PublicURL + "/m/" + b.MerchantID + "/logo"
	}
	return out
}

func (s *Server) adminGetBranding(w http.ResponseWriter, r *http.Request) error {
	b, err := s.cfg.Admin.Branding(r.Context(), r.PathValue("merchant"))
	if err != nil {
		return err
	}
	s.adminJSON(w, http.StatusOK, s.brandingOut(b))
	return nil
}

func minorUnits(field string, v jsonwire.String) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil || n < 0 {
		return 0, entrypay.Errorf(entrypay.EInvalid, "%s %q must be minor units, a non-negative integer", field, string(v))
	}
	return n, nil
}

func (s *Server) adminPutBranding(w http.ResponseWriter, r *http.Request) error {
	var req brandingJSON
	if err := readJSON(r, 32<<10, &req); err != nil {
		return err
	}
	b := entrypay.Branding{MerchantID: r.PathValue("merchant"), DisplayName: req.DisplayName, Color: req.Color, Greetings: req.Greetings}
	var err error
	if b.MaxAmount, err = minorUnits("maxAmount", req.MaxAmount); err != nil {
		return err
	}
	for _, v := range req.PresetAmounts {
		n, err := minorUnits("presetAmounts", v)
		if err != nil {
			return err
		}
		b.PresetAmounts = append(b.PresetAmounts, n)
	}
	saved, err := s.cfg.Admin.SetBranding(r.Context(), b, true)
	if err != nil {
		return err
	}
	s.adminJSON(w, http.StatusOK, s.brandingOut(saved))
	return nil
}

func (s *Server) adminPutLogo(w http.ResponseWriter, r *http.Request) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, entrypay.MaxLogoBytes+1))
	if err != nil {
		return entrypay.Errorf(entrypay.EInvalid, "logo could not be read")
	}
	b, err := s.cfg.Admin.Branding(r.Context(), r.PathValue("merchant"))
	if err != nil {
		return err
	}
	b.Logo = data
	if r.Method == http.MethodDelete {
		b.Logo = nil
	} else if len(data) == 0 {
		return entrypay.Errorf(entrypay.EInvalid, "the body must be the logo image")
	}
	saved, err := s.cfg.Admin.SetBranding(r.Context(), *b, false)
	if err != nil {
		return err
	}
	s.adminJSON(w, http.StatusOK, s.brandingOut(saved))
	return nil
}

// Money is what the admin API needs for rates, pricing and settlement.
type Money interface {
	AddRates(ctx context.Context, rates []entrypay.Rate) error
	Rates(ctx context.Context) ([]entrypay.Rate, error)
	SetPricing(ctx context.Context, p entrypay.Pricing) (*entrypay.Pricing, error)
	PricingOf(ctx context.Context, merchantID string) (*entrypay.Pricing, error)
	CloseDay(ctx context.Context, date string) ([]*entrypay.SettlementBatch, error)
	SettleBatch(ctx context.Context, id string) (*entrypay.SettlementBatch, error)
	Batches(ctx context.Context, merchantID, clearingDate string) ([]*entrypay.SettlementBatch, error)
}

type rateJSON struct {
	Base   string `json:"base"`
	Quote  string `json:"quote"`
	Price  string `json:"price"`
	Source string `json:"source,omitempty"`
	AsOf   string `json:"asOf,omitempty"`
}

func (s *Server) adminPutRates(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Rates []rateJSON `json:"rates"`
	}
	if err := readJSON(r, 256<<10, &req); err != nil {
		return err
	}
	if len(req.Rates) == 0 {
		return entrypay.Errorf(entrypay.EInvalid, "rates is required: a list of {base, quote, price}")
	}
	rates := make([]entrypay.Rate, len(req.Rates))
	for i, in := range req.Rates {
		rates[i] = entrypay.Rate{Base: in.Base, Quote: in.Quote, Price: in.Price, Source: "admin"}
		if in.AsOf != "" {
			t, err := time.Parse(time.RFC3339, in.AsOf)
			if err != nil {
				return entrypay.Errorf(entrypay.EInvalid, "rates[%d].asOf %q is not RFC 3339", i, in.AsOf)
			}
			rates[i].AsOf = t
		}
	}
	if err := s.cfg.Money.AddRates(r.Context(), rates); err != nil {
		return err
	}
	return s.adminGetRates(w, r)
}

func (s *Server) adminGetRates(w http.ResponseWriter, r *http.Request) error {
	rates, err := s.cfg.Money.Rates(r.Context())
	if err != nil {
		return err
	}
	out := make([]rateJSON, len(rates))
	for i, rt := range rates {
		out[i] = rateJSON{Base: rt.Base, Quote: rt.Quote, Price: rt.Price, Source: rt.Source, AsOf: rt.AsOf.UTC().Format(time.RFC3339)}
	}
	s.adminJSON(w, http.StatusOK, map[string]any{"rates": out})
	return nil
}

type pricingJSON struct {
	MerchantID        string          `json:"merchantId,omitempty"`
	DiscountRateBps   jsonwire.String `json:"discountRateBps"`
	FixedFee          *ams.Amount     `json:"fixedFee,omitempty"`
	RefundFeeReturned bool            `json:"refundFeeReturned"`
	FXSpreadBps       jsonwire.String `json:"fxSpreadBps"`
}

func pricingOut(p *entrypay.Pricing) pricingJSON {
	return pricingJSON{
		MerchantID: p.MerchantID, DiscountRateBps: jsonwire.String(strconv.FormatInt(p.DiscountRateBps, 10)),
		FixedFee: ams.AmountOf(p.FixedFee), RefundFeeReturned: p.RefundFeeReturned,
		FXSpreadBps: jsonwire.String(strconv.FormatInt(p.FXSpreadBps, 10)),
	}
}

func (s *Server) adminPutPricing(w http.ResponseWriter, r *http.Request) error {
	var req pricingJSON
	if err := readJSON(r, 16<<10, &req); err != nil {
		return err
	}
	p := entrypay.Pricing{MerchantID: r.PathValue("merchant"), RefundFeeReturned: req.RefundFeeReturned}
	var err error
	if p.DiscountRateBps, err = minorUnits("discountRateBps", req.DiscountRateBps); err != nil {
		return err
	}
	if p.FXSpreadBps, err = minorUnits("fxSpreadBps", req.FXSpreadBps); err != nil {
		return err
	}
	if req.FixedFee != nil {
		if p.FixedFee, err = entrypay.ParseAmount("fixedFee", string(req.FixedFee.Value), string(req.FixedFee.Currency)); err != nil {
			return err
		}
	}
	saved, err := s.cfg.Money.SetPricing(r.Context(), p)
	if err != nil {
		return err
	}
	s.adminJSON(w, http.StatusOK, pricingOut(saved))
	return nil
}

func (s *Server) adminGetPricing(w http.ResponseWriter, r *http.Request) error {
	p, err := s.cfg.Money.PricingOf(r.Context(), r.PathValue("merchant"))
	if err != nil {
		return err
	}
	s.adminJSON(w, http.StatusOK, pricingOut(p))
	return nil
}

func (s *Server) adminCloseDay(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Date string `json:"date"`
	}
	if err := readJSON(r, 1<<10, &req); err != nil {
		return err
	}
	batches, err := s.cfg.Money.CloseDay(r.Context(), req.Date)
	if err != nil {
		return err
	}
	s.adminJSON(w, http.StatusOK, map[string]any{"batches": batches})
	return nil
}

func (s *Server) adminSettleBatch(w http.ResponseWriter, r *http.Request) error {
	b, err := s.cfg.Money.SettleBatch(r.Context(), r.PathValue("batch"))
	if err != nil {
		return err
	}
	s.adminJSON(w, http.StatusOK, b)
	return nil
}

func (s *Server) adminListBatches(w http.ResponseWriter, r *http.Request) error {
	batches, err := s.cfg.Money.Batches(r.Context(), r.URL.Query().Get("merchantId"), r.URL.Query().Get("date"))
	if err != nil {
		return err
	}
	s.adminJSON(w, http.StatusOK, map[string]any{"batches": batches})
	return nil
}
