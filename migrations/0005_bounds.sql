-- Bounds on amounts and rates, the same the API refuses at its edge, so that every report of
-- every period can be computed exactly: an amount is below a trillion units of its currency and
-- a rate lies within [0.000001, 1000000], so a converted line stays below 10^18 and every sum
-- fits rust_decimal with room to spare. Adding a constraint checks the rows already there: a
-- database holding a value outside these bounds stops the migration, naming the constraint.

ALTER TABLE contribution_versions
    ADD CONSTRAINT contribution_total_below_a_trillion CHECK (total < 1000000000000);

ALTER TABLE installments
    ADD CONSTRAINT installment_amount_below_a_trillion CHECK (amount < 1000000000000);

ALTER TABLE receipt_versions
    ADD CONSTRAINT receipt_amount_below_a_trillion CHECK (amount < 1000000000000);

ALTER TABLE allocation_versions
    ADD CONSTRAINT allocation_amount_below_a_trillion CHECK (amount < 1000000000000);

ALTER TABLE exchange_rate_versions
    ADD CONSTRAINT rate_within_bounds CHECK (rate BETWEEN 0.000001 AND 1000000);
