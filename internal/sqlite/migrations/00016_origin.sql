-- +goose Up
-- Who asked for each payment and refund: an API client with its key version (a
-- merchant's own, a system integrator's, a partner's with its Agent-Token), the hosted
-- page, or a dashboard user.
ALTER TABLE payments ADD COLUMN origin TEXT NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN origin TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE refunds DROP COLUMN origin;
ALTER TABLE payments DROP COLUMN origin;
