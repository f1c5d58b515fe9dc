-- A Member State's standing under the IOM Constitution: its scale of assessment by year, the
-- Council's acts under Article 4 (notification, vote maintained, vote restored) and the payment
-- plans it agreed for its arrears. One version holds the whole standing (a few dozen entries at
-- most), as a JSON document whose amounts and percentages are decimal strings, never floats.

CREATE TABLE member_states (
    organization_id text        PRIMARY KEY REFERENCES organizations (id),
    created_at      timestamptz NOT NULL
);

CREATE TABLE member_state_versions (
    organization_id text        NOT NULL REFERENCES member_states (organization_id),
    revision        integer     NOT NULL CHECK (revision >= 1),
    valid_from      timestamptz NOT NULL,
    valid_to        timestamptz CHECK (valid_to >= valid_from),
    standing        jsonb       NOT NULL CHECK (jsonb_typeof(standing) = 'object'
                                    AND jsonb_typeof(standing -> 'scale') = 'array'
                                    AND jsonb_typeof(standing -> 'council_acts') = 'array'
                                    AND jsonb_typeof(standing -> 'payment_plans') = 'array'),
    PRIMARY KEY (organization_id, revision)
);
CREATE UNIQUE INDEX member_state_versions_current
    ON member_state_versions (organization_id) WHERE valid_to IS NULL;
CREATE INDEX member_state_versions_as_of
    ON member_state_versions (valid_from, valid_to);
CREATE TRIGGER member_state_versions_history BEFORE UPDATE OR DELETE ON member_state_versions
    FOR EACH ROW EXECUTE FUNCTION protect_history();
