package sandbox

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/entrypay/entrypay/internal/alipayplus"
	"github.com/entrypay/entrypay/internal/jsonwire"
)

// registration is one merchant registration an acquirer sent. The sandbox's wallets
// accept every well-formed one (Alipay+'s "reporting mode": no review by the wallet).
type registration struct {
	clientID string
	req      alipayplus.RegistrationRequest
	body     string // canonical form, for idempotency
	at       time.Time
}

// RegistrationState is a snapshot of one registration, for tests and tools.
type RegistrationState struct {
	ClientID              string
	RegistrationRequestID string
	ReferenceMerchantID   string
	ReferenceStoreID      string
	LegalName             string
	MCC                   string
	ProductCodes          []string
	At                    time.Time
}

// Registration returns the registration the acquirer clientID sent with the given
// registrationRequestId.
func (s *Sandbox) Registration(clientID, requestID string) (RegistrationState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.registered[key(clientID, requestID)]
	if !ok {
		return RegistrationState{}, false
	}
	st := RegistrationState{
		ClientID: r.clientID, RegistrationRequestID: r.req.RegistrationRequestID,
		ReferenceMerchantID: r.req.MerchantInfo.ReferenceMerchantID, MCC: r.req.MerchantInfo.MerchantMCC,
		ProductCodes: slices.Clone(r.req.ProductCodes), At: r.at,
	}
	if d := r.req.MerchantInfo.RegistrationDetail; d != nil {
		st.LegalName = d.LegalName
	}
	if r.req.StoreInfo != nil {
		st.ReferenceStoreID = r.req.StoreInfo.ReferenceStoreID
	}
	return st, true
}

// registration records a merchant registration: the same request again is accepted
// again, the same id with other content is REPEAT_REQ_INCONSISTENT.
func (s *Sandbox) registration(_ context.Context, clientID string, body []byte) any {
	var req alipayplus.RegistrationRequest
	if err := jsonwire.Decode(body, &req); err != nil {
		return resultOnly{fail("PARAM_ILLEGAL", err.Error())}
	}
	mi := req.MerchantInfo
	switch {
	case req.RegistrationRequestID == "" || len(req.RegistrationRequestID) > 64:
		return resultOnly{fail("PARAM_ILLEGAL", "registrationRequestId: is required, at most 64 characters")}
	case len(req.ProductCodes) == 0:
		return resultOnly{fail("PARAM_ILLEGAL", "productCodes: is required")}
	case mi.ReferenceMerchantID == "":
		return resultOnly{fail("PARAM_ILLEGAL", "merchantInfo.referenceMerchantId: is required")}
	case len(mi.MerchantMCC) != 4:
		return resultOnly{fail("PARAM_ILLEGAL", "merchantInfo.merchantMCC: must be four digits")}
	case mi.RegistrationDetail == nil || mi.RegistrationDetail.LegalName == "" || mi.RegistrationDetail.RegistrationNo == "":
		return resultOnly{fail("PARAM_ILLEGAL", "merchantInfo.registrationDetail: legalName and registrationNo are required")}
	case slices.Contains(req.ProductCodes, "IN_STORE_PAYMENT") && (req.StoreInfo == nil || req.StoreInfo.ReferenceStoreID == ""):
		return resultOnly{fail("PARAM_ILLEGAL", "storeInfo.referenceStoreId: is required for IN_STORE_PAYMENT")}
	}
	canon, _ := json.Marshal(req)
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(clientID, req.RegistrationRequestID)
	if prev, ok := s.registered[k]; ok {
		if prev.body != string(canon) {
			return resultOnly{fail("REPEAT_REQ_INCONSISTENT", "registrationRequestId was used with other content")}
		}
		return alipayplus.RegistrationResponse{Result: success()}
	}
	s.registered[k] = &registration{clientID: clientID, req: req, body: string(canon), at: s.now()}
	s.log.Info("sandbox: merchant registered", "client", clientID, "registrationRequestId", req.RegistrationRequestID, "referenceMerchantId", mi.ReferenceMerchantID)
	return alipayplus.RegistrationResponse{Result: success()}
}
