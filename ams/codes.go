package ams

import "context"

// Entry code and branding API paths: entrypay extensions in Antom's style, for a
// merchant's own client and for a partner acting for a merchant (scope codes).
const (
	PathCreateStore = "/ams/api/v1/codes/createStore"
	PathListStores  = "/ams/api/v1/codes/listStores"
	PathCreateCode  = "/ams/api/v1/codes/createCode"
	PathListCodes   = "/ams/api/v1/codes/listCodes"
	PathDisableCode = "/ams/api/v1/codes/disableCode"
	PathEnableCode  = "/ams/api/v1/codes/enableCode"
	PathReplaceCode = "/ams/api/v1/codes/replaceCode"
	PathCodeImage   = "/ams/api/v1/codes/codeImage"
	PathGetBranding = "/ams/api/v1/codes/getBranding"
	PathSetBranding = "/ams/api/v1/codes/setBranding"
	// PathPartnerMerchants lists a partner's merchants (a partner's call without an
	// Agent-Token).
	PathPartnerMerchants = "/ams/api/v1/reports/partnerMerchants"
)

// CreateStoreRequest creates a store. ReferenceStoreID, the merchant's own id for the
// store, makes the call safe to send again: the same reference answers the same store.
type CreateStoreRequest struct {
	StoreName        String `json:"storeName"`
	StoreDisplayName String `json:"storeDisplayName,omitempty"`
	ReferenceStoreID String `json:"referenceStoreId,omitempty"`
}

// StoreInfo is one of a merchant's stores as the codes APIs show it.
type StoreInfo struct {
	StoreID          string `json:"storeId"`
	StoreName        string `json:"storeName"`
	StoreDisplayName string `json:"storeDisplayName,omitempty"`
	ReferenceStoreID string `json:"referenceStoreId,omitempty"`
	StoreMCC         string `json:"storeMCC,omitempty"`
	StoreRegion      string `json:"storeRegion,omitempty"`
	// Currency is what the store's customers pay in.
	Currency   string `json:"currency"`
	CreateTime string `json:"createTime"`
}

// CreateStoreResponse answers CreateStoreRequest.
type CreateStoreResponse struct {
	Result  Result     `json:"result"`
	StoreID string     `json:"storeId,omitempty"`
	Store   *StoreInfo `json:"store,omitempty"`
}

// ListStoresRequest lists the merchant's stores; it has no fields.
type ListStoresRequest struct{}

// ListStoresResponse lists the merchant's stores, oldest first.
type ListStoresResponse struct {
	Result Result      `json:"result"`
	Stores []StoreInfo `json:"stores"`
}

// CreateCodeRequest issues an entry code for a store. FixedAmount, in the store's
// currency, makes a code that takes exactly that amount.
type CreateCodeRequest struct {
	StoreID     String  `json:"storeId"`
	CodeLabel   String  `json:"codeLabel,omitempty"`
	FixedAmount *Amount `json:"fixedAmount,omitempty"`
}

// EntryCode is an entry code as the codes APIs show it. CodeURL is what its QR carries;
// EmvPayload, when the store has what EMVCo needs (MCC, currency, region), is the
// EMVCo merchant-presented payload around that URL, for printers that want one.
type EntryCode struct {
	CodeValue   string  `json:"codeValue"`
	CodeURL     string  `json:"codeUrl"`
	EmvPayload  string  `json:"emvPayload,omitempty"`
	StoreID     string  `json:"storeId"`
	CodeLabel   string  `json:"codeLabel,omitempty"`
	FixedAmount *Amount `json:"fixedAmount,omitempty"`
	// CodeStatus is ACTIVE or DISABLED.
	CodeStatus string `json:"codeStatus"`
	ReplacedBy string `json:"replacedBy,omitempty"`
	CreateTime string `json:"createTime"`
	UpdateTime string `json:"updateTime"`
}

// CodeResponse answers createCode, disableCode, enableCode and replaceCode with the
// code (for replaceCode, the new one; ReplacedCodeValue is the old).
type CodeResponse struct {
	Result            Result     `json:"result"`
	Code              *EntryCode `json:"code,omitempty"`
	ReplacedCodeValue string     `json:"replacedCodeValue,omitempty"`
}

// ListCodesRequest lists the merchant's codes, of one store and of one status (ACTIVE
// or DISABLED) when given.
type ListCodesRequest struct {
	StoreID    String `json:"storeId,omitempty"`
	CodeStatus String `json:"codeStatus,omitempty"`
}

// ListCodesResponse lists codes, by store and then oldest first.
type ListCodesResponse struct {
	Result Result      `json:"result"`
	Codes  []EntryCode `json:"codes"`
}

// CodeRequest names one code: disableCode, enableCode and replaceCode.
type CodeRequest struct {
	CodeValue String `json:"codeValue"`
}

// CodeImageRequest asks for a code's image: ImageFormat png (the default), svg or
// poster (a printable SVG; PaperSize A6, the default, or A5). Payload is url (the
// default: the QR carries the code's URL) or emv.
type CodeImageRequest struct {
	CodeValue   String `json:"codeValue"`
	ImageFormat String `json:"imageFormat,omitempty"`
	PaperSize   String `json:"paperSize,omitempty"`
	Payload     String `json:"payload,omitempty"`
}

// CodeImageResponse carries the image, base64 (standard encoding), with its media type.
type CodeImageResponse struct {
	Result    Result `json:"result"`
	MediaType string `json:"mediaType,omitempty"`
	FileName  string `json:"fileName,omitempty"`
	ImageData string `json:"imageData,omitempty"`
}

// Logo is an image, base64 (standard encoding), with its media type.
type Logo struct {
	MediaType String `json:"mediaType"`
	ImageData String `json:"imageData"`
}

// Branding is how the merchant's hosted pages look. Greetings are per language tag
// (en, zh-Hans, zh-Hant, ko, th, id, ms, fil, ja); PresetAmounts and MaxAmount are in
// minor units of the merchant's settlement currency.
type Branding struct {
	DisplayName   string            `json:"displayName,omitempty"`
	ThemeColor    string            `json:"themeColor,omitempty"`
	Greetings     map[string]string `json:"greetings,omitempty"`
	PresetAmounts []Amount          `json:"presetAmounts,omitempty"`
	MaxAmount     *Amount           `json:"maxAmount,omitempty"`
	Logo          *Logo             `json:"logo,omitempty"`
	UpdateTime    string            `json:"updateTime,omitempty"`
}

// GetBrandingRequest asks for the merchant's branding; it has no fields.
type GetBrandingRequest struct{}

// SetBrandingRequest replaces the merchant's branding: every field given is set, every
// field left out is cleared, except the logo, which is kept unless Logo is given or
// RemoveLogo is "true".
type SetBrandingRequest struct {
	DisplayName   String            `json:"displayName,omitempty"`
	ThemeColor    String            `json:"themeColor,omitempty"`
	Greetings     map[string]String `json:"greetings,omitempty"`
	PresetAmounts []Amount          `json:"presetAmounts,omitempty"`
	MaxAmount     *Amount           `json:"maxAmount,omitempty"`
	Logo          *Logo             `json:"logo,omitempty"`
	RemoveLogo    String            `json:"removeLogo,omitempty"`
}

// BrandingResponse answers getBranding and setBranding with the branding as saved.
type BrandingResponse struct {
	Result   Result    `json:"result"`
	Branding *Branding `json:"branding,omitempty"`
}

// PartnerMerchantsRequest asks a partner's merchants; it has no fields.
type PartnerMerchantsRequest struct{}

// PartnerMerchant is a merchant that authorized the partner, with the scopes of the
// partner's active Agent-Tokens for it.
type PartnerMerchant struct {
	MerchantID         string   `json:"merchantId"`
	MerchantName       string   `json:"merchantName"`
	ClientID           string   `json:"clientId"`
	SettlementCurrency string   `json:"settlementCurrency,omitempty"`
	Scopes             []string `json:"scopes"`
	AuthorizeTime      string   `json:"authorizeTime"`
	ExpiryTime         string   `json:"expiryTime,omitempty"`
}

// PartnerMerchantsResponse lists a partner's merchants.
type PartnerMerchantsResponse struct {
	Result    Result            `json:"result"`
	Merchants []PartnerMerchant `json:"merchants"`
}

// callOnce is call with a single attempt, for the calls that are not safe to resend:
// an unknown outcome is for the caller to check (ListCodes) before trying again.
func callOnce[T any](ctx context.Context, c *Client, path string, req any) (*T, error) {
	once := *c
	once.maxAttempts = 1
	return call[T](ctx, &once, path, req)
}

// CreateStore creates a store of the merchant. With a ReferenceStoreID it is resent on
// an unknown outcome (the same reference answers the same store); without one it is
// sent once.
func (c *Client) CreateStore(ctx context.Context, req *CreateStoreRequest) (*CreateStoreResponse, error) {
	if req.ReferenceStoreID == "" {
		return callOnce[CreateStoreResponse](ctx, c, PathCreateStore, req)
	}
	return call[CreateStoreResponse](ctx, c, PathCreateStore, req)
}

// ListStores lists the merchant's stores.
func (c *Client) ListStores(ctx context.Context) (*ListStoresResponse, error) {
	return call[ListStoresResponse](ctx, c, PathListStores, ListStoresRequest{})
}

// CreateCode issues an entry code. It is sent once: after an unknown outcome, look for
// the code with ListCodes before asking again.
func (c *Client) CreateCode(ctx context.Context, req *CreateCodeRequest) (*CodeResponse, error) {
	return callOnce[CodeResponse](ctx, c, PathCreateCode, req)
}

// ListCodes lists the merchant's codes, of one store and one status when given.
func (c *Client) ListCodes(ctx context.Context, req *ListCodesRequest) (*ListCodesResponse, error) {
	return call[ListCodesResponse](ctx, c, PathListCodes, req)
}

// DisableCode stops a code taking payments; doing it again answers the same.
func (c *Client) DisableCode(ctx context.Context, codeValue string) (*CodeResponse, error) {
	return call[CodeResponse](ctx, c, PathDisableCode, CodeRequest{CodeValue: String(codeValue)})
}

// EnableCode lets a disabled code take payments again; doing it again answers the same.
func (c *Client) EnableCode(ctx context.Context, codeValue string) (*CodeResponse, error) {
	return call[CodeResponse](ctx, c, PathEnableCode, CodeRequest{CodeValue: String(codeValue)})
}

// ReplaceCode disables a code and issues a new one like it. It is sent once: a second
// replace of the same code is refused (PARAM_ILLEGAL, naming the code that replaced it).
func (c *Client) ReplaceCode(ctx context.Context, codeValue string) (*CodeResponse, error) {
	return callOnce[CodeResponse](ctx, c, PathReplaceCode, CodeRequest{CodeValue: String(codeValue)})
}

// CodeImage returns a code's image, base64 in the answer's ImageData.
func (c *Client) CodeImage(ctx context.Context, req *CodeImageRequest) (*CodeImageResponse, error) {
	return call[CodeImageResponse](ctx, c, PathCodeImage, req)
}

// GetBranding returns the merchant's branding.
func (c *Client) GetBranding(ctx context.Context) (*BrandingResponse, error) {
	return call[BrandingResponse](ctx, c, PathGetBranding, GetBrandingRequest{})
}

// SetBranding replaces the merchant's branding (see SetBrandingRequest); sending it
// again leaves the same branding.
func (c *Client) SetBranding(ctx context.Context, req *SetBrandingRequest) (*BrandingResponse, error) {
	return call[BrandingResponse](ctx, c, PathSetBranding, req)
}

// PartnerMerchants lists the merchants that authorized the calling partner.
func (c *Client) PartnerMerchants(ctx context.Context) (*PartnerMerchantsResponse, error) {
	return call[PartnerMerchantsResponse](ctx, c, PathPartnerMerchants, PartnerMerchantsRequest{})
}
