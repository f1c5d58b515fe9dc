-- IATI 2.03 activities. An imported activity becomes a programme (with organizations,
-- contributions, receipts, indicators and measurements written through their own tables); what
-- IATI says beyond that is kept here, versioned like every other resource: each import of a newer
-- activity closes the open version and adds the next revision with its own frozen rows, so an
-- export as of any past instant gives the same document.

-- One row per programme that has an IATI identity. The identifier never changes.
CREATE TABLE iati_activities (
    programme_id    text        PRIMARY KEY REFERENCES programmes (id),
    iati_identifier text        NOT NULL CHECK (length(iati_identifier) BETWEEN 1 AND 500),
    created_at      timestamptz NOT NULL,
    CONSTRAINT iati_activities_identifier_key UNIQUE (iati_identifier)
);

CREATE TABLE iati_activity_versions (
    programme_id       text          NOT NULL REFERENCES iati_activities (programme_id),
    revision           integer       NOT NULL CHECK (revision >= 1),
    valid_from         timestamptz   NOT NULL,
    valid_to           timestamptz   CHECK (valid_to >= valid_from),
    -- The activity's last-updated-datetime as published; NULL when the file gave none.
    last_updated       timestamptz,
    -- SHA-256 of the activity's content as read (positions and formatting left out).
    content_sha256     text          NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
    reporting_org_ref  text          NOT NULL CHECK (length(reporting_org_ref) BETWEEN 1 AND 200),
    reporting_org_type text          NOT NULL,
    reporting_org_name text          NOT NULL,
    default_currency   char(3)       REFERENCES currencies (code),
    activity_status    smallint      NOT NULL CHECK (activity_status BETWEEN 1 AND 6),
    planned_start      date,
    actual_start       date,
    planned_end        date,
    actual_end         date,
    PRIMARY KEY (programme_id, revision)
);
CREATE UNIQUE INDEX iati_activity_versions_current
    ON iati_activity_versions (programme_id) WHERE valid_to IS NULL;
CREATE TRIGGER iati_activity_versions_history BEFORE UPDATE OR DELETE ON iati_activity_versions
    FOR EACH ROW EXECUTE FUNCTION protect_history();

-- Recipient countries with their percentages (the programme's countries are the same codes).
CREATE TABLE iati_recipient_countries (
    programme_id text          NOT NULL,
    revision     integer       NOT NULL,
    position     smallint      NOT NULL CHECK (position >= 0),
    country_code char(2)       NOT NULL REFERENCES countries (code),
    percentage   numeric(9,6)  CHECK (percentage BETWEEN 0 AND 100),
    PRIMARY KEY (programme_id, revision, position),
    FOREIGN KEY (programme_id, revision) REFERENCES iati_activity_versions (programme_id, revision)
);

CREATE TABLE iati_recipient_regions (
    programme_id text          NOT NULL,
    revision     integer       NOT NULL,
    position     smallint      NOT NULL CHECK (position >= 0),
    vocabulary   text          NOT NULL,
    code         text          NOT NULL,
    percentage   numeric(9,6)  CHECK (percentage BETWEEN 0 AND 100),
    narrative    text          NOT NULL,
    PRIMARY KEY (programme_id, revision, position),
    FOREIGN KEY (programme_id, revision) REFERENCES iati_activity_versions (programme_id, revision)
);

CREATE TABLE iati_sectors (
    programme_id text          NOT NULL,
    revision     integer       NOT NULL,
    position     smallint      NOT NULL CHECK (position >= 0),
    vocabulary   text          NOT NULL,
    code         text          NOT NULL,
    percentage   numeric(9,6)  CHECK (percentage BETWEEN 0 AND 100),
    narrative    text          NOT NULL,
    PRIMARY KEY (programme_id, revision, position),
    FOREIGN KEY (programme_id, revision) REFERENCES iati_activity_versions (programme_id, revision)
);

-- Budgets per period: type 1 original / 2 revised, status 1 indicative / 2 committed.
CREATE TABLE iati_budgets (
    programme_id  text          NOT NULL,
    revision      integer       NOT NULL,
    position      smallint      NOT NULL CHECK (position >= 0),
    budget_type   smallint      NOT NULL CHECK (budget_type IN (1, 2)),
    budget_status smallint      NOT NULL CHECK (budget_status IN (1, 2)),
    period_start  date          NOT NULL,
    period_end    date          NOT NULL CHECK (period_end >= period_start),
    amount        numeric(19,4) NOT NULL CHECK (amount >= 0 AND amount <> 'NaN'),
    currency_code char(3)       NOT NULL REFERENCES currencies (code),
    value_date    date          NOT NULL,
    PRIMARY KEY (programme_id, revision, position),
    FOREIGN KEY (programme_id, revision) REFERENCES iati_activity_versions (programme_id, revision)
);

-- Transactions that are not money coming in (outgoing commitments, disbursements,
-- expenditure...): the programme's spending, kept as published.
CREATE TABLE iati_spending (
    programme_id     text          NOT NULL,
    revision         integer       NOT NULL,
    position         smallint      NOT NULL CHECK (position >= 0),
    transaction_type smallint      NOT NULL CHECK (transaction_type BETWEEN 1 AND 13),
    reference        text          NOT NULL,
    transaction_date date          NOT NULL,
    amount           numeric(19,4) NOT NULL CHECK (amount >= 0 AND amount <> 'NaN'),
    currency_code    char(3)       NOT NULL REFERENCES currencies (code),
    value_date       date          NOT NULL,
    description      text          NOT NULL,
    provider_ref     text          NOT NULL,
    provider_name    text          NOT NULL,
    receiver_ref     text          NOT NULL,
    receiver_name    text          NOT NULL,
    PRIMARY KEY (programme_id, revision, position),
    FOREIGN KEY (programme_id, revision) REFERENCES iati_activity_versions (programme_id, revision)
);

-- Which contributions and receipts a version's incoming transactions became, with what the
-- transaction said that those resources do not hold (its ref and value date).
CREATE TABLE iati_transaction_links (
    programme_id     text     NOT NULL,
    revision         integer  NOT NULL,
    position         smallint NOT NULL CHECK (position >= 0),
    contribution_id  text     NOT NULL REFERENCES contributions (id),
    receipt_id       text     REFERENCES receipts (id),
    transaction_type smallint NOT NULL CHECK (transaction_type IN (1, 11, 13)),
    reference        text     NOT NULL,
    value_date       date     NOT NULL,
    PRIMARY KEY (programme_id, revision, position),
    FOREIGN KEY (programme_id, revision) REFERENCES iati_activity_versions (programme_id, revision)
);
CREATE INDEX iati_transaction_links_contribution ON iati_transaction_links (contribution_id);

CREATE TRIGGER iati_recipient_countries_frozen BEFORE UPDATE OR DELETE ON iati_recipient_countries
    FOR EACH ROW EXECUTE FUNCTION refuse_row_change();
CREATE TRIGGER iati_recipient_regions_frozen BEFORE UPDATE OR DELETE ON iati_recipient_regions
    FOR EACH ROW EXECUTE FUNCTION refuse_row_change();
CREATE TRIGGER iati_sectors_frozen BEFORE UPDATE OR DELETE ON iati_sectors
    FOR EACH ROW EXECUTE FUNCTION refuse_row_change();
CREATE TRIGGER iati_budgets_frozen BEFORE UPDATE OR DELETE ON iati_budgets
    FOR EACH ROW EXECUTE FUNCTION refuse_row_change();
CREATE TRIGGER iati_spending_frozen BEFORE UPDATE OR DELETE ON iati_spending
    FOR EACH ROW EXECUTE FUNCTION refuse_row_change();
CREATE TRIGGER iati_transaction_links_frozen BEFORE UPDATE OR DELETE ON iati_transaction_links
    FOR EACH ROW EXECUTE FUNCTION refuse_row_change();
