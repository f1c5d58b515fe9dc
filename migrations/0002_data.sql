-- The data behind the reports. Each resource has an identity table (what never changes) and a
-- versions table: a correction closes the current version (valid_to) and adds a new revision, so
-- any past instant T reads as `valid_from <= T AND (valid_to IS NULL OR valid_to > T)`.

-- Organizations --------------------------------------------------------------------------------
CREATE TABLE organizations (
    id         text        PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9-]{0,62}$'),
    created_at timestamptz NOT NULL
);

CREATE TABLE organization_versions (
    organization_id text        NOT NULL REFERENCES organizations (id),
    revision        integer     NOT NULL CHECK (revision >= 1),
    valid_from      timestamptz NOT NULL,
    valid_to        timestamptz CHECK (valid_to >= valid_from),
    display_name    text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    kind            text        NOT NULL CHECK (kind IN ('government', 'other_public_sector',
                        'international_ngo', 'national_ngo', 'multilateral', 'foundation',
                        'private_sector', 'academic', 'other')),
    member_state    boolean     NOT NULL,
    country_code    char(2)     REFERENCES countries (code),
    iati_ref        text        CHECK (length(iati_ref) BETWEEN 1 AND 100),
    PRIMARY KEY (organization_id, revision),
    CONSTRAINT member_state_is_a_country
        CHECK (NOT member_state OR (kind = 'government' AND country_code IS NOT NULL))
);
CREATE UNIQUE INDEX organization_versions_current
    ON organization_versions (organization_id) WHERE valid_to IS NULL;
CREATE TRIGGER organization_versions_history BEFORE UPDATE OR DELETE ON organization_versions
    FOR EACH ROW EXECUTE FUNCTION protect_history();

-- Sessions -------------------------------------------------------------------------------------
CREATE TABLE sessions (
    id         text        PRIMARY KEY CHECK (id ~ '^(council-)?[1-9][0-9]{0,5}$'),
    body       text        NOT NULL CHECK (body IN ('scpf', 'council')),
    number     integer     NOT NULL CHECK (number >= 1),
    created_at timestamptz NOT NULL,
    CONSTRAINT sessions_body_number_key UNIQUE (body, number)
);

CREATE TABLE session_versions (
    session_id             text        NOT NULL REFERENCES sessions (id),
    revision               integer     NOT NULL CHECK (revision >= 1),
    valid_from             timestamptz NOT NULL,
    valid_to               timestamptz CHECK (valid_to >= valid_from),
    start_date             date        NOT NULL,
    end_date               date        NOT NULL CHECK (end_date >= start_date),
    reporting_period_start date        NOT NULL,
    reporting_period_end   date        NOT NULL CHECK (reporting_period_end >= reporting_period_start),
    state                  text        NOT NULL CHECK (state IN ('planned', 'held', 'closed')),
    PRIMARY KEY (session_id, revision)
);
CREATE UNIQUE INDEX session_versions_current ON session_versions (session_id) WHERE valid_to IS NULL;
CREATE TRIGGER session_versions_history BEFORE UPDATE OR DELETE ON session_versions
    FOR EACH ROW EXECUTE FUNCTION protect_history();

-- Programmes -----------------------------------------------------------------------------------
CREATE TABLE programmes (
    id         text        PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9-]{0,62}$'),
    created_at timestamptz NOT NULL
);

CREATE TABLE programme_versions (
    programme_id  text        NOT NULL REFERENCES programmes (id),
    revision      integer     NOT NULL CHECK (revision >= 1),
    valid_from    timestamptz NOT NULL,
    valid_to      timestamptz CHECK (valid_to >= valid_from),
    code          text        NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
    title         text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description   text        NOT NULL,
    thematic_area text        NOT NULL,
    srf_objective smallint    CHECK (srf_objective BETWEEN 1 AND 3),
    parent_id     text        REFERENCES programmes (id) CHECK (parent_id <> programme_id),
    start_date    date,
    end_date      date        CHECK (end_date >= start_date),
    PRIMARY KEY (programme_id, revision)
);
CREATE UNIQUE INDEX programme_versions_current ON programme_versions (programme_id) WHERE valid_to IS NULL;
CREATE TRIGGER programme_versions_history BEFORE UPDATE OR DELETE ON programme_versions
    FOR EACH ROW EXECUTE FUNCTION protect_history();

CREATE TABLE programme_countries (
    programme_id text    NOT NULL,
    revision     integer NOT NULL,
    country_code char(2) NOT NULL REFERENCES countries (code),
    PRIMARY KEY (programme_id, revision, country_code),
    FOREIGN KEY (programme_id, revision) REFERENCES programme_versions (programme_id, revision)
);
CREATE TRIGGER programme_countries_frozen BEFORE UPDATE OR DELETE ON programme_countries
    FOR EACH ROW EXECUTE FUNCTION refuse_row_change();

CREATE TABLE programme_partners (
    programme_id    text     NOT NULL,
    revision        integer  NOT NULL,
    position        smallint NOT NULL CHECK (position >= 0),
    organization_id text     NOT NULL REFERENCES organizations (id),
    role            text     NOT NULL CHECK (role IN ('funding', 'accountable', 'extending', 'implementing')),
    PRIMARY KEY (programme_id, revision, position),
    UNIQUE (programme_id, revision, organization_id, role),
    FOREIGN KEY (programme_id, revision) REFERENCES programme_versions (programme_id, revision)
);
CREATE TRIGGER programme_partners_frozen BEFORE UPDATE OR DELETE ON programme_partners
    FOR EACH ROW EXECUTE FUNCTION refuse_row_change();

-- Indicators and measurements ------------------------------------------------------------------
CREATE TABLE indicators (
    programme_id text        NOT NULL REFERENCES programmes (id),
    id           text        NOT NULL CHECK (id ~ '^[a-z][a-z0-9-]{0,62}$'),
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (programme_id, id)
);

CREATE TABLE indicator_versions (
    programme_id     text          NOT NULL,
    indicator_id     text          NOT NULL,
    revision         integer       NOT NULL CHECK (revision >= 1),
    valid_from       timestamptz   NOT NULL,
    valid_to         timestamptz   CHECK (valid_to >= valid_from),
    title            text          NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description      text          NOT NULL,
    result_level     text          NOT NULL CHECK (result_level IN ('output', 'outcome', 'impact')),
    measure          text          NOT NULL CHECK (measure IN ('unit', 'percentage', 'nominal', 'ordinal', 'qualitative')),
    direction        text          NOT NULL CHECK (direction IN ('increasing', 'decreasing')),
    cumulative       boolean       NOT NULL,
    baseline_value   numeric(24,6) CHECK (baseline_value >= 0 AND baseline_value <> 'NaN'),
    baseline_date    date,
    baseline_comment text          NOT NULL,
    dimensions       text[]        NOT NULL,
    unit             text          NOT NULL,
    PRIMARY KEY (programme_id, indicator_id, revision),
    FOREIGN KEY (programme_id, indicator_id) REFERENCES indicators (programme_id, id),
    -- A value needs its date; a date alone is allowed (IATI baselines of qualitative
    -- indicators carry a year and a comment but no value).
    CONSTRAINT baseline_has_a_date CHECK (baseline_value IS NULL OR baseline_date IS NOT NULL)
);
CREATE UNIQUE INDEX indicator_versions_current
    ON indicator_versions (programme_id, indicator_id) WHERE valid_to IS NULL;
CREATE TRIGGER indicator_versions_history BEFORE UPDATE OR DELETE ON indicator_versions
    FOR EACH ROW EXECUTE FUNCTION protect_history();

-- A measurement is one period of one indicator for one combination of disaggregation values;
-- recording the same key again is a correction (a new revision of the same measurement).
CREATE TABLE measurements (
    id            text        PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9-]{0,62}$'),
    programme_id  text        NOT NULL,
    indicator_id  text        NOT NULL,
    period_start  date        NOT NULL,
    period_end    date        NOT NULL CHECK (period_end >= period_start),
    dimensions    jsonb       NOT NULL,
    dimension_key text        NOT NULL,
    created_at    timestamptz NOT NULL,
    FOREIGN KEY (programme_id, indicator_id) REFERENCES indicators (programme_id, id),
    CONSTRAINT measurements_key UNIQUE (programme_id, indicator_id, period_start, period_end, dimension_key)
);

CREATE TABLE measurement_versions (
    measurement_id text          NOT NULL REFERENCES measurements (id),
    revision       integer       NOT NULL CHECK (revision >= 1),
    valid_from     timestamptz   NOT NULL,
    valid_to       timestamptz   CHECK (valid_to >= valid_from),
    target         numeric(24,6) CHECK (target >= 0 AND target <> 'NaN'),
    actual         numeric(24,6) CHECK (actual >= 0 AND actual <> 'NaN'),
    source         text          NOT NULL,
    verified       boolean       NOT NULL,
    comment        text          NOT NULL,
    PRIMARY KEY (measurement_id, revision)
);
CREATE UNIQUE INDEX measurement_versions_current ON measurement_versions (measurement_id) WHERE valid_to IS NULL;
CREATE TRIGGER measurement_versions_history BEFORE UPDATE OR DELETE ON measurement_versions
    FOR EACH ROW EXECUTE FUNCTION protect_history();

-- Contributions, installments and receipts -----------------------------------------------------
-- Donor, funding type and currency are the contribution's identity and never change.
CREATE TABLE contributions (
    id            text        PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9-]{0,62}$'),
    donor_id      text        NOT NULL REFERENCES organizations (id),
    funding_type  text        NOT NULL CHECK (funding_type IN ('assessed', 'voluntary')),
    currency_code char(3)     NOT NULL REFERENCES currencies (code),
    created_at    timestamptz NOT NULL,
    CONSTRAINT assessed_in_chf CHECK (funding_type <> 'assessed' OR currency_code = 'CHF')
);
CREATE INDEX contributions_donor ON contributions (donor_id);

CREATE TABLE contribution_versions (
    contribution_id      text          NOT NULL REFERENCES contributions (id),
    revision             integer       NOT NULL CHECK (revision >= 1),
    valid_from           timestamptz   NOT NULL,
    valid_to             timestamptz   CHECK (valid_to >= valid_from),
    budget_part          text          NOT NULL CHECK (budget_part IN ('administrative', 'operational')),
    earmarking_category  smallint      CHECK (earmarking_category BETWEEN 1 AND 4),
    earmarking_modality  char(1)       CHECK (earmarking_modality BETWEEN 'A' AND 'L'),
    programme_id         text          REFERENCES programmes (id),
    earmarked_to         text          NOT NULL,
    status               text          NOT NULL CHECK (status IN ('pledge', 'commitment')),
    total                numeric(19,4) NOT NULL CHECK (total > 0 AND total <> 'NaN'),
    agreement_date       date          NOT NULL,
    period_start         date          NOT NULL,
    period_end           date          NOT NULL CHECK (period_end >= period_start),
    announced_session_id text          REFERENCES sessions (id),
    description          text          NOT NULL,
    reason               text          NOT NULL,
    PRIMARY KEY (contribution_id, revision),
    CONSTRAINT earmarked_needs_programme
        CHECK (earmarking_category IS NULL OR earmarking_category < 3 OR programme_id IS NOT NULL),
    CONSTRAINT modality_needs_category
        CHECK ((earmarking_category IS NULL) = (earmarking_modality IS NULL))
);
CREATE UNIQUE INDEX contribution_versions_current
    ON contribution_versions (contribution_id) WHERE valid_to IS NULL;
CREATE INDEX contribution_versions_as_of ON contribution_versions (valid_from, valid_to);
CREATE TRIGGER contribution_versions_history BEFORE UPDATE OR DELETE ON contribution_versions
    FOR EACH ROW EXECUTE FUNCTION protect_history();

CREATE TABLE installments (
    contribution_id text          NOT NULL,
    revision        integer       NOT NULL,
    position        smallint      NOT NULL CHECK (position >= 0),
    due_date        date          NOT NULL,
    amount          numeric(19,4) NOT NULL CHECK (amount > 0 AND amount <> 'NaN'),
    PRIMARY KEY (contribution_id, revision, position),
    FOREIGN KEY (contribution_id, revision) REFERENCES contribution_versions (contribution_id, revision)
);
CREATE TRIGGER installments_frozen BEFORE UPDATE OR DELETE ON installments
    FOR EACH ROW EXECUTE FUNCTION refuse_row_change();

-- The installments of a version sum exactly to its total, checked when the transaction commits.
CREATE FUNCTION check_installments_sum() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    expected numeric;
    scheduled numeric;
BEGIN
    SELECT total INTO expected FROM contribution_versions
     WHERE contribution_id = NEW.contribution_id AND revision = NEW.revision;
    SELECT coalesce(sum(amount), 0) INTO scheduled FROM installments
     WHERE contribution_id = NEW.contribution_id AND revision = NEW.revision;
    IF expected IS DISTINCT FROM scheduled THEN
        RAISE EXCEPTION 'installments of % revision % sum to %, not the total %',
            NEW.contribution_id, NEW.revision, scheduled, expected
            USING ERRCODE = 'SC003';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER contribution_versions_installments_sum
    AFTER INSERT ON contribution_versions DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION check_installments_sum();

CREATE TABLE receipts (
    id              text        PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9-]{0,62}$'),
    contribution_id text        NOT NULL REFERENCES contributions (id),
    created_at      timestamptz NOT NULL
);
CREATE INDEX receipts_contribution ON receipts (contribution_id);

CREATE TABLE receipt_versions (
    receipt_id    text          NOT NULL REFERENCES receipts (id),
    revision      integer       NOT NULL CHECK (revision >= 1),
    valid_from    timestamptz   NOT NULL,
    valid_to      timestamptz   CHECK (valid_to >= valid_from),
    received_date date          NOT NULL,
    amount        numeric(19,4) NOT NULL CHECK (amount > 0 AND amount <> 'NaN'),
    reference     text          NOT NULL,
    withdrawn     boolean       NOT NULL,
    reason        text          NOT NULL,
    PRIMARY KEY (receipt_id, revision)
);
CREATE UNIQUE INDEX receipt_versions_current ON receipt_versions (receipt_id) WHERE valid_to IS NULL;
CREATE TRIGGER receipt_versions_history BEFORE UPDATE OR DELETE ON receipt_versions
    FOR EACH ROW EXECUTE FUNCTION protect_history();

-- Exchange rates -------------------------------------------------------------------------------
CREATE TABLE exchange_rates (
    base_currency  char(3)     NOT NULL REFERENCES currencies (code),
    quote_currency char(3)     NOT NULL REFERENCES currencies (code) CHECK (quote_currency <> base_currency),
    month          date        NOT NULL CHECK (extract(day FROM month) = 1),
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (base_currency, quote_currency, month)
);

CREATE TABLE exchange_rate_versions (
    base_currency  char(3)       NOT NULL,
    quote_currency char(3)       NOT NULL,
    month          date          NOT NULL,
    revision       integer       NOT NULL CHECK (revision >= 1),
    valid_from     timestamptz   NOT NULL,
    valid_to       timestamptz   CHECK (valid_to >= valid_from),
    rate           numeric(24,10) NOT NULL CHECK (rate > 0 AND rate <> 'NaN'),
    source         text          NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    PRIMARY KEY (base_currency, quote_currency, month, revision),
    FOREIGN KEY (base_currency, quote_currency, month)
        REFERENCES exchange_rates (base_currency, quote_currency, month)
);
CREATE UNIQUE INDEX exchange_rate_versions_current
    ON exchange_rate_versions (base_currency, quote_currency, month) WHERE valid_to IS NULL;
CREATE TRIGGER exchange_rate_versions_history BEFORE UPDATE OR DELETE ON exchange_rate_versions
    FOR EACH ROW EXECUTE FUNCTION protect_history();

-- Allocations of unearmarked funds -------------------------------------------------------------
CREATE TABLE allocations (
    id         text        PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9-]{0,62}$'),
    created_at timestamptz NOT NULL
);

CREATE TABLE allocation_versions (
    allocation_id   text          NOT NULL REFERENCES allocations (id),
    revision        integer       NOT NULL CHECK (revision >= 1),
    valid_from      timestamptz   NOT NULL,
    valid_to        timestamptz   CHECK (valid_to >= valid_from),
    allocation_date date          NOT NULL,
    amount          numeric(19,4) NOT NULL CHECK (amount > 0 AND amount <> 'NaN'),
    currency_code   char(3)       NOT NULL REFERENCES currencies (code) CHECK (currency_code = 'USD'),
    programme_id    text          REFERENCES programmes (id),
    srf_objective   smallint      CHECK (srf_objective BETWEEN 1 AND 3),
    description     text          NOT NULL,
    PRIMARY KEY (allocation_id, revision),
    CONSTRAINT allocation_has_a_destination CHECK (programme_id IS NOT NULL OR srf_objective IS NOT NULL)
);
CREATE UNIQUE INDEX allocation_versions_current ON allocation_versions (allocation_id) WHERE valid_to IS NULL;
CREATE TRIGGER allocation_versions_history BEFORE UPDATE OR DELETE ON allocation_versions
    FOR EACH ROW EXECUTE FUNCTION protect_history();
