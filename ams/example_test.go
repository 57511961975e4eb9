package ams_test

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/entrypay/entrypay/ams"
)

// A merchant's Entry Code integration: the amount page posts to /pay, which creates the
// payment and sends the customer's in-wallet browser to the wallet's cashier; entrypay
// then reports the result to /notify. See examples/merchant for a complete one.
func Example() {
	keyPEM, err := os.ReadFile("merchant.pem") // entrypay merchant create --generate-key merchant.pem
	if err != nil {
		log.Fatal(err)
	}
	gatewayPEM, err := os.ReadFile("entrypay.pem") // entrypay keys gateway-public --pem
	if err != nil {
		log.Fatal(err)
	}
	key, err := ams.ParsePrivateKey(keyPEM)
	if err != nil {
		log.Fatal(err)
	}
	gatewayKey, err := ams.ParsePublicKey(gatewayPEM)
	if err != nil {
		log.Fatal(err)
	}
	client, err := ams.NewClient(ams.Config{
		BaseURL:    "https://pay.example.com",
		ClientID:   "SANDBOX_5X00000000000001",
		PrivateKey: key,
		KeyVersion: 1,
		GatewayKey: gatewayKey,
	})
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /pay", func(w http.ResponseWriter, r *http.Request) {
		orderID := "order-" + time.Now().Format("20060102150405.000000") // store it before paying
		amount := ams.Amount{Currency: "HKD", Value: "1250"}             // HKD 12.50, from the form
		req := ams.NewEntryCodePayment(orderID, amount, r.UserAgent(), "https://shop.example.com/notify")
		req.PaymentRedirectURL = ams.String("https://shop.example.com/orders/" + orderID)
		resp, err := client.Pay(r.Context(), req)
		var refused *ams.ResultError
		switch {
		case errors.As(err, &refused) && refused.Result.ResultStatus == ams.StatusFail:
			// No payment was created, e.g. NO_PAY_OPTIONS: the browser is not a wallet's.
			http.Error(w, "payment refused: "+refused.Result.ResultMessage, http.StatusUnprocessableEntity)
			return
		case err != nil:
			// Unknown outcome: keep the order and ask later with InquiryPayment(…, orderID).
			http.Error(w, "payment pending, please check back", http.StatusBadGateway)
			return
		}
		// S: the order exists, not yet paid. The wallet's cashier takes it from here.
		http.Redirect(w, r, resp.RedirectActionForm.RedirectURL, http.StatusSeeOther)
	})
	mux.Handle("POST /notify", client.NotificationHandler(func(ctx context.Context, n *ams.NotifyPaymentRequest) error {
		// Verified: it is entrypay's. Record it against n.PaymentRequestID (once per
		// n.PaymentID) before returning nil, which acknowledges it.
		log.Printf("payment %s of order %s: %s %s", n.PaymentID, n.PaymentRequestID, n.Result.ResultStatus, n.Result.ResultCode)
		return nil
	}))

	srv := &http.Server{Addr: "127.0.0.1:9090", Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
