package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/entrypay/entrypay"
)

// userJSON is what `user create` and `user reset` print with --json.
type userJSON struct {
	UserID     string `json:"userId"`
	MerchantID string `json:"merchantId,omitempty"`
	Email      string `json:"email"`
	Role       string `json:"role"`
	Link       string `json:"link"`
	Purpose    string `json:"purpose"`
	ExpiresIn  string `json:"expiresIn"`
}

func runUser(ctx context.Context, args []string, getenv env, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: entrypay user create|reset [flags]")
	}
	switch args[0] {
	case "create":
		return userCreate(ctx, args[1:], getenv, stdout, stderr)
	case "reset":
		return userReset(ctx, args[1:], getenv, stdout, stderr)
	}
	return fmt.Errorf("unknown user command %q (want create or reset)", args[0])
}

// linkBase is the public URL one-time links start with.
func linkBase(publicURL string) string {
	if publicURL == "" {
		publicURL = "http://127.0.0.1:8080"
	}
	return strings.TrimRight(publicURL, "/") + "/dashboard/link/"
}

func printLink(stdout io.Writer, asJSON bool, u *entrypay.User, link, purpose string) error {
	ttl := entrypay.InviteLinkTTL
	what := "Invitation"
	if purpose == entrypay.LinkReset {
		ttl, what = entrypay.ResetLinkTTL, "Password reset"
	}
	v := userJSON{UserID: u.ID, MerchantID: u.MerchantID, Email: u.Email, Role: string(u.Role), Link: link, Purpose: purpose, ExpiresIn: ttl.String()}
	text := fmt.Sprintf("user %s (%s, %s)\n%s link for %s, valid once for %s:\n%s\n", u.ID, u.Email, u.Role, what, u.Email, ttl, link)
	return printResult(stdout, asJSON, v, text)
}

func userCreate(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := flagSet("user create", stderr)
	dsn := dbFlag(fs, getenv)
	publicURL := publicURLFlag(fs, getenv)
	merchant := fs.String("merchant", "", "the merchant the user belongs to (not with --operator)")
	email := fs.String("email", "", "the user's email address (required)")
	role := fs.String("role", "", "owner, viewer or refunder (not with --operator)")
	operator := fs.Bool("operator", false, "create an operator, who belongs to no merchant")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	in := entrypay.NewUser{MerchantID: *merchant, Email: *email, Role: entrypay.Role(*role)}
	switch {
	case *email == "":
		return errors.New("--email is required")
	case *operator && (*merchant != "" || *role != ""):
		return errors.New("--operator takes neither --merchant nor --role")
	case *operator:
		in.Role = entrypay.RoleOperator
	case *merchant == "" || *role == "":
		return errors.New("give --merchant and --role (owner, viewer or refunder), or --operator")
	case in.Role == entrypay.RoleOperator:
		return errors.New("--role operator: use --operator")
	}
	return withGateway(ctx, *dsn, func(gw *entrypay.Gateway) error {
		u, token, err := gw.CreateUser(ctx, in, "cli")
		if err != nil {
			return err
		}
		return printLink(stdout, *asJSON, u, linkBase(*publicURL)+token, entrypay.LinkInvite)
	})
}

func userReset(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := flagSet("user reset", stderr)
	dsn := dbFlag(fs, getenv)
	publicURL := publicURLFlag(fs, getenv)
	email := fs.String("email", "", "the user's email address (required)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("--email is required")
	}
	return withGateway(ctx, *dsn, func(gw *entrypay.Gateway) error {
		u, token, err := gw.IssueLink(ctx, *email, entrypay.LinkReset, "cli")
		if err != nil {
			return err
		}
		return printLink(stdout, *asJSON, u, linkBase(*publicURL)+token, entrypay.LinkReset)
	})
}
