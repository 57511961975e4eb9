package http

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
)

// Registrations is what the merchant registration APIs and the operator's review need
// from the gateway. The API methods take the signing partner; the review methods the
// signed-in operator (ErrForbidden for anyone else).
type Registrations interface {
	// Register is idempotent by (partner, request id); other details under the same id
	// are ERepeatInconsistent.
	Register(ctx context.Context, partner *entrypay.Merchant, in entrypay.NewRegistration) (*entrypay.Registration, error)
	// RegistrationOf finds one of the partner's registrations; another partner's is
	// ERecordNotFound like one that does not exist.
	RegistrationOf(ctx context.Context, partner *entrypay.Merchant, requestID, referenceMerchantID string) (*entrypay.RegistrationView, error)

	Registrations(ctx context.Context, u *entrypay.User, q entrypay.RegistrationQuery) ([]*entrypay.Registration, error)
	ReviewRegistration(ctx context.Context, u *entrypay.User, id string) (*entrypay.ReviewedRegistration, error)
	ApproveRegistration(ctx context.Context, u *entrypay.User, id string) (*entrypay.Registration, error)
	// RejectRegistration needs a reason (EInvalid without one).
	RejectRegistration(ctx context.Context, u *entrypay.User, id, reason string) (*entrypay.Registration, error)
}

// registrationAPIs are the partner's own APIs: a partner calls them without an
// Agent-Token.
func (s *Server) registrationAPIs(apis map[string]func(ctx context.Context, c amsCall) (any, error)) {
	if s.cfg.Registrations == nil {
		return
	}
	apis["merchants/registration"] = s.amsRegistration
	apis["merchants/inquiryRegistrationStatus"] = s.amsInquiryRegistrationStatus
	apis["merchants/inquiryRegistrationInfo"] = s.amsInquiryRegistrationInfo
}

// partnerOnly refuses a merchant's own call to a partner's API.
func (c amsCall) partnerOnly() (*entrypay.Merchant, error) {
	if c.partner == nil {
		return nil, entrypay.Errorf(entrypay.EAccessDenied, "%s is for partners (ISVs); client %s is a merchant", c.api, c.merchant.ClientID)
	}
	return c.partner, nil
}

func (s *Server) amsRegistration(ctx context.Context, c amsCall) (any, error) {
	partner, err := c.partnerOnly()
	if err != nil {
		return nil, err
	}
	in, err := parseRegistration(c.body)
	if err != nil {
		return nil, err
	}
	r, err := s.cfg.Registrations.Register(ctx, partner, in)
	if err != nil {
		return nil, err
	}
	return ams.RegistrationResponse{Result: ams.Success, RegistrationResult: ams.RegistrationResultOf(r), PassThroughInfo: r.Details.PassThroughInfo}, nil
}

// registrationRef reads an inquiry: registrationRequestId or referenceMerchantId.
func (s *Server) registrationRef(ctx context.Context, c amsCall) (*entrypay.RegistrationView, error) {
	partner, err := c.partnerOnly()
	if err != nil {
		return nil, err
	}
	var req ams.InquiryRegistrationRequest
	if err := decode(c.body, &req); err != nil {
		return nil, err
	}
	rid, err := field("registrationRequestId", req.RegistrationRequestID, false, 64)
	if err != nil {
		return nil, err
	}
	ref, err := field("referenceMerchantId", req.ReferenceMerchantID, false, 64)
	if err != nil {
		return nil, err
	}
	if _, err := field("referenceStoreId", req.ReferenceStoreID, false, 64); err != nil {
		return nil, err
	}
	if rid == "" && ref == "" {
		return nil, entrypay.Errorf(entrypay.EInvalid, "registrationRequestId or referenceMerchantId is required")
	}
	return s.cfg.Registrations.RegistrationOf(ctx, partner, rid, ref)
}

func (s *Server) amsInquiryRegistrationStatus(ctx context.Context, c amsCall) (any, error) {
	v, err := s.registrationRef(ctx, c)
	if err != nil {
		return nil, err
	}
	return ams.InquiryRegistrationStatusOf(v.Registration, v.AgentToken), nil
}

func (s *Server) amsInquiryRegistrationInfo(ctx context.Context, c amsCall) (any, error) {
	v, err := s.registrationRef(ctx, c)
	if err != nil {
		return nil, err
	}
	return ams.InquiryRegistrationInfoOf(v.Registration, v.AgentToken), nil
}

// Enumerations of the registration request (Antom's values).
var (
	registrationTypes = []string{"ENTERPRISE_REGISTRATION_NO", "INDEPENDENT_CONTRACTOR_LICENSE_NO", "OTHER_IDENTIFICATION_NO", "US_FEDERAL_EIN"}
	businessTypes     = []string{"ENTERPRISE", "INDIVIDUAL"}
	contactTypes      = []string{"EMAIL", "PHONE_NO", "MOBILE_PHONE", "COMMERCIAL_PHONE_NO"}
)

// regCheck collects the field checks of a registration request; the first failure
// names its field.
type regCheck struct{ err error }

func (k *regCheck) fail(format string, args ...any) {
	if k.err == nil {
		k.err = entrypay.Errorf(entrypay.EInvalid, format, args...)
	}
}

// text checks a text field: required or not, at most max characters, no control
// characters, valid UTF-8.
func (k *regCheck) text(name string, v ams.String, required bool, max int) string {
	s := strings.TrimSpace(string(v))
	switch {
	case k.err != nil:
	case s == "" && required:
		k.fail("%s is required", name)
	case !utf8.ValidString(s):
		k.fail("%s is not valid UTF-8", name)
	case utf8.RuneCountInString(s) > max:
		k.fail("%s is longer than %d characters", name, max)
	case strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		k.fail("%s contains control characters", name)
	}
	return s
}

func (k *regCheck) oneOf(name string, v ams.String, values []string) string {
	s := k.text(name, v, true, 64)
	if k.err == nil && !slices.Contains(values, s) {
		k.fail("%s must be one of %s, not %q", name, strings.Join(values, ", "), clipString(s, 40))
	}
	return s
}

func (k *regCheck) mcc(name string, v ams.String, required bool) string {
	s := k.text(name, v, required, 4)
	if k.err == nil && s != "" && (len(s) != 4 || strings.Trim(s, "0123456789") != "") {
		k.fail("%s %q must be four digits (ISO 18245)", name, clipString(s, 10))
	}
	return s
}

func (k *regCheck) url(name string, v ams.String, required bool) string {
	s := k.text(name, v, required, 2048)
	if k.err != nil || s == "" {
		return s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		k.fail("%s must be an absolute http or https URL without user information", name)
	}
	return s
}

func (k *regCheck) address(name string, a *ams.RegistrationAddr, required bool) entrypay.Address {
	if a == nil {
		if required {
			k.fail("%s is required", name)
		}
		return entrypay.Address{}
	}
	out := entrypay.Address{
		Region:   k.text(name+".region", a.Region, true, 2),
		State:    k.text(name+".state", a.State, false, 128),
		City:     k.text(name+".city", a.City, false, 128),
		Address1: k.text(name+".address1", a.Address1, true, 256),
		Address2: k.text(name+".address2", a.Address2, false, 256),
		ZipCode:  k.text(name+".zipCode", a.ZipCode, false, 32),
	}
	if r := out.Region; k.err == nil && (len(r) != 2 || strings.Trim(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		k.fail("%s.region %q must be an ISO 3166-1 alpha-2 code such as HK", name, clipString(r, 10))
	}
	return out
}

func (k *regCheck) contact(name string, c ams.ContactInfo) entrypay.Contact {
	out := entrypay.Contact{Type: k.oneOf(name+".contactType", c.ContactType, contactTypes), No: k.text(name+".contactNo", c.ContactNo, true, 256)}
	if k.err == nil && out.Type == "EMAIL" && !strings.Contains(out.No, "@") {
		k.fail("%s.contactNo %q is not an email address", name, clipString(out.No, 40))
	}
	return out
}

// parseRegistration decodes and checks a registration request field by field: every
// problem is PARAM_ILLEGAL naming the field.
func parseRegistration(body []byte) (entrypay.NewRegistration, error) {
	var req ams.RegistrationRequest
	if err := decode(body, &req); err != nil {
		return entrypay.NewRegistration{}, err
	}
	var k regCheck
	var in entrypay.NewRegistration
	d := &in.Details
	in.RequestID = k.text("registrationRequestId", req.RegistrationRequestID, true, 64)
	d.NotifyURL = k.url("registrationNotifyURL", req.RegistrationNotifyURL, false)
	d.PassThroughInfo = k.text("passThroughInfo", req.PassThroughInfo, false, 2048)

	mi := req.MerchantInfo
	if mi == nil {
		k.fail("merchantInfo is required")
		return in, k.err
	}
	d.ReferenceMerchantID = k.text("merchantInfo.referenceMerchantId", mi.ReferenceMerchantID, true, 64)
	d.MCC = k.mcc("merchantInfo.merchantMCC", mi.MerchantMCC, true)
	d.Name = k.text("merchantInfo.merchantName", mi.MerchantName, true, 128)
	d.DisplayName = k.text("merchantInfo.merchantDisplayName", mi.MerchantDisplayName, false, 128)
	d.Address = k.address("merchantInfo.merchantAddress", mi.MerchantAddress, true)
	rd := mi.RegistrationDetail
	if rd == nil {
		k.fail("merchantInfo.registrationDetail is required")
		return in, k.err
	}
	const det = "merchantInfo.registrationDetail"
	d.LegalName = k.text(det+".legalName", rd.LegalName, true, 256)
	d.RegistrationType = k.oneOf(det+".registrationType", rd.RegistrationType, registrationTypes)
	d.RegistrationNo = k.text(det+".registrationNo", rd.RegistrationNo, true, 64)
	d.RegistrationAddress = k.address(det+".registrationAddress", rd.RegistrationAddress, false)
	d.BusinessType = k.oneOf(det+".businessType", rd.BusinessType, businessTypes)
	if len(rd.ContactInfo) > 10 {
		k.fail("%s.contactInfo has more than 10 entries", det)
	}
	for i, c := range rd.ContactInfo {
		d.Contacts = append(d.Contacts, k.contact(det+".contactInfo["+strconv.Itoa(i)+"]", c))
	}
	if len(mi.Websites) > 10 {
		k.fail("merchantInfo.websites has more than 10 entries")
	}
	for i, w := range mi.Websites {
		n := "merchantInfo.websites[" + strconv.Itoa(i) + "]"
		d.Websites = append(d.Websites, entrypay.Website{Name: k.text(n+".name", w.Name, false, 256), URL: k.url(n+".url", w.URL, true),
			Desc: k.text(n+".desc", w.Desc, false, 256), Type: k.text(n+".type", w.Type, false, 64)})
	}
	if mi.Logo != nil {
		d.LogoName = k.text("merchantInfo.logo.logoName", mi.Logo.LogoName, false, 256)
		d.LogoURL = k.url("merchantInfo.logo.logoUrl", mi.Logo.LogoURL, false)
	}
	if cur := k.text("merchantInfo.settlementCurrency", mi.SettlementCurrency, false, 3); k.err == nil && cur != "" {
		if _, ok := entrypay.Digits(cur); !ok {
			k.fail("merchantInfo.settlementCurrency %q is not an ISO 4217 code", cur)
		}
		d.SettlementCurrency = cur
	}

	if len(req.ProductCodes) == 0 {
		k.fail("productCodes is required")
	}
	for i, pc := range req.ProductCodes {
		if string(pc) != "IN_STORE_PAYMENT" {
			k.fail("productCodes[%d] must be IN_STORE_PAYMENT, not %q", i, clipString(string(pc), 40))
		}
	}
	if k.err == nil {
		d.ProductCodes = []string{"IN_STORE_PAYMENT"}
	}
	si := req.StoreInfo
	if si == nil {
		k.fail("storeInfo is required for IN_STORE_PAYMENT")
		return in, k.err
	}
	d.StoreReferenceID = k.text("storeInfo.referenceStoreId", si.ReferenceStoreID, true, 32)
	d.StoreName = k.text("storeInfo.storeName", si.StoreName, true, 128)
	d.StoreMCC = k.mcc("storeInfo.storeMCC", si.StoreMCC, false)
	d.StoreDisplayName = k.text("storeInfo.storeDisplayName", si.StoreDisplayName, false, 128)
	d.StoreAddress = k.address("storeInfo.storeAddress", si.StoreAddress, false)
	if si.StoreContactInfo != nil {
		c := k.contact("storeInfo.storeContactInfo", *si.StoreContactInfo)
		d.StoreContact = &c
	}
	return in, k.err
}
