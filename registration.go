package entrypay

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// RegistrationStatus is where a partner's registration of a merchant stands.
type RegistrationStatus string

// Registration statuses: PROCESSING until an operator approves or rejects it.
const (
	RegistrationProcessing RegistrationStatus = "PROCESSING"
	RegistrationApproved   RegistrationStatus = "APPROVED"
	RegistrationRejected   RegistrationStatus = "REJECTED"
)

// WalletRegistration is where the registration of an approved merchant with its wallet
// network stands.
type WalletRegistration string

// Wallet registration states ("" before approval).
const (
	WalletRegistrationPending    WalletRegistration = "PENDING"
	WalletRegistrationRegistered WalletRegistration = "REGISTERED"
	WalletRegistrationFailed     WalletRegistration = "FAILED"
)

// Address is a postal address as the registration APIs carry it.
type Address struct {
	Region   string `json:"region,omitempty"`
	State    string `json:"state,omitempty"`
	City     string `json:"city,omitempty"`
	Address1 string `json:"address1,omitempty"`
	Address2 string `json:"address2,omitempty"`
	ZipCode  string `json:"zipCode,omitempty"`
}

// Contact is one way to reach a merchant: Type is EMAIL, PHONE_NO, MOBILE_PHONE, …
type Contact struct {
	Type string `json:"type"`
	No   string `json:"no"`
}

// Website is one of a merchant's sites.
type Website struct {
	Name string `json:"name,omitempty"`
	URL  string `json:"url"`
	Desc string `json:"desc,omitempty"`
	Type string `json:"type,omitempty"`
}

// RegistrationDetails are the KYB details a partner gives for a merchant, as checked by
// the API: what the operator reviews and what approval creates the merchant from. They
// are stored as one JSON document (the field names are stable).
type RegistrationDetails struct {
	ReferenceMerchantID string    `json:"referenceMerchantId"`
	MCC                 string    `json:"mcc"`
	Name                string    `json:"name"`
	DisplayName         string    `json:"displayName,omitempty"`
	Address             Address   `json:"address"`
	LegalName           string    `json:"legalName"`
	RegistrationType    string    `json:"registrationType"`
	RegistrationNo      string    `json:"registrationNo"`
	RegistrationAddress Address   `json:"registrationAddress"`
	BusinessType        string    `json:"businessType"`
	Contacts            []Contact `json:"contacts,omitempty"`
	Websites            []Website `json:"websites,omitempty"`
	LogoName            string    `json:"logoName,omitempty"`
	LogoURL             string    `json:"logoUrl,omitempty"`
	// SettlementCurrency is "" when the partner named none (the partner's is used).
	SettlementCurrency string   `json:"settlementCurrency,omitempty"`
	ProductCodes       []string `json:"productCodes"`

	StoreReferenceID string   `json:"storeReferenceId"`
	StoreName        string   `json:"storeName"`
	StoreMCC         string   `json:"storeMcc,omitempty"`
	StoreDisplayName string   `json:"storeDisplayName,omitempty"`
	StoreAddress     Address  `json:"storeAddress"`
	StoreContact     *Contact `json:"storeContact,omitempty"`
	NotifyURL        string   `json:"notifyUrl,omitempty"`
	PassThroughInfo  string   `json:"passThroughInfo,omitempty"`
}

// Hash is the SHA-256 of the details' canonical JSON: a repeated registration request
// is the same request exactly when its hash is.
func (d *RegistrationDetails) Hash() string {
	b, err := json.Marshal(d)
	if err != nil {
		// A struct of strings always marshals.
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// NewRegistration is a partner's registration request.
type NewRegistration struct {
	// RequestID is the partner's registrationRequestId (idempotency key).
	RequestID string
	Details   RegistrationDetails
}

// Registration is a partner's request that entrypay take on a merchant (KYB), reviewed by
// an operator. Approval creates the merchant (MerchantID), its first store (StoreID) and
// the partner's Agent-Token for it.
type Registration struct {
	ID        string
	PartnerID string
	RequestID string
	Details   RegistrationDetails
	// Hash is Details.Hash() when the request was stored.
	Hash   string
	Status RegistrationStatus
	// Reason says why it was rejected.
	Reason     string
	MerchantID string
	StoreID    string
	ReviewedBy string
	ReviewedAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time

	// Wallet is where the registration with the wallet network stands; WalletError is
	// the wallet side's refusal.
	Wallet      WalletRegistration
	WalletError string
	WalletAt    time.Time

	// The notifyRegistrationStatus webhook to the partner: fixed at the review, so every
	// attempt sends the same bytes. NotifyStatus is "" when there is nowhere to send it.
	NotifyURL      string
	NotifyBody     []byte
	NotifyStatus   NotificationStatus
	NotifyAttempts int
	NotifiedAt     time.Time
}

// RegistrationQuery selects registrations, newest first. PartnerID, when set, restricts
// the search to that partner's.
type RegistrationQuery struct {
	PartnerID           string
	RequestID           string
	ReferenceMerchantID string
	Status              RegistrationStatus
	Offset, Limit       int
}

// RegistrationView is a registration with what answering about it needs: the partner's
// Agent-Token once approved.
type RegistrationView struct {
	*Registration
	AgentToken string
}

// ReviewedRegistration is a registration as the operator's review shows it.
type ReviewedRegistration struct {
	*Registration
	Partner  *Merchant
	Attempts []*NotificationAttempt
}

// Audit actions of the registration review.
const (
	AuditRegistrationApproved = "registration_approved"
	AuditRegistrationRejected = "registration_rejected"
)

// RegistrationCreatedBy is the CreatedBy of the Agent-Token an approval issues.
const RegistrationCreatedBy = "registration"
