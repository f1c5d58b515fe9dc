-- Report revisions. The content is the canonical JSON of the report, stored byte for byte with
-- its SHA-256; the database checks the hash, and refuses any change to a report except the one
-- step from draft to final. A final report never changes, whoever asks.

CREATE TABLE reports (
    session_id     text        NOT NULL REFERENCES sessions (id),
    revision       integer     NOT NULL CHECK (revision >= 1),
    as_of          timestamptz NOT NULL,
    state          text        NOT NULL CHECK (state IN ('draft', 'final')),
    content        text        NOT NULL,
    content_sha256 text        NOT NULL,
    created_at     timestamptz NOT NULL,
    created_by     text        NOT NULL,
    finalized_at   timestamptz,
    finalized_by   text,
    PRIMARY KEY (session_id, revision),
    CONSTRAINT content_hash_matches
        CHECK (content_sha256 = encode(sha256(convert_to(content, 'UTF8')), 'hex')),
    CONSTRAINT final_has_a_finalizer
        CHECK ((state = 'final') = (finalized_at IS NOT NULL AND finalized_by IS NOT NULL))
);

-- A session has at most one report of record.
CREATE UNIQUE INDEX reports_one_final ON reports (session_id) WHERE state = 'final';

-- SQLSTATE SC002: an attempt to change a final report.
CREATE FUNCTION protect_reports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state = 'final' THEN
            RAISE EXCEPTION 'report %/% is final and never changes', OLD.session_id, OLD.revision
                USING ERRCODE = 'SC002';
        END IF;
        RAISE EXCEPTION 'reports keep history: DELETE refused' USING ERRCODE = 'SC001';
    END IF;
    IF OLD.state = 'final' THEN
        RAISE EXCEPTION 'report %/% is final and never changes', OLD.session_id, OLD.revision
            USING ERRCODE = 'SC002';
    END IF;
    IF NEW.state <> 'final'
       OR (to_jsonb(NEW) - 'state' - 'finalized_at' - 'finalized_by')
          IS DISTINCT FROM (to_jsonb(OLD) - 'state' - 'finalized_at' - 'finalized_by') THEN
        RAISE EXCEPTION 'a draft report can only be finalized, never rewritten' USING ERRCODE = 'SC001';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER reports_protected BEFORE UPDATE OR DELETE ON reports
    FOR EACH ROW EXECUTE FUNCTION protect_reports();
CREATE TRIGGER reports_no_truncate BEFORE TRUNCATE ON reports
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The report's queries select money by date within a period.
CREATE INDEX receipt_versions_received_date ON receipt_versions (received_date);
CREATE INDEX contribution_versions_agreement_date ON contribution_versions (agreement_date);
