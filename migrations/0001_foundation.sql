-- Foundations shared by every resource: reference data, idempotency, the audit trail, and the
-- triggers that keep history and audit append-only in the database itself.

-- ISO 4217 currencies with their minor units and ISO 3166-1 countries. The rows are written by
-- `scpf-reports migrate` from maintained crates (iso_currency, rust_iso3166), not typed here.
CREATE TABLE currencies (
    code        char(3)  PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
    minor_units smallint NOT NULL CHECK (minor_units BETWEEN 0 AND 4),
    name        text     NOT NULL
);

CREATE TABLE countries (
    code char(2) PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$'),
    name text    NOT NULL
);

-- One row per client request_id of a mutating call. The response is stored in the same
-- transaction as the write, so a replay returns it without writing again.
CREATE TABLE idempotency_keys (
    request_id  text        PRIMARY KEY CHECK (length(request_id) BETWEEN 1 AND 128),
    method      text        NOT NULL,
    fingerprint bytea       NOT NULL CHECK (length(fingerprint) = 32),
    actor       text        NOT NULL,
    response    bytea,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Every mutation: who, what, when, the request id, and the resource before and after.
CREATE TABLE audit_events (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_time timestamptz NOT NULL,
    actor      text        NOT NULL,
    method     text        NOT NULL,
    resource   text        NOT NULL,
    request_id text        NOT NULL,
    reason     text,
    before     jsonb,
    after      jsonb
);
CREATE INDEX audit_events_resource ON audit_events (resource, id);

-- SQLSTATE SC001: an attempt to change what may only be appended to.
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'SC001';
END;
$$;

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Versions of a resource are never rewritten: the only change allowed is closing the current
-- version (setting valid_to once, when a newer revision supersedes it). Deleting is refused.
CREATE FUNCTION protect_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% keeps history: DELETE refused', TG_TABLE_NAME USING ERRCODE = 'SC001';
    END IF;
    IF OLD.valid_to IS NOT NULL
       OR NEW.valid_to IS NULL
       OR (to_jsonb(NEW) - 'valid_to') IS DISTINCT FROM (to_jsonb(OLD) - 'valid_to') THEN
        RAISE EXCEPTION '% keeps history: a version can only be closed, never rewritten', TG_TABLE_NAME
            USING ERRCODE = 'SC001';
    END IF;
    RETURN NEW;
END;
$$;

-- Rows that belong to one version (installments, partners...) never change at all.
CREATE FUNCTION refuse_row_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% belongs to a version and never changes: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'SC001';
END;
$$;
