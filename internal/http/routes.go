package http

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// addRoutes lists the whole HTTP surface.
func (s *Server) addRoutes(mux *http.ServeMux) {
	// Merchant API (Antom-compatible). One handler answers every path under /ams/ so that
	// unknown APIs get NO_INTERFACE_DEF and other methods METHOD_NOT_SUPPORTED as JSON.
	mux.Handle("/ams/", s.handleAMS())

	// Alipay+ notifications, one endpoint per network.
	for network, h := range s.cfg.AlipayNotify {
		mux.Handle("POST /alipayplus/"+network+"/notifyPayment", h)
	}

	// The sandbox wallet side, when it runs in this process.
	if s.cfg.Sandbox != nil {
		mux.Handle("/sandbox/", s.cfg.Sandbox)
	}

	// Customer pages: the entry code (paths matched in either case), the result page the
	// wallet sends the customer back to, and their assets.
	if s.cfg.Pages != nil {
		for _, c := range []string{"c", "C"} {
			mux.Handle("GET /"+c+"/{code}", s.handleCodePage())
			mux.Handle("POST /"+c+"/{code}", s.handleCodeSubmit())
			mux.Handle("GET /"+c+"/{code}/qr.svg", s.handleCodeQR())
			mux.Handle("GET /"+c+"/{code}/r/{token}", s.handleResult())
			mux.Handle("GET /"+c+"/{code}/r/{token}/status", s.handleResultStatus())
		}
		mux.Handle("GET /hold/{payment}", s.handleHold())
		mux.Handle("GET /m/{merchant}/logo", s.handleLogo())
		mux.Handle("GET /static/", s.handleStatic())
	}

	// The operator's admin API, behind a bearer token.
	if s.cfg.Admin != nil && s.cfg.AdminToken != "" {
		mux.Handle("POST /admin/api/v1/codes", s.admin(s.adminCreateCode))
		mux.Handle("GET /admin/api/v1/codes", s.admin(s.adminListCodes))
		mux.Handle("POST /admin/api/v1/codes/{code}/{action}", s.admin(s.adminCodeAction))
		mux.Handle("GET /admin/api/v1/codes/{code}/image", s.admin(s.adminCodeImage))
		mux.Handle("GET /admin/api/v1/merchants/{merchant}/branding", s.admin(s.adminGetBranding))
		mux.Handle("PUT /admin/api/v1/merchants/{merchant}/branding", s.admin(s.adminPutBranding))
		mux.Handle("PUT /admin/api/v1/merchants/{merchant}/logo", s.admin(s.adminPutLogo))
		mux.Handle("DELETE /admin/api/v1/merchants/{merchant}/logo", s.admin(s.adminPutLogo))
	}
	if s.cfg.Money != nil && s.cfg.AdminToken != "" {
		mux.Handle("PUT /admin/api/v1/fx/rates", s.admin(s.adminPutRates))
		mux.Handle("GET /admin/api/v1/fx/rates", s.admin(s.adminGetRates))
		mux.Handle("PUT /admin/api/v1/merchants/{merchant}/pricing", s.admin(s.adminPutPricing))
		mux.Handle("GET /admin/api/v1/merchants/{merchant}/pricing", s.admin(s.adminGetPricing))
		mux.Handle("POST /admin/api/v1/settlement/close", s.admin(s.adminCloseDay))
		mux.Handle("GET /admin/api/v1/settlement/batches", s.admin(s.adminListBatches))
		mux.Handle("POST /admin/api/v1/settlement/batches/{batch}/settle", s.admin(s.adminSettleBatch))
	}

	if s.cfg.Risk != nil && s.cfg.AdminToken != "" {
		mux.Handle("GET /admin/api/v1/risk/rulesets", s.admin(s.adminListRuleSets))
		mux.Handle("POST /admin/api/v1/risk/rulesets", s.admin(s.adminPostRuleSet))
		mux.Handle("GET /admin/api/v1/risk/rulesets/{version}", s.admin(s.adminGetRuleSet))
		mux.Handle("POST /admin/api/v1/risk/rulesets/{version}/status", s.admin(s.adminRuleSetStatus))
		mux.Handle("GET /admin/api/v1/risk/decisions", s.admin(s.adminListDecisions))
		mux.Handle("GET /admin/api/v1/risk/decisions/{decision}", s.admin(s.adminGetDecision))
		mux.Handle("POST /admin/api/v1/risk/decisions/{decision}/{action}", s.admin(s.adminReview))
		mux.Handle("GET /admin/api/v1/risk/shadow", s.admin(s.adminShadowReport))
	}

	// The merchant dashboard: server-rendered pages behind a session cookie.
	if s.cfg.Dashboard != nil {
		mux.Handle("GET /dashboard", http.RedirectHandler("/dashboard/", http.StatusMovedPermanently))
		mux.Handle("GET /dashboard/login", s.dashLogin())
		mux.Handle("POST /dashboard/login", s.dashLogin())
		mux.Handle("GET /dashboard/link/{token}", s.dashLink())
		mux.Handle("POST /dashboard/link/{token}", s.dashLink())
		mux.Handle("POST /dashboard/logout", s.signedIn(s.dashLogout))
		mux.Handle("GET /dashboard/{$}", s.signedIn(s.dashHome))
		mux.Handle("GET /dashboard/payments", s.signedIn(s.dashPayments))
		mux.Handle("GET /dashboard/payments.csv", s.signedIn(s.dashPaymentsCSV))
		mux.Handle("GET /dashboard/payments/{id}", s.signedIn(s.dashPayment))
		mux.Handle("POST /dashboard/payments/{id}/refund", s.signedIn(s.dashRefund))
		mux.Handle("POST /dashboard/payments/{id}/cancel", s.signedIn(s.dashCancel))

		// Partners: a merchant's authorizations, the operator's partners.
		if s.cfg.Partners != nil {
			mux.Handle("GET /dashboard/partners", s.signedIn(s.dashPartners))
			mux.Handle("POST /dashboard/partners", s.signedIn(s.dashAuthorizePartner))
			mux.Handle("GET /dashboard/partners/{ref}/revoke", s.signedIn(s.dashRevokeConfirm))
			mux.Handle("POST /dashboard/partners/{ref}/revoke", s.signedIn(s.dashRevokePartner))
			mux.Handle("GET /dashboard/operator/partners", s.operatorOnly(s.consolePartners))
			mux.Handle("POST /dashboard/operator/partners", s.operatorOnly(s.consoleCreatePartner))
			mux.Handle("GET /dashboard/operator/partners/{id}", s.operatorOnly(s.consolePartner))
			mux.Handle("GET /dashboard/operator/partners/{id}/tokens/{ref}/revoke", s.operatorOnly(s.consoleRevokeConfirm))
			mux.Handle("POST /dashboard/operator/partners/{id}/tokens/{ref}/revoke", s.operatorOnly(s.consoleRevokePartner))
		}

		// Registrations under review (operator).
		if s.cfg.Registrations != nil {
			mux.Handle("GET /dashboard/operator/registrations", s.operatorOnly(s.opsRegistrations))
			mux.Handle("GET /dashboard/operator/registrations/{id}", s.operatorOnly(s.opsRegistration))
			// {action}: approve, reject.
			mux.Handle("POST /dashboard/operator/registrations/{id}/{action}", s.operatorOnly(s.opsRegistrationReview))
		}

		// The operator console: risk and operations.
		mux.Handle("GET /dashboard/operator/risk", s.operatorOnly(s.opsRisk))
		mux.Handle("POST /dashboard/operator/risk", s.operatorOnly(s.opsRuleSetCreate))
		mux.Handle("GET /dashboard/operator/risk/new", s.operatorOnly(s.opsRuleSetNew))
		mux.Handle("GET /dashboard/operator/risk/{version}", s.operatorOnly(s.opsRuleSet))
		mux.Handle("GET /dashboard/operator/risk/{version}/status", s.operatorOnly(s.opsRuleSetStatusConfirm))
		mux.Handle("POST /dashboard/operator/risk/{version}/status", s.operatorOnly(s.opsRuleSetStatus))
		mux.Handle("GET /dashboard/operator/review", s.operatorOnly(s.opsReview))
		mux.Handle("GET /dashboard/operator/review/{decision}", s.operatorOnly(s.opsReviewOne))
		mux.Handle("POST /dashboard/operator/review/{decision}/{action}", s.operatorOnly(s.opsReviewAct))
		mux.Handle("GET /dashboard/operator/reconciliation", s.operatorOnly(s.opsReconciliation))
		mux.Handle("GET /dashboard/operator/reconciliation/{id}", s.operatorOnly(s.opsDiscrepancy))
		mux.Handle("POST /dashboard/operator/reconciliation/{id}/resolve", s.operatorOnly(s.opsResolve))
		mux.Handle("GET /dashboard/operator/jobs", s.operatorOnly(s.opsJobs))
		mux.Handle("GET /dashboard/operator/jobs/{id}/{action}", s.operatorOnly(s.opsJobConfirm))
		mux.Handle("POST /dashboard/operator/jobs/{id}/{action}", s.operatorOnly(s.opsJobAct))
		mux.Handle("GET /dashboard/operator/health", s.operatorOnly(s.opsHealth))
		mux.Handle("GET /dashboard/operator/audit", s.operatorOnly(s.opsAudit))

		// Account: the signed-in user's own settings.
		mux.Handle("GET /dashboard/account", s.signedIn(s.dashAccount))
		mux.Handle("GET /dashboard/team", s.signedIn(s.dashTeam))
		mux.Handle("POST /dashboard/team", s.signedIn(s.dashTeamInvite))
		mux.Handle("POST /dashboard/team/{id}/reset", s.signedIn(s.dashTeamReset))
		mux.Handle("POST /dashboard/team/{id}/remove", s.signedIn(s.dashTeamRemove))
		mux.Handle("POST /dashboard/account/totp/new", s.signedIn(s.dashTOTPSetup))
		mux.Handle("POST /dashboard/account/totp/enable", s.signedIn(s.dashTOTPEnable))
		mux.Handle("POST /dashboard/account/totp/disable", s.signedIn(s.dashTOTPDisable))

		// Stores, entry codes and the customer page's branding.
		mux.Handle("GET /dashboard/stores", s.signedIn(s.dashStores))
		mux.Handle("POST /dashboard/stores", s.signedIn(s.dashCreateStore))
		mux.Handle("POST /dashboard/stores/{store}/codes", s.signedIn(s.dashCreateCode))
		mux.Handle("GET /dashboard/codes/{code}/{action}", s.signedIn(s.dashCodeConfirm))
		mux.Handle("POST /dashboard/codes/{code}/{action}", s.signedIn(s.dashCodeAction))
		mux.Handle("GET /dashboard/codes/{code}/download/{format}", s.signedIn(s.dashCodeDownload))
		mux.Handle("GET /dashboard/branding", s.signedIn(s.dashBranding))
		mux.Handle("POST /dashboard/branding", s.upload(s.dashSaveBranding))
		mux.Handle("GET /dashboard/branding/preview", s.signedIn(s.dashBrandingPreview))
		mux.Handle("POST /dashboard/branding/preview", s.upload(s.dashBrandingPreview))

		// Settlement batches and reports.
		mux.Handle("GET /dashboard/settlement", s.signedIn(s.dashSettlement))
		mux.Handle("GET /dashboard/settlement/batches/{batch}/{report}", s.signedIn(s.dashBatchReport))
		mux.Handle("GET /dashboard/settlement/days/{date}/transactions", s.signedIn(s.dashDayReport))

		// Developers: keys, notifications.
		if s.cfg.DashDevelopers != nil {
			mux.Handle("GET /dashboard/developers", s.signedIn(s.devHome))
			mux.Handle("GET /dashboard/developers/gateway-key.pem", s.signedIn(s.devGatewayKey))
			mux.Handle("POST /dashboard/developers/keys", multipartForm(s.signedIn(s.devUploadKey)))
			mux.Handle("GET /dashboard/developers/keys/{version}/revoke", s.signedIn(s.devRevokeConfirm))
			mux.Handle("POST /dashboard/developers/keys/{version}/revoke", s.signedIn(s.devRevoke))
			mux.Handle("POST /dashboard/developers/notify-url", s.signedIn(s.devNotifyURL))
			mux.Handle("POST /dashboard/developers/test-notification", s.signedIn(s.devTestNotification))
			mux.Handle("GET /dashboard/developers/mode", s.signedIn(s.devModeConfirm))
			mux.Handle("POST /dashboard/developers/mode", s.signedIn(s.devMode))
			mux.Handle("GET /dashboard/developers/notifications", s.signedIn(s.devNotifications))
			mux.Handle("GET /dashboard/developers/notifications/{id}", s.signedIn(s.devNotification))
			mux.Handle("POST /dashboard/developers/notifications/{id}/redeliver", s.signedIn(s.devRedeliver))
		}

		// The operator console.
		mux.Handle("GET /dashboard/operator/{$}", s.operatorOnly(s.consoleHome))
		mux.Handle("GET /dashboard/operator/merchants", s.operatorOnly(s.consoleMerchants))
		mux.Handle("GET /dashboard/operator/merchants/new", s.operatorOnly(s.consoleNewMerchant))
		mux.Handle("POST /dashboard/operator/merchants/new", s.operatorOnly(s.consoleCreateMerchant))
		mux.Handle("GET /dashboard/operator/merchants/{id}", s.operatorOnly(s.consoleMerchant))
		// {form}: kyb, currency, pricing, limits, timezone, status, invite.
		mux.Handle("POST /dashboard/operator/merchants/{id}/{form}", s.operatorOnly(s.consoleMerchantChange))
		mux.Handle("GET /dashboard/operator/wallets", s.operatorOnly(s.consoleWallets))
		mux.Handle("GET /dashboard/operator/fx", s.operatorOnly(s.consoleFX))
		mux.Handle("POST /dashboard/operator/fx", s.operatorOnly(s.consoleUploadRates))
	}

	mux.Handle("GET /healthz", s.handleHealth())
	mux.Handle("GET /readyz", s.handleReady())
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}))
	mux.Handle("/", s.handleNotFound())
}
