package storetest

import (
	"testing"
	"time"

	"github.com/entrypay/entrypay"
)

// testUsers round-trips users, links and sessions, checks that an email is unique and
// that lookups of what is not there are ErrNotFound.
func testUsers(t *testing.T, e Engine) {
	h := e.setup(t)
	m := newMerchant()
	owner := &entrypay.User{ID: id("usr_"), MerchantID: m.ID, Email: "owner@noodle.example", Role: entrypay.RoleOwner,
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", FailedLogins: 3, LockedUntil: at(30), TOTPSecret: "JBSWY3DPEHPK3PXP", TOTPLastStep: 59323401, CreatedAt: at(1), UpdatedAt: at(2)}
	operator := &entrypay.User{ID: id("usr_"), Email: "ops@entrypay.example", Role: entrypay.RoleOperator, CreatedAt: at(1), UpdatedAt: at(1)}
	link := &entrypay.UserLink{TokenHash: entrypay.HashToken("invite"), UserID: owner.ID, Purpose: entrypay.LinkInvite, CreatedAt: at(1), ExpiresAt: at(60)}
	sess := &entrypay.Session{TokenHash: entrypay.HashToken("session"), UserID: owner.ID, CSRFToken: "csrf", CreatedAt: at(3), LastSeenAt: at(4)}
	h.write(func(tx entrypay.Tx) error {
		if err := tx.InsertMerchant(h.ctx, m); err != nil {
			return err
		}
		for _, u := range []*entrypay.User{owner, operator} {
			if ok, err := tx.InsertUser(h.ctx, u); !ok || err != nil {
				t.Errorf("InsertUser(%s) = %v, %v", u.Email, ok, err)
			}
		}
		if err := tx.InsertUserLink(h.ctx, link); err != nil {
			return err
		}
		return tx.InsertSession(h.ctx, sess)
	})
	allSet(t, owner)
	allSet(t, sess)
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.User(h.ctx, entrypay.UserQuery{ID: owner.ID})
		same(t, owner, got)
		if err != nil {
			return err
		}
		got, err = tx.User(h.ctx, entrypay.UserQuery{Email: operator.Email, ForUpdate: true})
		same(t, operator, got)
		if err != nil {
			return err
		}
		gotLink, err := tx.UserLink(h.ctx, link.TokenHash, true)
		same(t, link, gotLink)
		if err != nil {
			return err
		}
		gotSess, err := tx.Session(h.ctx, sess.TokenHash)
		same(t, sess, gotSess)
		return err
	})

	// A second user with a taken email is not inserted, and the transaction goes on.
	h.write(func(tx entrypay.Tx) error {
		dup := &entrypay.User{ID: id("usr_"), MerchantID: m.ID, Email: owner.Email, Role: entrypay.RoleViewer, CreatedAt: at(5), UpdatedAt: at(5)}
		ok, err := tx.InsertUser(h.ctx, dup)
		if ok || err != nil {
			t.Errorf("InsertUser with a taken email = %v, %v; want false, nil", ok, err)
		}
		_, err = tx.User(h.ctx, entrypay.UserQuery{ID: dup.ID})
		isNotFound(t, "User of the refused duplicate", err)
		return nil
	})

	owner.FailedLogins, owner.LockedUntil, owner.TOTPSecret, owner.UpdatedAt = 0, time.Time{}, "", at(6)
	link.UsedAt = at(6)
	sess.LastSeenAt = at(7)
	h.write(func(tx entrypay.Tx) error {
		if err := tx.UpdateUser(h.ctx, owner); err != nil {
			return err
		}
		if err := tx.UpdateUserLink(h.ctx, link); err != nil {
			return err
		}
		return tx.UpdateSession(h.ctx, sess)
	})
	h.read(func(tx entrypay.Tx) error {
		got, _ := tx.User(h.ctx, entrypay.UserQuery{Email: owner.Email})
		same(t, owner, got)
		gotLink, _ := tx.UserLink(h.ctx, link.TokenHash, false)
		same(t, link, gotLink)
		gotSess, _ := tx.Session(h.ctx, sess.TokenHash)
		same(t, sess, gotSess)
		return nil
	})

	h.write(func(tx entrypay.Tx) error {
		if err := tx.DeleteSession(h.ctx, sess.TokenHash); err != nil {
			return err
		}
		// Deleting again is not an error.
		return tx.DeleteSession(h.ctx, sess.TokenHash)
	})
	h.read(func(tx entrypay.Tx) error {
		_, err := tx.Session(h.ctx, sess.TokenHash)
		isNotFound(t, "Session after delete", err)
		_, err = tx.User(h.ctx, entrypay.UserQuery{Email: "nobody@example.com"})
		isNotFound(t, "User by unknown email", err)
		_, err = tx.User(h.ctx, entrypay.UserQuery{ID: "usr_nope"})
		isNotFound(t, "User by unknown id", err)
		_, err = tx.UserLink(h.ctx, entrypay.HashToken("nope"), false)
		isNotFound(t, "UserLink", err)
		if err := tx.UpdateUser(h.ctx, &entrypay.User{ID: "usr_nope"}); err == nil {
			t.Error("UpdateUser of a missing user succeeded")
		}
		return nil
	})

	// A merchant's users, by email; the operators are the users of no merchant.
	viewer := &entrypay.User{ID: id("usr_"), MerchantID: m.ID, Email: "a-viewer@noodle.example", Role: entrypay.RoleViewer, CreatedAt: at(8), UpdatedAt: at(8)}
	again := &entrypay.Session{TokenHash: entrypay.HashToken("viewer"), UserID: viewer.ID, CSRFToken: "c", CreatedAt: at(8), LastSeenAt: at(8)}
	h.write(func(tx entrypay.Tx) error {
		if _, err := tx.InsertUser(h.ctx, viewer); err != nil {
			return err
		}
		if err := tx.InsertUserLink(h.ctx, &entrypay.UserLink{TokenHash: entrypay.HashToken("v"), UserID: viewer.ID, Purpose: entrypay.LinkInvite, CreatedAt: at(8), ExpiresAt: at(9)}); err != nil {
			return err
		}
		return tx.InsertSession(h.ctx, again)
	})
	emails := func(us []*entrypay.User) []string {
		var out []string
		for _, u := range us {
			out = append(out, u.Email)
		}
		return out
	}
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.UsersOf(h.ctx, m.ID)
		same(t, []string{viewer.Email, owner.Email}, emails(got))
		if err != nil {
			return err
		}
		ops, err := tx.UsersOf(h.ctx, "")
		same(t, []string{operator.Email}, emails(ops))
		return err
	})
	h.write(func(tx entrypay.Tx) error { return tx.DeleteUser(h.ctx, viewer.ID) })
	h.read(func(tx entrypay.Tx) error {
		_, err := tx.User(h.ctx, entrypay.UserQuery{ID: viewer.ID})
		isNotFound(t, "User after delete", err)
		_, err = tx.Session(h.ctx, again.TokenHash)
		isNotFound(t, "the deleted user's session", err)
		_, err = tx.UserLink(h.ctx, entrypay.HashToken("v"), false)
		isNotFound(t, "the deleted user's link", err)
		got, err := tx.UsersOf(h.ctx, m.ID)
		same(t, []string{owner.Email}, emails(got))
		return err
	})
}

// testAuditLog checks that entries come back newest first and filtered.
func testAuditLog(t *testing.T, e Engine) {
	h := e.setup(t)
	entries := []*entrypay.AuditEntry{
		{At: at(1), UserID: "usr_a", Email: "a@x.example", MerchantID: "mer_a", Action: entrypay.AuditLogin, Subject: "usr_a"},
		{At: at(2), UserID: "usr_a", Email: "a@x.example", MerchantID: "mer_a", Action: entrypay.AuditRefundAsked, Subject: "pay_1", Detail: `refund "½" <b>`},
		{At: at(2), UserID: "usr_b", Email: "b@x.example", MerchantID: "mer_b", Action: entrypay.AuditLogin, Subject: "usr_b"},
	}
	h.write(func(tx entrypay.Tx) error {
		for _, en := range entries {
			if err := tx.InsertAuditEntry(h.ctx, en); err != nil {
				return err
			}
		}
		return nil
	})
	allSet(t, entries[1])
	h.read(func(tx entrypay.Tx) error {
		all, err := tx.AuditEntries(h.ctx, entrypay.AuditQuery{})
		same(t, []*entrypay.AuditEntry{entries[2], entries[1], entries[0]}, all)
		ofA, _ := tx.AuditEntries(h.ctx, entrypay.AuditQuery{UserID: "usr_a", Limit: 1})
		same(t, []*entrypay.AuditEntry{entries[1]}, ofA)
		ofPay, _ := tx.AuditEntries(h.ctx, entrypay.AuditQuery{Subject: "pay_1", MerchantID: "mer_a"})
		same(t, []*entrypay.AuditEntry{entries[1]}, ofPay)
		none, _ := tx.AuditEntries(h.ctx, entrypay.AuditQuery{MerchantID: "mer_c"})
		if len(none) != 0 {
			t.Errorf("entries of another merchant: %v", none)
		}
		return err
	})
}

// testPaymentList checks the merchant's payment list: scoped by merchant, newest first,
// every filter, pages; and the per-currency totals.
func testPaymentList(t *testing.T, e Engine) {
	h := e.setup(t)
	a, b := newMerchant(), newMerchant()
	var ps []*entrypay.Payment
	for i := range 5 {
		ps = append(ps, newPayment(a.ID, func(p *entrypay.Payment) {
			p.CreatedAt = at(10 * i)
			if i%2 == 0 {
				p.Status = entrypay.PaymentSuccess
			}
			if i == 4 {
				p.Amount = entrypay.Amount{Value: 500, Currency: "USD"}
			}
			if i == 2 {
				p.Amount.Value = 2000
			}
			if i == 1 {
				p.Wallet, p.EntryCode = "KAKAOPAY", "ECX"
				p.Store = entrypay.StoreRef{StoreID: "sto_9", Name: "Harbour"}
			}
		}))
	}
	other := newPayment(b.ID, func(p *entrypay.Payment) { p.CreatedAt = at(15); p.Status = entrypay.PaymentSuccess })
	h.write(func(tx entrypay.Tx) error {
		for _, m := range []*entrypay.Merchant{a, b} {
			if err := tx.InsertMerchant(h.ctx, m); err != nil {
				return err
			}
		}
		for _, p := range append(ps, other) {
			if _, err := tx.InsertPayment(h.ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	ids := func(list []*entrypay.Payment) []string {
		var out []string
		for _, p := range list {
			out = append(out, p.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    entrypay.PaymentFilter
		want []*entrypay.Payment
	}{
		{"all", entrypay.PaymentFilter{}, []*entrypay.Payment{ps[4], ps[3], ps[2], ps[1], ps[0]}},
		{"status", entrypay.PaymentFilter{Status: entrypay.PaymentSuccess}, []*entrypay.Payment{ps[4], ps[2], ps[0]}},
		{"dates", entrypay.PaymentFilter{From: at(10), To: at(30)}, []*entrypay.Payment{ps[2], ps[1]}},
		{"id", entrypay.PaymentFilter{ID: ps[3].ID}, []*entrypay.Payment{ps[3]}},
		{"request id", entrypay.PaymentFilter{RequestID: ps[1].RequestID}, []*entrypay.Payment{ps[1]}},
		{"other merchant's id", entrypay.PaymentFilter{ID: other.ID}, nil},
		{"wallet", entrypay.PaymentFilter{Wallet: "KAKAOPAY"}, []*entrypay.Payment{ps[1]}},
		{"store", entrypay.PaymentFilter{StoreID: "sto_9"}, []*entrypay.Payment{ps[1]}},
		{"entry code", entrypay.PaymentFilter{EntryCode: "ECX"}, []*entrypay.Payment{ps[1]}},
		{"currency", entrypay.PaymentFilter{Currency: "USD"}, []*entrypay.Payment{ps[4]}},
		{"amount from", entrypay.PaymentFilter{Currency: "HKD", MinAmount: ptr(int64(1300))}, []*entrypay.Payment{ps[2]}},
		{"amount to", entrypay.PaymentFilter{Currency: "HKD", MaxAmount: ptr(int64(1299))}, []*entrypay.Payment{ps[3], ps[1], ps[0]}},
		{"amount exactly", entrypay.PaymentFilter{Currency: "HKD", MinAmount: ptr(int64(2000)), MaxAmount: ptr(int64(2000))}, []*entrypay.Payment{ps[2]}},
		{"page 1", entrypay.PaymentFilter{Limit: 2}, []*entrypay.Payment{ps[4], ps[3]}},
		{"page 3", entrypay.PaymentFilter{Limit: 2, Offset: 4}, []*entrypay.Payment{ps[0]}},
	} {
		tc.f.MerchantID = a.ID
		h.read(func(tx entrypay.Tx) error {
			got, err := tx.Payments(h.ctx, tc.f)
			same(t, ids(tc.want), ids(got))
			return err
		})
	}
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.PaymentTotals(h.ctx, a.ID, entrypay.PaymentSuccess, at(0), at(41))
		same(t, []entrypay.PaymentTotal{{Currency: "HKD", Count: 2, Value: 3299}, {Currency: "USD", Count: 1, Value: 500}}, got)
		if err != nil {
			return err
		}
		buckets, err := tx.PaymentBuckets(h.ctx, a.ID, at(0), at(41), 15*time.Minute)
		if err != nil {
			return err
		}
		q := func(n int) time.Time { return time.Date(2026, 3, 1, 10, n, 0, 0, time.UTC) }
		same(t, []entrypay.PaymentBucket{
			{Start: q(0), Status: entrypay.PaymentProcessing, Currency: "HKD", Wallet: "KAKAOPAY", StoreID: "sto_9", StoreName: "Harbour", Count: 1, Value: 1299},
			{Start: q(0), Status: entrypay.PaymentSuccess, Currency: "HKD", Count: 1, Value: 1299},
			{Start: q(15), Status: entrypay.PaymentSuccess, Currency: "HKD", Count: 1, Value: 2000},
			{Start: q(30), Status: entrypay.PaymentProcessing, Currency: "HKD", Count: 1, Value: 1299},
			{Start: q(30), Status: entrypay.PaymentSuccess, Currency: "USD", Count: 1, Value: 500},
		}, buckets)
		none, err := tx.PaymentTotals(h.ctx, a.ID, entrypay.PaymentSuccess, at(50), at(60))
		if len(none) != 0 {
			t.Errorf("totals of an empty range: %v", none)
		}
		if _, err := tx.Payments(h.ctx, entrypay.PaymentFilter{}); err == nil {
			t.Error("Payments without a merchant succeeded")
		}
		return err
	})
}
