package ams

import "github.com/entrypay/entrypay"

// Merchant registration: a partner (ISV) registers a secondary merchant with its KYB
// details (registration), follows the review (inquiryRegistrationStatus,
// inquiryRegistrationInfo) and is told the outcome (notifyRegistrationStatus). The
// fields follow Antom's registration API; fields marked "extension" are entrypay's.

// Paths of the registration APIs.
const (
	PathRegistration              = "/ams/api/v1/merchants/registration"
	PathInquiryRegistrationStatus = "/ams/api/v1/merchants/inquiryRegistrationStatus"
	PathInquiryRegistrationInfo   = "/ams/api/v1/merchants/inquiryRegistrationInfo"
)

// Registration statuses (registrationResult.registrationStatus).
const (
	RegistrationProcessing = "PROCESSING"
	RegistrationApproved   = "APPROVED"
	RegistrationRejected   = "REJECTED"
)

// RegistrationRequest is the body of registration.
type RegistrationRequest struct {
	RegistrationRequestID String                    `json:"registrationRequestId,omitempty"`
	RegistrationNotifyURL String                    `json:"registrationNotifyURL,omitempty"`
	PassThroughInfo       String                    `json:"passThroughInfo,omitempty"`
	MerchantInfo          *MerchantRegistrationInfo `json:"merchantInfo,omitempty"`
	ProductCodes          []String                  `json:"productCodes,omitempty"`
	StoreInfo             *StoreRegistrationInfo    `json:"storeInfo,omitempty"`
}

// MerchantRegistrationInfo is the merchant's business and legal details.
type MerchantRegistrationInfo struct {
	ReferenceMerchantID String              `json:"referenceMerchantId,omitempty"`
	MerchantMCC         String              `json:"merchantMCC,omitempty"`
	MerchantName        String              `json:"merchantName,omitempty"`
	MerchantDisplayName String              `json:"merchantDisplayName,omitempty"`
	MerchantAddress     *RegistrationAddr   `json:"merchantAddress,omitempty"`
	RegistrationDetail  *RegistrationDetail `json:"registrationDetail,omitempty"`
	Websites            []WebSite           `json:"websites,omitempty"`
	Logo                *LogoLink           `json:"logo,omitempty"`
	// SettlementCurrency is an extension: the currency the merchant is paid out in
	// (ISO 4217); the partner's when absent.
	SettlementCurrency String `json:"settlementCurrency,omitempty"`
}

// RegistrationAddr is an address as the registration APIs carry it.
type RegistrationAddr struct {
	Region   String `json:"region,omitempty"`
	State    String `json:"state,omitempty"`
	City     String `json:"city,omitempty"`
	Address1 String `json:"address1,omitempty"`
	Address2 String `json:"address2,omitempty"`
	ZipCode  String `json:"zipCode,omitempty"`
}

// RegistrationDetail is the merchant's legal registration (KYB).
type RegistrationDetail struct {
	LegalName           String            `json:"legalName,omitempty"`
	RegistrationType    String            `json:"registrationType,omitempty"`
	RegistrationNo      String            `json:"registrationNo,omitempty"`
	RegistrationAddress *RegistrationAddr `json:"registrationAddress,omitempty"`
	BusinessType        String            `json:"businessType,omitempty"`
	ContactInfo         []ContactInfo     `json:"contactInfo,omitempty"`
}

// ContactInfo is one way to reach the merchant.
type ContactInfo struct {
	ContactNo   String `json:"contactNo,omitempty"`
	ContactType String `json:"contactType,omitempty"`
}

// WebSite is a site of the merchant.
type WebSite struct {
	Name String `json:"name,omitempty"`
	URL  String `json:"url,omitempty"`
	Desc String `json:"desc,omitempty"`
	Type String `json:"type,omitempty"`
}

// LogoLink is the merchant's logo, by URL (the logo image itself goes through
// codes/setBranding as Logo).
type LogoLink struct {
	LogoName String `json:"logoName,omitempty"`
	LogoURL  String `json:"logoUrl,omitempty"`
}

// StoreRegistrationInfo is the merchant's first store (required for IN_STORE_PAYMENT).
type StoreRegistrationInfo struct {
	ReferenceStoreID String            `json:"referenceStoreId,omitempty"`
	StoreName        String            `json:"storeName,omitempty"`
	StoreMCC         String            `json:"storeMCC,omitempty"`
	StoreDisplayName String            `json:"storeDisplayName,omitempty"`
	StoreAddress     *RegistrationAddr `json:"storeAddress,omitempty"`
	StoreContactInfo *ContactInfo      `json:"storeContactInfo,omitempty"`
}

// RegistrationResponse answers registration: S means accepted for review.
type RegistrationResponse struct {
	Result             Result              `json:"result"`
	RegistrationResult *RegistrationResult `json:"registrationResult,omitempty"`
	PassThroughInfo    string              `json:"passThroughInfo,omitempty"`
}

// RegistrationResult is where a registration stands.
type RegistrationResult struct {
	RegistrationStatus string `json:"registrationStatus"`
	RejectReason       string `json:"rejectReason,omitempty"`
}

// PSPRegistrationResult is the registration's state with one wallet network.
type PSPRegistrationResult struct {
	PspName            string             `json:"pspName"`
	ProductCodes       []string           `json:"productCodes,omitempty"`
	RegistrationResult RegistrationResult `json:"registrationResult"`
}

// InquiryRegistrationRequest is the body of inquiryRegistrationStatus and
// inquiryRegistrationInfo: a registrationRequestId or a referenceMerchantId.
type InquiryRegistrationRequest struct {
	RegistrationRequestID String `json:"registrationRequestId,omitempty"`
	ReferenceMerchantID   String `json:"referenceMerchantId,omitempty"`
	ReferenceStoreID      String `json:"referenceStoreId,omitempty"`
}

// RegisteredMerchant carries entrypay's ids of an approved registration and the
// partner's Agent-Token for it (all extensions).
type RegisteredMerchant struct {
	MerchantID string `json:"merchantId,omitempty"`
	StoreID    string `json:"storeId,omitempty"`
	AgentToken string `json:"agentToken,omitempty"`
}

// InquiryRegistrationStatusResponse answers inquiryRegistrationStatus.
type InquiryRegistrationStatusResponse struct {
	Result                    Result                  `json:"result"`
	RegistrationRequestID     string                  `json:"registrationRequestId,omitempty"`
	ReferenceMerchantID       string                  `json:"referenceMerchantId,omitempty"`
	ReferenceStoreID          string                  `json:"referenceStoreId,omitempty"`
	RegistrationResult        *RegistrationResult     `json:"registrationResult,omitempty"`
	PspRegistrationResultList []PSPRegistrationResult `json:"pspRegistrationResultList,omitempty"`
	RegisteredMerchant
}

// InquiryRegistrationInfoResponse answers inquiryRegistrationInfo: the details as
// registered.
type InquiryRegistrationInfoResponse struct {
	Result                Result                    `json:"result"`
	RegistrationRequestID string                    `json:"registrationRequestId,omitempty"`
	MerchantInfo          *MerchantRegistrationInfo `json:"merchantInfo,omitempty"`
	StoreInfo             *StoreRegistrationInfo    `json:"storeInfo,omitempty"`
	ProductCodes          []string                  `json:"productCodes,omitempty"`
	RegistrationResult    *RegistrationResult       `json:"registrationResult,omitempty"`
	RegisteredMerchant
}

// NotifyRegistrationStatusRequest is the body of notifyRegistrationStatus, sent to the
// partner when a registration is approved or rejected.
type NotifyRegistrationStatusRequest struct {
	RegistrationRequestID string              `json:"registrationRequestId"`
	ReferenceMerchantID   string              `json:"referenceMerchantId"`
	ReferenceStoreID      string              `json:"referenceStoreId,omitempty"`
	RegistrationResult    *RegistrationResult `json:"registrationResult,omitempty"`
	PassThroughInfo       string              `json:"passThroughInfo,omitempty"`
	RegisteredMerchant
}

// RegistrationResultOf is where r stands, as the registration APIs say it.
func RegistrationResultOf(r *entrypay.Registration) *RegistrationResult {
	return &RegistrationResult{RegistrationStatus: string(r.Status), RejectReason: r.Reason}
}

// registeredOf is the entrypay ids of an approved registration.
func registeredOf(r *entrypay.Registration, agentToken string) RegisteredMerchant {
	if r.Status != entrypay.RegistrationApproved {
		return RegisteredMerchant{}
	}
	return RegisteredMerchant{MerchantID: r.MerchantID, StoreID: r.StoreID, AgentToken: agentToken}
}

// NotifyRegistrationOf is the notifyRegistrationStatus body of a reviewed registration.
func NotifyRegistrationOf(r *entrypay.Registration, agentToken string) NotifyRegistrationStatusRequest {
	return NotifyRegistrationStatusRequest{
		RegistrationRequestID: r.RequestID,
		ReferenceMerchantID:   r.Details.ReferenceMerchantID,
		ReferenceStoreID:      r.Details.StoreReferenceID,
		RegistrationResult:    RegistrationResultOf(r),
		PassThroughInfo:       r.Details.PassThroughInfo,
		RegisteredMerchant:    registeredOf(r, agentToken),
	}
}

// walletResultOf is the registration's state with its wallet network.
func walletResultOf(r *entrypay.Registration) []PSPRegistrationResult {
	st := ""
	switch r.Wallet {
	case entrypay.WalletRegistrationPending:
		st = RegistrationProcessing
	case entrypay.WalletRegistrationRegistered:
		st = RegistrationApproved
	case entrypay.WalletRegistrationFailed:
		st = RegistrationRejected
	default:
		return nil
	}
	return []PSPRegistrationResult{{PspName: "ALIPAY_PLUS", ProductCodes: r.Details.ProductCodes,
		RegistrationResult: RegistrationResult{RegistrationStatus: st, RejectReason: r.WalletError}}}
}

// InquiryRegistrationStatusOf answers inquiryRegistrationStatus.
func InquiryRegistrationStatusOf(r *entrypay.Registration, agentToken string) InquiryRegistrationStatusResponse {
	return InquiryRegistrationStatusResponse{
		Result:                    Success,
		RegistrationRequestID:     r.RequestID,
		ReferenceMerchantID:       r.Details.ReferenceMerchantID,
		ReferenceStoreID:          r.Details.StoreReferenceID,
		RegistrationResult:        RegistrationResultOf(r),
		PspRegistrationResultList: walletResultOf(r),
		RegisteredMerchant:        registeredOf(r, agentToken),
	}
}

func addrOf(a entrypay.Address) *RegistrationAddr {
	if a == (entrypay.Address{}) {
		return nil
	}
	return &RegistrationAddr{Region: String(a.Region), State: String(a.State), City: String(a.City),
		Address1: String(a.Address1), Address2: String(a.Address2), ZipCode: String(a.ZipCode)}
}

// InquiryRegistrationInfoOf answers inquiryRegistrationInfo: the details as registered.
func InquiryRegistrationInfoOf(r *entrypay.Registration, agentToken string) InquiryRegistrationInfoResponse {
	d := r.Details
	mi := &MerchantRegistrationInfo{
		ReferenceMerchantID: String(d.ReferenceMerchantID), MerchantMCC: String(d.MCC), MerchantName: String(d.Name),
		MerchantDisplayName: String(d.DisplayName), MerchantAddress: addrOf(d.Address),
		RegistrationDetail: &RegistrationDetail{LegalName: String(d.LegalName), RegistrationType: String(d.RegistrationType),
			RegistrationNo: String(d.RegistrationNo), RegistrationAddress: addrOf(d.RegistrationAddress), BusinessType: String(d.BusinessType)},
		SettlementCurrency: String(d.SettlementCurrency),
	}
	for _, c := range d.Contacts {
		mi.RegistrationDetail.ContactInfo = append(mi.RegistrationDetail.ContactInfo, ContactInfo{ContactNo: String(c.No), ContactType: String(c.Type)})
	}
	for _, w := range d.Websites {
		mi.Websites = append(mi.Websites, WebSite{Name: String(w.Name), URL: String(w.URL), Desc: String(w.Desc), Type: String(w.Type)})
	}
	if d.LogoURL != "" || d.LogoName != "" {
		mi.Logo = &LogoLink{LogoName: String(d.LogoName), LogoURL: String(d.LogoURL)}
	}
	si := &StoreRegistrationInfo{ReferenceStoreID: String(d.StoreReferenceID), StoreName: String(d.StoreName), StoreMCC: String(d.StoreMCC),
		StoreDisplayName: String(d.StoreDisplayName), StoreAddress: addrOf(d.StoreAddress)}
	if d.StoreContact != nil {
		si.StoreContactInfo = &ContactInfo{ContactNo: String(d.StoreContact.No), ContactType: String(d.StoreContact.Type)}
	}
	return InquiryRegistrationInfoResponse{
		Result: Success, RegistrationRequestID: r.RequestID, MerchantInfo: mi, StoreInfo: si, ProductCodes: d.ProductCodes,
		RegistrationResult: RegistrationResultOf(r), RegisteredMerchant: registeredOf(r, agentToken),
	}
}
