/// A per-company version that every removal or rewrite of stored events moves, so the Events
/// function can keep a company's newest page and fetch only what was appended since (issue 12).
///
/// A company's events are only ever appended (by ingest, under the company's stream lock, so per
/// company ids commit in id order: a reader that has seen id h never later sees a new id below
/// h) and rarely removed (the archive, a company's deletion) or rewritten (by hand, as the owner).
/// Appends are found by id; the rest by this version, kept by statement-level triggers. Ingest's
/// path has no trigger.
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
    """#)
}
