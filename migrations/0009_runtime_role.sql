-- The role the service runs as. Migrations run as the owner of the schema (the user of the
-- migration Job); the server connects as a user that is a member of scpf_reports_runtime, which
-- may read and append everything but change only what the service itself changes:
--   * history (*_versions): only valid_to, once (the protect_history trigger checks the rest);
--   * reports: only the step from draft to final (state, finalized_at, finalized_by);
--   * idempotency_keys: the stored response, and giving back an unanswered claim;
--   * identity rows: nothing at all. They are locked FOR UPDATE as turnstiles, which PostgreSQL
--     allows only with an UPDATE privilege, so one column is granted and a trigger refuses any
--     UPDATE or DELETE.
-- Audit events, history and final reports can then not be rewritten or deleted by the service's
-- role, whatever its code does; TRUNCATE, DDL and disabling triggers belong to the owner alone.

-- A cluster-wide role: created once, by the first database migrated. A migration user without
-- CREATEROLE needs it created beforehand (see the chart's README).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'scpf_reports_runtime') THEN
        CREATE ROLE scpf_reports_runtime NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN
        NULL; -- another database's migration created it at the same time
    WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'role scpf_reports_runtime does not exist and % may not create it', current_user
            USING HINT = 'CREATE ROLE scpf_reports_runtime NOLOGIN; as a superuser, then migrate again';
END;
$$;

GRANT USAGE ON SCHEMA public TO scpf_reports_runtime;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.relname AS name,
               EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid
                       AND a.attname = 'valid_to' AND NOT a.attisdropped) AS versioned,
               EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid
                       AND a.attname = 'created_at' AND NOT a.attisdropped) AS has_created_at,
               -- an identity table: the target of a versions table's foreign key
               EXISTS (SELECT FROM pg_constraint k
                       JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attname = 'valid_to'
                       WHERE k.contype = 'f' AND k.confrelid = c.oid) AS identity
        FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
          AND c.relname <> '_sqlx_migrations'
    LOOP
        EXECUTE format('REVOKE ALL ON %I FROM scpf_reports_runtime', t.name);
        EXECUTE format('GRANT SELECT, INSERT ON %I TO scpf_reports_runtime', t.name);
        IF t.versioned THEN
            EXECUTE format('GRANT UPDATE (valid_to) ON %I TO scpf_reports_runtime', t.name);
        ELSIF t.identity AND t.has_created_at THEN
            EXECUTE format('GRANT UPDATE (created_at) ON %I TO scpf_reports_runtime', t.name);
            EXECUTE format(
                'CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION refuse_row_change()',
                t.name || '_identity_frozen', t.name);
        END IF;
    END LOOP;
END;
$$;

GRANT UPDATE (state, finalized_at, finalized_by) ON reports TO scpf_reports_runtime;
GRANT UPDATE (response), DELETE ON idempotency_keys TO scpf_reports_runtime;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO scpf_reports_runtime;

-- Tables added by later migrations can be read and appended to; any other privilege they need
-- is granted by their own migration.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT ON TABLES TO scpf_reports_runtime;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO scpf_reports_runtime;
