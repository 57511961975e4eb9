package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/entrypay/entrypay"
)

func runPartner(ctx context.Context, args []string, getenv env, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "authorize" {
		return errors.New("usage: entrypay partner authorize --partner CLIENT_ID --merchant MERCHANT_ID --scopes payments,refunds [--expires 2027-01-01] [--label L] [--json]")
	}
	fs := flagSet("partner authorize", stderr)
	dsn := dbFlag(fs, getenv)
	var in entrypay.NewAuthorization
	fs.StringVar(&in.PartnerClientID, "partner", "", "the partner's client id (required)")
	fs.StringVar(&in.MerchantID, "merchant", "", "the authorizing merchant's id (required)")
	scopes := fs.String("scopes", "", "comma-separated scopes: payments, refunds, reports, codes, or all (required)")
	expires := fs.String("expires", "", "expiry date (UTC, YYYY-MM-DD); default: never")
	fs.StringVar(&in.Label, "label", "", "a label for the authorization")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if in.PartnerClientID == "" || in.MerchantID == "" || *scopes == "" {
		return errors.New("--partner, --merchant and --scopes are required")
	}
	var err error
	if in.Scopes, err = entrypay.ParseScopes(*scopes); err != nil {
		return fmt.Errorf("--scopes: %w", err)
	}
	if *expires != "" {
		if in.Expires, err = time.Parse(time.DateOnly, *expires); err != nil {
			return fmt.Errorf("--expires %q: want a date such as 2027-01-01", *expires)
		}
	}
	return withGateway(ctx, *dsn, func(gw *entrypay.Gateway) error {
		t, err := gw.AuthorizePartnerByCLI(ctx, in)
		if err != nil {
			return err
		}
		out := map[string]any{"agentToken": t.Token, "ref": entrypay.AgentTokenRef(t.Token), "partnerId": t.PartnerID,
			"merchantId": t.MerchantID, "scopes": t.Scopes, "label": t.Label, "createdAt": t.CreatedAt.Format(time.RFC3339)}
		exp := "never"
		if !t.ExpiresAt.IsZero() {
			out["expiresAt"] = t.ExpiresAt.Format(time.RFC3339)
			exp = t.ExpiresAt.Format(time.RFC3339)
		}
		text := fmt.Sprintf("Agent-Token for partner %s acting for merchant %s (scopes %s, expires %s):\n%s\n",
			in.PartnerClientID, t.MerchantID, entrypay.FormatScopes(t.Scopes), exp, t.Token)
		return printResult(stdout, *asJSON, out, text)
	})
}
