package storetest

import (
	"testing"

	"github.com/entrypay/entrypay"
)

// testRegistrations checks that registrations round-trip with their details, are found
// by id only among their partner's, listed by partner, request id, reference and status,
// that a request id and a live referenceMerchantId are unique per partner (a rejected
// one frees it), and that notification attempts are recorded.
func testRegistrations(t *testing.T, e Engine) {
	h := e.setup(t)
	partner := newMerchant(func(m *entrypay.Merchant) { m.Kind = entrypay.KindPartner })
	other := newMerchant(func(m *entrypay.Merchant) { m.Kind = entrypay.KindPartner })
	newReg := func(p *entrypay.Merchant, requestID, ref string, n int) *entrypay.Registration {
		d := entrypay.RegistrationDetails{ReferenceMerchantID: ref, MCC: "5812", Name: `Café "Ω"`, LegalName: "Café Ltd",
			Address: entrypay.Address{Region: "HK", Address1: "1 Road"}, RegistrationType: "ENTERPRISE_REGISTRATION_NO", RegistrationNo: "1",
			BusinessType: "ENTERPRISE", Contacts: []entrypay.Contact{{Type: "EMAIL", No: "a@b.example"}}, ProductCodes: []string{"IN_STORE_PAYMENT"},
			StoreReferenceID: "S1", StoreName: "Central", StoreContact: &entrypay.Contact{Type: "PHONE_NO", No: "+852 1"}}
		return &entrypay.Registration{ID: id("reg_"), PartnerID: p.ID, RequestID: requestID, Details: d, Hash: d.Hash(),
			Status: entrypay.RegistrationProcessing, CreatedAt: at(n), UpdatedAt: at(n)}
	}
	r1 := newReg(partner, "req-1", "M-1", 1)
	r2 := newReg(partner, "req-2", "M-2", 2)
	r3 := newReg(other, "req-1", "M-1", 3)
	h.write(func(tx entrypay.Tx) error {
		for _, m := range []*entrypay.Merchant{partner, other} {
			if err := tx.InsertMerchant(h.ctx, m); err != nil {
				return err
			}
		}
		for _, r := range []*entrypay.Registration{r1, r2, r3} {
			if ok, err := tx.InsertRegistration(h.ctx, r); err != nil || !ok {
				t.Errorf("insert %s: %v %v", r.RequestID, ok, err)
			}
		}
		for _, dup := range []*entrypay.Registration{newReg(partner, "req-1", "M-9", 4), newReg(partner, "req-9", "M-1", 4)} {
			if ok, err := tx.InsertRegistration(h.ctx, dup); err != nil || ok {
				t.Errorf("duplicate %s/%s inserted: %v %v", dup.RequestID, dup.Details.ReferenceMerchantID, ok, err)
			}
		}
		return nil
	})
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.Registration(h.ctx, r1.ID, partner.ID, false)
		same(t, r1, got)
		_, err2 := tx.Registration(h.ctx, r1.ID, other.ID, false)
		isNotFound(t, "another partner's registration", err2)
		list, _ := tx.Registrations(h.ctx, entrypay.RegistrationQuery{PartnerID: partner.ID})
		same(t, []*entrypay.Registration{r2, r1}, list)
		byRef, _ := tx.Registrations(h.ctx, entrypay.RegistrationQuery{PartnerID: other.ID, ReferenceMerchantID: "M-1"})
		same(t, []*entrypay.Registration{r3}, byRef)
		byReq, _ := tx.Registrations(h.ctx, entrypay.RegistrationQuery{RequestID: "req-1"})
		same(t, []*entrypay.Registration{r3, r1}, byReq)
		return err
	})
	// Rejected: its reference may be registered again. Attempts are recorded.
	r1.Status, r1.Reason, r1.ReviewedBy, r1.ReviewedAt = entrypay.RegistrationRejected, "no", "op@entrypay.example", at(5)
	r1.NotifyURL, r1.NotifyBody, r1.NotifyStatus, r1.NotifyAttempts = "https://isv.example/n", allBytes(), entrypay.NotificationDelivered, 1
	a := &entrypay.NotificationAttempt{NotificationID: r1.ID, Attempt: 1, At: at(6), HTTPStatus: 200, Response: "ok", Acknowledged: true}
	again := newReg(partner, "req-3", "M-1", 7)
	h.write(func(tx entrypay.Tx) error {
		if err := tx.UpdateRegistration(h.ctx, r1); err != nil {
			return err
		}
		if err := tx.InsertRegistrationAttempt(h.ctx, a); err != nil {
			return err
		}
		if ok, err := tx.InsertRegistration(h.ctx, again); err != nil || !ok {
			t.Errorf("registration after rejection: %v %v", ok, err)
		}
		return nil
	})
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.Registration(h.ctx, r1.ID, "", true)
		same(t, r1, got)
		as, _ := tx.RegistrationAttempts(h.ctx, r1.ID)
		same(t, []*entrypay.NotificationAttempt{a}, as)
		rejected, _ := tx.Registrations(h.ctx, entrypay.RegistrationQuery{Status: entrypay.RegistrationRejected})
		same(t, []*entrypay.Registration{r1}, rejected)
		return err
	})
}
