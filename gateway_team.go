package entrypay

import (
	"context"
	"fmt"
)

// A merchant's owner manages the merchant's own dashboard users: invites staff, gives
// them a password reset link, removes them. Links are shown to the owner to pass on
// (entrypay sends no mail).

// TeamMembers lists the users of u's merchant, by email.
func (g *Gateway) TeamMembers(ctx context.Context, u *User) ([]*User, error) {
	if u == nil || u.MerchantID == "" {
		return nil, ErrForbidden
	}
	var us []*User
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		us, err = tx.UsersOf(ctx, u.MerchantID)
		return err
	})
	return us, err
}

// InviteMember creates a user of the owner's merchant with role (owner, refunder or
// viewer) and returns it with its one-time invitation token.
func (g *Gateway) InviteMember(ctx context.Context, by *User, email string, role Role) (*User, string, error) {
	if err := ownerOf(by); err != nil {
		return nil, "", err
	}
	if role == RoleOperator || !role.Valid() {
		return nil, "", Errorf(EInvalid, "role must be owner, refunder or viewer")
	}
	return g.CreateUser(ctx, NewUser{MerchantID: by.MerchantID, Email: email, Role: role}, by.Email)
}

// ResetMember gives a user of the owner's merchant a password reset link (which also
// turns its second factor off: the way back for a lost phone). Another merchant's user
// is ENotFound.
func (g *Gateway) ResetMember(ctx context.Context, by *User, userID string) (*User, string, error) {
	if err := ownerOf(by); err != nil {
		return nil, "", err
	}
	m, err := g.member(ctx, by, userID)
	if err != nil {
		return nil, "", err
	}
	return g.IssueLink(ctx, m.Email, LinkReset, by.Email)
}

func (g *Gateway) member(ctx context.Context, by *User, userID string) (*User, error) {
	var m *User
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		m, err = tx.User(ctx, UserQuery{ID: userID})
		return notMember(m, by, userID, err)
	})
	return m, err
}

// notMember is ENotFound when the user looked up (m, err) is not of by's merchant: one
// that does not exist and another merchant's look the same.
func notMember(m, by *User, userID string, err error) error {
	if err == nil && m.MerchantID != by.MerchantID {
		err = ErrNotFound
	}
	return notFound(err, ENotFound, "no user %q in your team", clip(userID))
}

// RemoveMember deletes a user of the owner's merchant and signs it out everywhere. An
// owner cannot remove itself, nor the merchant's last owner.
func (g *Gateway) RemoveMember(ctx context.Context, by *User, userID string) error {
	if err := ownerOf(by); err != nil {
		return err
	}
	now := g.now()
	return g.cfg.DB.InTx(ctx, func(tx Tx) error {
		m, err := tx.User(ctx, UserQuery{ID: userID, ForUpdate: true})
		if err := notMember(m, by, userID, err); err != nil {
			return err
		}
		if m.ID == by.ID {
			return Errorf(EInvalid, "you cannot remove yourself; ask another owner")
		}
		if m.Role == RoleOwner {
			team, err := tx.UsersOf(ctx, by.MerchantID)
			if err != nil {
				return err
			}
			owners := 0
			for _, u := range team {
				if u.Role == RoleOwner {
					owners++
				}
			}
			if owners <= 1 {
				return Errorf(EInvalid, "%s is the last owner", m.Email)
			}
		}
		if err := tx.DeleteUser(ctx, m.ID); err != nil {
			return err
		}
		return tx.InsertAuditEntry(ctx, auditBy(by, now, AuditUserRemoved, m.ID, fmt.Sprintf("%s %s removed", m.Role, m.Email)))
	})
}
