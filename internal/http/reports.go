package http

import (
	"context"
	"strconv"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/statements"
)

// Reports is what the merchant's report API needs from the gateway.
type Reports interface {
	Batches(ctx context.Context, merchantID, clearingDate string) ([]*entrypay.SettlementBatch, error)
	BatchItems(ctx context.Context, batchID string) (*entrypay.SettlementBatch, []entrypay.Item, error)
	DayItems(ctx context.Context, merchantID, date string) ([]entrypay.Item, error)
	DayOver(date string) error
	ClearingOf() entrypay.Clearing
	// PartnerMerchants lists the merchants whose active Agent-Tokens a partner holds.
	PartnerMerchants(ctx context.Context, partnerID string) ([]entrypay.PartnerMerchant, error)
}

func signedAmount(v int64, currency string) *ams.Amount {
	return &ams.Amount{Currency: ams.String(currency), Value: ams.String(strconv.FormatInt(v, 10))}
}

func (s *Server) amsSettlementBatches(ctx context.Context, c amsCall) (any, error) {
	if _, err := c.actingFor(entrypay.ScopeReports); err != nil {
		return nil, err
	}
	var req ams.ReportRequest
	if err := decode(c.body, &req); err != nil {
		return nil, err
	}
	batches, err := s.cfg.Reports.Batches(ctx, c.merchant.ID, string(req.ClearingDate))
	if err != nil {
		return nil, err
	}
	out := ams.SettlementBatchesResponse{Result: ams.Success, SettlementBatches: []ams.SettlementBatch{}}
	for _, b := range batches {
		out.SettlementBatches = append(out.SettlementBatches, ams.SettlementBatch{
			SettlementBatchID: b.ID, SettlementCurrency: b.Currency, ClearingDate: b.ClearingDate, ValueDate: b.ValueDate,
			Status: string(b.Status), TransactionCount: strconv.Itoa(b.Count),
			GrossAmount: signedAmount(b.Gross, b.Currency), RefundAmount: signedAmount(b.Refunds, b.Currency),
			CancelAmount: signedAmount(b.Cancels, b.Currency), FeeAmount: signedAmount(b.Fees, b.Currency),
			NetAmount: signedAmount(b.Net, b.Currency), CarriedInAmount: signedAmount(b.CarriedIn, b.Currency),
			PayoutAmount: signedAmount(b.Payout, b.Currency), CarriedOutAmount: signedAmount(b.CarriedOut, b.Currency),
		})
	}
	return out, nil
}

func (s *Server) amsTransactionItems(ctx context.Context, c amsCall) (any, error) {
	if _, err := c.actingFor(entrypay.ScopeReports); err != nil {
		return nil, err
	}
	var req ams.ReportRequest
	if err := decode(c.body, &req); err != nil {
		return nil, err
	}
	date, err := field("transactionDate", req.TransactionDate, true, 10)
	if err != nil {
		return nil, err
	}
	if err := s.cfg.Reports.DayOver(date); err != nil {
		return nil, err
	}
	items, err := s.cfg.Reports.DayItems(ctx, c.merchant.ID, date)
	if err != nil {
		return nil, err
	}
	f, err := statements.TransactionDetails(c.merchant, date, items, s.cfg.Reports.ClearingOf())
	if err != nil {
		return nil, err
	}
	return ams.ReportResponse{Result: ams.Success, FileName: f.Name, FileContent: string(f.Data)}, nil
}

// batchReport finds one of the merchant's batches and builds its files.
func (s *Server) batchReport(ctx context.Context, c amsCall) (details, summary statements.File, err error) {
	if _, err := c.actingFor(entrypay.ScopeReports); err != nil {
		return details, summary, err
	}
	var req ams.ReportRequest
	if err := decode(c.body, &req); err != nil {
		return details, summary, err
	}
	id, err := field("settlementBatchId", req.SettlementBatchID, true, 128)
	if err != nil {
		return details, summary, err
	}
	b, items, err := s.cfg.Reports.BatchItems(ctx, id)
	if err != nil {
		return details, summary, err
	}
	if b.MerchantID != c.merchant.ID {
		return details, summary, entrypay.Errorf(entrypay.ENotFound, "no settlement batch %q", id)
	}
	return statements.Settlement(c.merchant, b, items)
}

func (s *Server) amsSettlementItems(ctx context.Context, c amsCall) (any, error) {
	if err := c.need(entrypay.ScopeReports); err != nil {
		return nil, err
	}
	details, _, err := s.batchReport(ctx, c)
	if err != nil {
		return nil, err
	}
	return ams.ReportResponse{Result: ams.Success, FileName: details.Name, FileContent: string(details.Data)}, nil
}

func (s *Server) amsSettlementSummary(ctx context.Context, c amsCall) (any, error) {
	if err := c.need(entrypay.ScopeReports); err != nil {
		return nil, err
	}
	_, summary, err := s.batchReport(ctx, c)
	if err != nil {
		return nil, err
	}
	return ams.ReportResponse{Result: ams.Success, FileName: summary.Name, FileContent: string(summary.Data)}, nil
}
