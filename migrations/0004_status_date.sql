-- The status date: the date a session's report states the financial position at ("status of
-- contributions as at ..."), kept apart from the as-of instant (what the database knew).
--
-- A session may name its own; when it does not, its reports use the end of its reporting period.
-- It lies between the start of the reporting period and the later of the period's end and the
-- meeting's last day.
ALTER TABLE session_versions
    ADD COLUMN status_date date,
    ADD CONSTRAINT session_status_date_in_range CHECK (
        status_date IS NULL
        OR (status_date >= reporting_period_start
            AND status_date <= greatest(reporting_period_end, end_date)));

-- Each report keeps the status date its figures were computed at, and the size of its content in
-- the protobuf encoding (so that a read can refuse content over the message limit without loading
-- it). Reports made before this migration have neither: their figures were measured at the date of
-- their as-of instant (UTC), which is what the service shows for them.
ALTER TABLE reports
    ADD COLUMN status_date date,
    ADD COLUMN content_bytes bigint CHECK (content_bytes >= 0);
