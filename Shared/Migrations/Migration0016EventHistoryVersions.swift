/// What an unfiltered events page of a company depends on, read in one short statement, so the
/// Events function can answer `GET /api/events` from the page it built last time (issue 12).
///
/// A company's events are only ever appended (ingest, under the company's stream lock, so per
/// company ids commit in id order: a reader that sees id h never later sees a new id below h),
/// and rarely removed (the archive) or rewritten (by hand). So the newest page is determined by
/// the company's highest event id (the head) and a version that every removal or rewrite moves,
/// which statement-level triggers keep here. Appends cost nothing extra: ingest's hot path has no
/// trigger.
enum Migration0016EventHistoryVersions {
    static let migration = Migration(version: 16, name: "event history versions", sql: #"""
    -- No foreign key to companies: deleting a company cascades to its events, whose trigger writes
    -- here while the company row is already gone (an inert row, as in creator_list_versions).
    CREATE TABLE event_history_versions (
        company_id uuid PRIMARY KEY,
        -- A fresh value of one sequence per removing or rewriting statement, never reused.
        version bigint NOT NULL
    );
    CREATE SEQUENCE event_history_version_numbers;
    ALTER TABLE event_history_versions ENABLE ROW LEVEL SECURITY;
    ALTER TABLE event_history_versions FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON event_history_versions
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());
    CREATE POLICY owner_bumps_versions ON event_history_versions TO ccr_owner USING (true) WITH CHECK (true);
    GRANT SELECT ON event_history_versions TO ccr_app;

    -- Once per statement, for each company whose events it removed or rewrote; runs as the owner
    -- whatever role and tenant scope the statement had.
    CREATE FUNCTION bump_event_history_version() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        BEGIN
            INSERT INTO public.event_history_versions AS v (company_id, version)
            SELECT c.company_id, nextval('public.event_history_version_numbers')
            FROM (SELECT DISTINCT company_id FROM changed) c
            ON CONFLICT (company_id) DO UPDATE SET version = EXCLUDED.version;
            RETURN NULL;
        END
        $$;
    REVOKE ALL ON FUNCTION bump_event_history_version() FROM PUBLIC;
    CREATE TRIGGER event_history_removed AFTER DELETE ON events
        REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_event_history_version();
    CREATE TRIGGER event_history_rewritten AFTER UPDATE ON events
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_event_history_version();

    -- enter_tenant (migration 6) plus the version of the company's event history: its head and
    -- its history version, as text (a cache key compared for equality only). Runs as the caller,
    -- so both are read under the tenant scope it has just set.
    CREATE FUNCTION enter_tenant_for_event_history(company uuid, OUT present boolean, OUT version text)
        LANGUAGE plpgsql VOLATILE
        AS $$
        BEGIN
            PERFORM set_config('app.company_id', company::text, true);
            present := EXISTS (SELECT 1 FROM public.companies WHERE id = company);
            version := COALESCE((SELECT max(e.id) FROM public.events e WHERE e.company_id = company), 0)::text || '.'
                || COALESCE((SELECT v.version FROM public.event_history_versions v WHERE v.company_id = company), 0)::text;
        END
        $$;
    REVOKE ALL ON FUNCTION enter_tenant_for_event_history(uuid) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION enter_tenant_for_event_history(uuid) TO ccr_app;
    """#)
}
