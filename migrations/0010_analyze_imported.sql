-- Imports refresh the statistics of the tables they grew (store/statistics.rs), but in
-- PostgreSQL 15 only a table's owner may ANALYZE it, and the service runs as
-- scpf_reports_runtime, which owns nothing. This function runs as the schema owner and analyzes
-- only the tables an import writes; the runtime role may call it and nothing else of the kind.
CREATE FUNCTION analyze_imported(table_name text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF table_name NOT IN ('contributions', 'contribution_versions', 'installments',
                          'measurements', 'measurement_versions') THEN
        RAISE EXCEPTION 'analyze_imported: % is not a table an import writes', table_name;
    END IF;
    EXECUTE format('ANALYZE %I', table_name);
END
$$;
REVOKE ALL ON FUNCTION analyze_imported(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analyze_imported(text) TO scpf_reports_runtime;
