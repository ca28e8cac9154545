/// Ingest stores a whole batch, for every company it touches, in one statement instead of one
/// `set_config` + INSERT round trip per company (with 1,000 agencies a batch touches hundreds).
enum Migration0005StoreEvents {
    static let migration = Migration(version: 5, name: "store events in one statement", sql: #"""
    -- Each row names its company and creator and is stored only if that creator is the company's
    -- tracker of one of the notification's routing users (`u`), so the caller cannot write into a
    -- company that does not track the broadcaster. It runs as the owner (SECURITY DEFINER), which
    -- may insert events only through this INSERT-only policy; the app role has no such policy and
    -- keeps inserting under its tenant scope everywhere else.
    CREATE POLICY owner_stores_tracked_events ON events FOR INSERT TO ccr_owner WITH CHECK (
        EXISTS (SELECT 1 FROM public.creators c WHERE c.company_id = events.company_id AND c.id = events.creator_id));
    CREATE FUNCTION store_events(batch jsonb)
        RETURNS TABLE (id bigint, company_id uuid, creator_id uuid, twitch_message_id text, subscription_type text,
                       subscription_version text, source text, broadcaster_user_id text, occurred_at_text text,
                       received_at_text text, data_text text)
        LANGUAGE sql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        -- jsonb_to_recordset is estimated at 100 rows whatever the batch, so the tracker check
        -- was planned as a hash join over a sequential scan of every creator of every company
        -- (20,000 rows per batch at 1,000 agencies, a quarter of Postgres' ingest CPU). A batch
        -- checks a few dozen rows: one primary-key probe each.
        SET enable_hashjoin = off
        SET enable_mergejoin = off
        AS $$
            INSERT INTO public.events AS e (company_id, creator_id, twitch_message_id, subscription_type, subscription_version,
                                            source, broadcaster_user_id, occurred_at, data, payload)
            SELECT r.k, r.c, r.m, r.t, r.v, r.s, r.b, r.o, r.d, r.p
            FROM jsonb_to_recordset(batch) AS r(i int, k uuid, c uuid, m text, t text, v text, b text, o timestamptz, d jsonb,
                                                s text, p jsonb, u text[])
            WHERE EXISTS (SELECT 1 FROM public.creators cr WHERE cr.company_id = r.k AND cr.id = r.c AND cr.twitch_user_id = ANY (r.u))
            ORDER BY r.i
            ON CONFLICT (company_id, twitch_message_id) DO NOTHING
            RETURNING e.id, e.company_id, e.creator_id, e.twitch_message_id, e.subscription_type, e.subscription_version, e.source,
                      e.broadcaster_user_id,
                      to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                      to_char(e.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                      e.data::text
        $$;
    REVOKE ALL ON FUNCTION store_events(jsonb) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION store_events(jsonb) TO ccr_app;
    """#)
}
