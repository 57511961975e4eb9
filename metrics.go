package entrypay

// Metrics is told what the gateway did, once it is committed (Prometheus in
// internal/http).
type Metrics interface {
	// PaymentEnded: a payment reached a final status (or was cancelled after success).
	PaymentEnded(status PaymentStatus, wallet string)
	// NotificationAttempted: one delivery attempt of a notification to a merchant.
	NotificationAttempted(acknowledged bool)
}

// ended counts p's move to its status once tx commits.
func (g *Gateway) ended(tx Tx, p *Payment) {
	if g.cfg.Metrics == nil {
		return
	}
	status, wallet := p.Status, p.Wallet
	tx.AfterCommit(func() { g.cfg.Metrics.PaymentEnded(status, wallet) })
}
