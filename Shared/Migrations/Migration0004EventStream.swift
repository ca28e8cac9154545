/// The relay's check for events that were committed but never published (a webhook process
/// killed between its COMMIT and its PUBLISH, or Redis refusing the PUBLISH while the relay's own
/// subscription stayed up): which event ids its connected companies received recently.
enum Migration0004EventStream {
    static let migration = Migration(version: 4, name: "event stream check", sql: #"""
    -- Ids only, only for the companies asked about, only recent ones. It runs as the owner
    -- (SECURITY DEFINER), which may read events across tenants only through this read-only policy;
    -- the app role can do neither.
    CREATE POLICY owner_lists_recent_events ON events FOR SELECT TO ccr_owner USING (true);
    CREATE FUNCTION recent_event_ids(company_ids uuid[], received_since timestamptz, settled_seconds float8, max_rows integer)
        RETURNS TABLE (company_id uuid, id bigint)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
            SELECT e.company_id, e.id FROM public.events e
            WHERE e.company_id = ANY (company_ids)
              AND e.received_at >= received_since
              AND e.received_at < now() - make_interval(secs => settled_seconds)
            ORDER BY e.id
            LIMIT max_rows
        $$;
    REVOKE ALL ON FUNCTION recent_event_ids(uuid[], timestamptz, float8, integer) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION recent_event_ids(uuid[], timestamptz, float8, integer) TO ccr_app;
    """#)
}
