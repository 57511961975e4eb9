package http

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/entrycode"
)

// Codes is what the entry code and branding APIs (codes/…) need from the gateway. Every
// lookup is scoped to the merchant the call acts for, so another merchant's store or
// code is ENotFound, like one that does not exist; every change is audited under the
// calling client's name in the change's transaction.
type Codes interface {
	MerchantStores(ctx context.Context, merchantID string) ([]entrypay.StoreCodes, error)
	MerchantCodePage(ctx context.Context, merchantID, value string) (*entrypay.CodePage, error)
	Branding(ctx context.Context, merchantID string) (*entrypay.Branding, error)
	CreateStoreAsClient(ctx context.Context, a entrypay.APICaller, in entrypay.NewStore) (*entrypay.Store, error)
	CreateEntryCodeAsClient(ctx context.Context, a entrypay.APICaller, in entrypay.NewEntryCode) (*entrypay.EntryCode, error)
	SetEntryCodeStatusAsClient(ctx context.Context, a entrypay.APICaller, value string, status entrypay.CodeStatus) (*entrypay.EntryCode, error)
	ReplaceEntryCodeAsClient(ctx context.Context, a entrypay.APICaller, value string) (*entrypay.EntryCode, error)
	SetBrandingAsClient(ctx context.Context, a entrypay.APICaller, b entrypay.Branding, keepLogo bool) (*entrypay.Branding, error)
}

// maxBrandingBody is the body limit of codes/setBranding: the dashboard's upload limit
// (room for a logo well over the limit), base64, so that an oversized logo is refused
// naming the field rather than as an oversized body.
const maxBrandingBody = maxUploadBytes * 4 / 3

// bodyLimit is the largest body api takes.
func (s *Server) bodyLimit(api string) int64 {
	if api == "codes/setBranding" {
		return max(s.cfg.MaxBody, maxBrandingBody)
	}
	return s.cfg.MaxBody
}

// actingFor checks that the call may act for a merchant within scope and names the
// caller for the audit log. A partner acts only through an Agent-Token: its own
// account has no stores, codes or reports.
func (c amsCall) actingFor(scope entrypay.Scope) (entrypay.APICaller, error) {
	var a entrypay.APICaller
	if c.merchant == nil || c.merchant.IsPartner() {
		who := c.merchant
		if c.partner != nil {
			who = c.partner
		}
		name := ""
		if who != nil {
			name = " " + who.ClientID
		}
		return a, entrypay.Errorf(entrypay.EAccessDenied, "%s acts for a merchant: partner%s must send the merchant's Agent-Token", c.api, name)
	}
	if err := c.need(scope); err != nil {
		return a, err
	}
	a = entrypay.APICaller{MerchantID: c.merchant.ID, ClientID: c.merchant.ClientID}
	if c.partner != nil {
		a.ClientID, a.Partner = c.partner.ClientID, true
	}
	return a, nil
}

// notFoundIn makes the gateway's not-found answer for an id the request named
// PARAM_ILLEGAL naming the field: ORDER_NOT_EXIST is for payments. Another merchant's
// id reads the same as one that does not exist.
func notFoundIn(name string, err error) error {
	if entrypay.ErrorCodeOf(err) == entrypay.ENotFound {
		return entrypay.Errorf(entrypay.EInvalid, "%s: %s", name, entrypay.ErrorMessage(err))
	}
	return err
}

func timeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func storeInfo(st *entrypay.Store) ams.StoreInfo {
	return ams.StoreInfo{
		StoreID: st.ID, StoreName: st.Name, StoreDisplayName: st.DisplayName, ReferenceStoreID: st.ReferenceID,
		StoreMCC: st.MCC, StoreRegion: st.Region, Currency: st.Currency, CreateTime: timeString(st.CreatedAt),
	}
}

func amountOf(a entrypay.Amount) *ams.Amount {
	if a == (entrypay.Amount{}) {
		return nil
	}
	return &ams.Amount{Currency: ams.String(a.Currency), Value: ams.String(strconv.FormatInt(a.Value, 10))}
}

// entryCodeOf describes a code of store st of merchant m.
func (s *Server) entryCodeOf(c *entrypay.EntryCode, st *entrypay.Store, m *entrypay.Merchant) *ams.EntryCode {
	out := &ams.EntryCode{
		CodeValue: c.Value, CodeURL: entrypay.CodeURL(s.cfg.PublicURL, c.Value), StoreID: c.StoreID, CodeLabel: c.Label,
		FixedAmount: amountOf(c.FixedAmount), CodeStatus: string(c.Status), ReplacedBy: c.ReplacedBy,
		CreateTime: timeString(c.CreatedAt), UpdateTime: timeString(c.UpdatedAt),
	}
	// The EMVCo payload needs the store's MCC, currency and region; without them the
	// code has only its URL.
	cp := &entrypay.CodePage{Code: c, Store: st, Merchant: m, Branding: &entrypay.Branding{}}
	if emv, err := entrycode.Content(cp, s.cfg.PublicURL, "emv"); err == nil {
		out.EmvPayload = emv
	}
	return out
}

// storeOf finds one of the merchant's stores; another merchant's is PARAM_ILLEGAL
// naming storeId, like one that does not exist.
func (s *Server) storeOf(ctx context.Context, merchantID, id string) (entrypay.StoreCodes, error) {
	list, err := s.cfg.Codes.MerchantStores(ctx, merchantID)
	if err != nil {
		return entrypay.StoreCodes{}, err
	}
	i := slices.IndexFunc(list, func(sc entrypay.StoreCodes) bool { return sc.Store.ID == id })
	if i < 0 {
		return entrypay.StoreCodes{}, entrypay.Errorf(entrypay.EInvalid, "storeId: no store %q", clipString(id, 64))
	}
	return list[i], nil
}

// createStoreInput checks a createStore request.
func createStoreInput(body []byte) (entrypay.NewStore, error) {
	var req ams.CreateStoreRequest
	var in entrypay.NewStore
	var err error
	if err = decode(body, &req); err != nil {
		return in, err
	}
	if in.Name, err = field("storeName", req.StoreName, true, 128); err != nil {
		return in, err
	}
	if in.DisplayName, err = field("storeDisplayName", req.StoreDisplayName, false, 128); err != nil {
		return in, err
	}
	if in.ReferenceID, err = field("referenceStoreId", req.ReferenceStoreID, false, 64); err != nil {
		return in, err
	}
	return in, nil
}

func (s *Server) amsCreateStore(ctx context.Context, c amsCall) (any, error) {
	a, err := c.actingFor(entrypay.ScopeCodes)
	if err != nil {
		return nil, err
	}
	in, err := createStoreInput(c.body)
	if err != nil {
		return nil, err
	}
	st, err := s.cfg.Codes.CreateStoreAsClient(ctx, a, in)
	if err != nil {
		return nil, err
	}
	info := storeInfo(st)
	return ams.CreateStoreResponse{Result: ams.Success, StoreID: st.ID, Store: &info}, nil
}

func (s *Server) amsListStores(ctx context.Context, c amsCall) (any, error) {
	a, err := c.actingFor(entrypay.ScopeCodes)
	if err != nil {
		return nil, err
	}
	var req ams.ListStoresRequest
	if err := decode(c.body, &req); err != nil {
		return nil, err
	}
	list, err := s.cfg.Codes.MerchantStores(ctx, a.MerchantID)
	if err != nil {
		return nil, err
	}
	out := ams.ListStoresResponse{Result: ams.Success, Stores: []ams.StoreInfo{}}
	for _, sc := range list {
		out.Stores = append(out.Stores, storeInfo(sc.Store))
	}
	return out, nil
}

// createCodeInput checks a createCode request; the amount's currency is checked
// against the store's by the gateway.
func createCodeInput(body []byte) (entrypay.NewEntryCode, error) {
	var req ams.CreateCodeRequest
	var in entrypay.NewEntryCode
	var err error
	if err = decode(body, &req); err != nil {
		return in, err
	}
	if in.StoreID, err = field("storeId", req.StoreID, true, 64); err != nil {
		return in, err
	}
	if in.Label, err = field("codeLabel", req.CodeLabel, false, 64); err != nil {
		return in, err
	}
	if req.FixedAmount != nil {
		if in.FixedAmount, err = amount("fixedAmount", req.FixedAmount); err != nil {
			return in, err
		}
	}
	return in, nil
}

func (s *Server) amsCreateCode(ctx context.Context, c amsCall) (any, error) {
	a, err := c.actingFor(entrypay.ScopeCodes)
	if err != nil {
		return nil, err
	}
	in, err := createCodeInput(c.body)
	if err != nil {
		return nil, err
	}
	sc, err := s.storeOf(ctx, a.MerchantID, in.StoreID)
	if err != nil {
		return nil, err
	}
	if in.FixedAmount != (entrypay.Amount{}) && in.FixedAmount.Currency != sc.Store.Currency {
		return nil, entrypay.Errorf(entrypay.EInvalid, "fixedAmount.currency %s is not the store's currency %s", in.FixedAmount.Currency, sc.Store.Currency)
	}
	code, err := s.cfg.Codes.CreateEntryCodeAsClient(ctx, a, in)
	if err != nil {
		return nil, notFoundIn("storeId", err)
	}
	return ams.CodeResponse{Result: ams.Success, Code: s.entryCodeOf(code, sc.Store, c.merchant)}, nil
}

// listCodesInput checks a listCodes request: the store and status to list, both
// optional.
func listCodesInput(body []byte) (storeID string, status entrypay.CodeStatus, err error) {
	var req ams.ListCodesRequest
	if err = decode(body, &req); err != nil {
		return "", "", err
	}
	if storeID, err = field("storeId", req.StoreID, false, 64); err != nil {
		return "", "", err
	}
	switch st := entrypay.CodeStatus(req.CodeStatus); st {
	case "", entrypay.CodeActive, entrypay.CodeDisabled:
		status = st
	default:
		return "", "", entrypay.Errorf(entrypay.EInvalid, "codeStatus must be ACTIVE or DISABLED, not %q", clipString(string(st), 40))
	}
	return storeID, status, nil
}

func (s *Server) amsListCodes(ctx context.Context, c amsCall) (any, error) {
	a, err := c.actingFor(entrypay.ScopeCodes)
	if err != nil {
		return nil, err
	}
	storeID, status, err := listCodesInput(c.body)
	if err != nil {
		return nil, err
	}
	var list []entrypay.StoreCodes
	if storeID != "" {
		sc, err := s.storeOf(ctx, a.MerchantID, storeID)
		if err != nil {
			return nil, err
		}
		list = []entrypay.StoreCodes{sc}
	} else if list, err = s.cfg.Codes.MerchantStores(ctx, a.MerchantID); err != nil {
		return nil, err
	}
	out := ams.ListCodesResponse{Result: ams.Success, Codes: []ams.EntryCode{}}
	for _, sc := range list {
		for _, code := range sc.Codes {
			if status == "" || code.Status == status {
				out.Codes = append(out.Codes, *s.entryCodeOf(code, sc.Store, c.merchant))
			}
		}
	}
	return out, nil
}

// codeValueInput reads the codeValue of a disableCode, enableCode or replaceCode
// request.
func codeValueInput(body []byte) (string, error) {
	var req ams.CodeRequest
	if err := decode(body, &req); err != nil {
		return "", err
	}
	v, err := field("codeValue", req.CodeValue, true, 64)
	if err != nil {
		return "", err
	}
	if _, ok := entrypay.NormalizeCode(v); !ok {
		return "", entrypay.Errorf(entrypay.EInvalid, "codeValue %q is not an entry code: %d letters and digits", clipString(v, 40), entrypay.CodeLength)
	}
	return v, nil
}

// codeChange runs one change of a code and answers it with the code it leaves.
func (s *Server) codeChange(ctx context.Context, c amsCall, change func(a entrypay.APICaller, value string) (*entrypay.EntryCode, error)) (ams.CodeResponse, error) {
	a, err := c.actingFor(entrypay.ScopeCodes)
	if err != nil {
		return ams.CodeResponse{}, err
	}
	value, err := codeValueInput(c.body)
	if err != nil {
		return ams.CodeResponse{}, err
	}
	code, err := change(a, value)
	if err != nil {
		return ams.CodeResponse{}, notFoundIn("codeValue", err)
	}
	cp, err := s.cfg.Codes.MerchantCodePage(ctx, a.MerchantID, code.Value)
	if err != nil {
		return ams.CodeResponse{}, err
	}
	return ams.CodeResponse{Result: ams.Success, Code: s.entryCodeOf(code, cp.Store, c.merchant)}, nil
}

func (s *Server) amsDisableCode(ctx context.Context, c amsCall) (any, error) {
	return s.codeChange(ctx, c, func(a entrypay.APICaller, v string) (*entrypay.EntryCode, error) {
		return s.cfg.Codes.SetEntryCodeStatusAsClient(ctx, a, v, entrypay.CodeDisabled)
	})
}

func (s *Server) amsEnableCode(ctx context.Context, c amsCall) (any, error) {
	return s.codeChange(ctx, c, func(a entrypay.APICaller, v string) (*entrypay.EntryCode, error) {
		return s.cfg.Codes.SetEntryCodeStatusAsClient(ctx, a, v, entrypay.CodeActive)
	})
}

func (s *Server) amsReplaceCode(ctx context.Context, c amsCall) (any, error) {
	var old string
	out, err := s.codeChange(ctx, c, func(a entrypay.APICaller, v string) (*entrypay.EntryCode, error) {
		old, _ = entrypay.NormalizeCode(v)
		return s.cfg.Codes.ReplaceEntryCodeAsClient(ctx, a, v)
	})
	out.ReplacedCodeValue = old
	return out, err
}

// codeImageInput checks a codeImage request: the code, and the format, paper and
// payload, each with its default.
func codeImageInput(body []byte) (value, format, paper, payload string, err error) {
	var req ams.CodeImageRequest
	if err = decode(body, &req); err != nil {
		return
	}
	if value, err = field("codeValue", req.CodeValue, true, 64); err != nil {
		return
	}
	if _, ok := entrypay.NormalizeCode(value); !ok {
		err = entrypay.Errorf(entrypay.EInvalid, "codeValue %q is not an entry code: %d letters and digits", clipString(value, 40), entrypay.CodeLength)
		return
	}
	format, paper, payload = strings.ToLower(string(req.ImageFormat)), strings.ToUpper(string(req.PaperSize)), strings.ToLower(string(req.Payload))
	switch {
	case format == "":
		format = "png"
	case format != "png" && format != "svg" && format != "poster":
		err = entrypay.Errorf(entrypay.EInvalid, "imageFormat must be png, svg or poster, not %q", clipString(format, 40))
		return
	}
	switch {
	case paper == "":
		paper = "A6"
	case paper != "A5" && paper != "A6":
		err = entrypay.Errorf(entrypay.EInvalid, "paperSize must be A5 or A6, not %q", clipString(paper, 40))
		return
	case format != "poster":
		err = entrypay.Errorf(entrypay.EInvalid, "paperSize is for imageFormat poster only")
		return
	}
	switch {
	case payload == "":
		payload = "url"
	case payload != "url" && payload != "emv":
		err = entrypay.Errorf(entrypay.EInvalid, "payload must be url or emv, not %q", clipString(payload, 40))
		return
	}
	return value, format, paper, payload, nil
}

func (s *Server) amsCodeImage(ctx context.Context, c amsCall) (any, error) {
	a, err := c.actingFor(entrypay.ScopeCodes)
	if err != nil {
		return nil, err
	}
	value, format, paper, payload, err := codeImageInput(c.body)
	if err != nil {
		return nil, err
	}
	cp, err := s.cfg.Codes.MerchantCodePage(ctx, a.MerchantID, value)
	if err != nil {
		return nil, notFoundIn("codeValue", err)
	}
	data, mediaType, err := entrycode.Image(cp, s.cfg.PublicURL, format, payload, paper, 600)
	if err != nil {
		if entrypay.ErrorCodeOf(err) == entrypay.EInvalid {
			// The store lacks what an EMVCo payload needs.
			return nil, entrypay.Errorf(entrypay.EInvalid, "payload: %s", entrypay.ErrorMessage(err))
		}
		return nil, err
	}
	name := "entry-code-" + cp.Code.Value + extension(mediaType)
	if format == "poster" {
		name = "entry-code-" + cp.Code.Value + "-poster-" + paper + ".svg"
	}
	return ams.CodeImageResponse{Result: ams.Success, MediaType: mediaType, FileName: name, ImageData: base64.StdEncoding.EncodeToString(data)}, nil
}

func brandingOf(b *entrypay.Branding, currency string) *ams.Branding {
	out := &ams.Branding{DisplayName: b.DisplayName, ThemeColor: b.Color, UpdateTime: timeString(b.UpdatedAt)}
	for lang, text := range b.Greetings {
		if text != "" {
			if out.Greetings == nil {
				out.Greetings = map[string]string{}
			}
			out.Greetings[lang] = text
		}
	}
	for _, v := range b.PresetAmounts {
		out.PresetAmounts = append(out.PresetAmounts, *amountOf(entrypay.Amount{Value: v, Currency: currency}))
	}
	if b.MaxAmount > 0 {
		out.MaxAmount = amountOf(entrypay.Amount{Value: b.MaxAmount, Currency: currency})
	}
	if b.LogoType != "" {
		out.Logo = &ams.Logo{MediaType: ams.String(b.LogoType), ImageData: ams.String(base64.StdEncoding.EncodeToString(b.Logo))}
	}
	return out
}

func (s *Server) amsGetBranding(ctx context.Context, c amsCall) (any, error) {
	a, err := c.actingFor(entrypay.ScopeCodes)
	if err != nil {
		return nil, err
	}
	var req ams.GetBrandingRequest
	if err := decode(c.body, &req); err != nil {
		return nil, err
	}
	b, err := s.cfg.Codes.Branding(ctx, a.MerchantID)
	if err != nil {
		return nil, err
	}
	return ams.BrandingResponse{Result: ams.Success, Branding: brandingOf(b, c.merchant.SettlementCurrency)}, nil
}

// brandingAmount reads an amount of the branding, in the merchant's currency.
func brandingAmount(name string, a *ams.Amount, currency string) (int64, error) {
	v, err := amount(name, a)
	if err != nil {
		return 0, err
	}
	if v.Currency != currency {
		return 0, entrypay.Errorf(entrypay.EInvalid, "%s.currency must be %s, the merchant's settlement currency, not %s", name, currency, v.Currency)
	}
	return v.Value, nil
}

// setBrandingInput checks a setBranding request field by field. The logo is checked by
// its content as the dashboard checks an upload (checkLogo); the gateway checks the whole
// again when it stores it.
func setBrandingInput(body []byte, currency string) (b entrypay.Branding, keepLogo bool, err error) {
	var req ams.SetBrandingRequest
	if err = decode(body, &req); err != nil {
		return b, false, err
	}
	if b.DisplayName, err = field("displayName", req.DisplayName, false, 64); err != nil {
		return b, false, err
	}
	if b.Color = strings.ToLower(string(req.ThemeColor)); b.Color != "" && !hexColor(b.Color) {
		return b, false, entrypay.Errorf(entrypay.EInvalid, "themeColor %q must be #rrggbb, for example #0a7cff", clipString(b.Color, 40))
	}
	for lang, text := range req.Greetings {
		if !slices.Contains(entrypay.Languages, lang) {
			return b, false, entrypay.Errorf(entrypay.EInvalid, "greetings: language %q is not one of %s", clipString(lang, 20), strings.Join(entrypay.Languages, ", "))
		}
		t, err := field("greetings."+lang, text, false, 140*4)
		if err != nil {
			return b, false, err
		}
		if t != "" {
			if b.Greetings == nil {
				b.Greetings = map[string]string{}
			}
			b.Greetings[lang] = t
		}
	}
	if len(req.PresetAmounts) > 6 {
		return b, false, entrypay.Errorf(entrypay.EInvalid, "presetAmounts: at most 6")
	}
	for i := range req.PresetAmounts {
		v, err := brandingAmount("presetAmounts["+strconv.Itoa(i)+"]", &req.PresetAmounts[i], currency)
		if err != nil {
			return b, false, err
		}
		b.PresetAmounts = append(b.PresetAmounts, v)
	}
	if req.MaxAmount != nil {
		if b.MaxAmount, err = brandingAmount("maxAmount", req.MaxAmount, currency); err != nil {
			return b, false, err
		}
	}
	switch req.RemoveLogo {
	case "", "false":
		keepLogo = true
	case "true":
		if req.Logo != nil {
			return b, false, entrypay.Errorf(entrypay.EInvalid, "removeLogo: give a logo or removeLogo, not both")
		}
	default:
		return b, false, entrypay.Errorf(entrypay.EInvalid, "removeLogo must be true or false")
	}
	if req.Logo != nil {
		if b.Logo, err = logoInput(req.Logo); err != nil {
			return b, false, err
		}
		keepLogo = false
	}
	return b, keepLogo, nil
}

// logoInput decodes and checks a logo: by its content, like an upload on the
// dashboard, and against the media type it is said to have.
func logoInput(l *ams.Logo) ([]byte, error) {
	if l.ImageData == "" {
		return nil, entrypay.Errorf(entrypay.EInvalid, "logo.imageData is required")
	}
	data, err := base64.StdEncoding.DecodeString(string(l.ImageData))
	if err != nil {
		return nil, entrypay.Errorf(entrypay.EInvalid, "logo.imageData is not base64 (standard encoding, padded)")
	}
	if msg := checkLogo(data); msg != "" {
		return nil, entrypay.Errorf(entrypay.EInvalid, "logo.imageData: %s", strings.TrimSuffix(strings.TrimPrefix(msg, "Logo: "), "."))
	}
	if t, _ := entrypay.LogoType(data); string(l.MediaType) != t {
		return nil, entrypay.Errorf(entrypay.EInvalid, "logo.mediaType %q is not the image's type %s", clipString(string(l.MediaType), 40), t)
	}
	return data, nil
}

func (s *Server) amsSetBranding(ctx context.Context, c amsCall) (any, error) {
	a, err := c.actingFor(entrypay.ScopeCodes)
	if err != nil {
		return nil, err
	}
	b, keepLogo, err := setBrandingInput(c.body, c.merchant.SettlementCurrency)
	if err != nil {
		return nil, err
	}
	saved, err := s.cfg.Codes.SetBrandingAsClient(ctx, a, b, keepLogo)
	if err != nil {
		return nil, err
	}
	return ams.BrandingResponse{Result: ams.Success, Branding: brandingOf(saved, c.merchant.SettlementCurrency)}, nil
}

// amsPartnerMerchants lists the merchants that authorized the calling partner, with
// their scopes: a partner's own call, without an Agent-Token.
func (s *Server) amsPartnerMerchants(ctx context.Context, c amsCall) (any, error) {
	p := c.partner
	if p == nil && c.merchant != nil && c.merchant.IsPartner() {
		// The partner's own call, not yet told apart by handleAMS.
		p = c.merchant
	}
	switch {
	case p == nil:
		return nil, entrypay.Errorf(entrypay.EAccessDenied, "reports/partnerMerchants is for partners")
	case c.merchant != nil && c.merchant.ID != p.ID:
		return nil, entrypay.Errorf(entrypay.EAccessDenied, "reports/partnerMerchants is the partner's own: send it without an Agent-Token")
	}
	var req ams.PartnerMerchantsRequest
	if err := decode(c.body, &req); err != nil {
		return nil, err
	}
	list, err := s.cfg.Reports.PartnerMerchants(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := ams.PartnerMerchantsResponse{Result: ams.Success, Merchants: []ams.PartnerMerchant{}}
	for _, pm := range list {
		scopes := make([]string, len(pm.Scopes))
		for i, sc := range pm.Scopes {
			scopes[i] = string(sc)
		}
		out.Merchants = append(out.Merchants, ams.PartnerMerchant{
			MerchantID: pm.Merchant.ID, MerchantName: pm.Merchant.Name, ClientID: pm.Merchant.ClientID,
			SettlementCurrency: pm.Merchant.SettlementCurrency, Scopes: scopes,
			AuthorizeTime: timeString(pm.AuthorizedAt), ExpiryTime: timeString(pm.ExpiresAt),
		})
	}
	return out, nil
}
