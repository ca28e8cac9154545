/// Ingest's per-row work in Postgres, cut to what only Postgres knows (issue 12).
///
/// perf of a storm (`bench webhook`, 1,000 companies, hot share 1.0: three rows per event) found
/// two costs per stored row that bought nothing:
/// - `store_events` returned every column of the row, `data::text` included, and the lane parsed
///   that text back, although it had sent each of those values itself. `store_event_rows` has
///   the same rules and returns only what Postgres decides: the id, the normalized event time
///   and the receive time (and the key the caller matches them by).
/// - The owner's INSERT policy on `events` probed the row's creator again (an `EXISTS` subplan
///   per row, ~5 % of Postgres' ingest CPU) after the function's own `WHERE` had probed the same
///   creator more strictly (the company's tracker of one of the notification's users). The owner
///   owns the table and could lift row-level security on it at will, so that policy guarded only
///   against the owner's own functions; the functions' `WHERE` is the boundary, and
///   `TenancyTests` pin it for every form. The policy now lets the owner's functions insert.
///
/// `store_events` (both forms) stays for instances of the previous release during a rolling
/// update; a later migration drops it.
enum Migration0020StoreEventRows {
    static let migration = Migration(version: 20, name: "store event rows returning only what postgres decides", sql: #"""
    -- notifications and targets as for store_events(jsonb, jsonb) (migration 14).
    CREATE FUNCTION store_event_rows(notifications jsonb, targets jsonb)
        RETURNS TABLE (id bigint, company_id uuid, twitch_message_id text, occurred_at_text text, received_at_text text)
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        -- As store_events: one primary-key probe per row for the tracker check, one plan per
        -- connection (migration 18).
        SET enable_hashjoin = off
        SET enable_mergejoin = off
        SET plan_cache_mode = force_generic_plan
        AS $$
        #variable_conflict use_column
        BEGIN
            RETURN QUERY
            WITH stored AS (
                INSERT INTO public.events AS e (company_id, creator_id, twitch_message_id, subscription_type, subscription_version,
                                                source, broadcaster_user_id, occurred_at, data, payload, platform)
                SELECT r.k, r.c, x.m, x.t, x.v, x.s, x.b, x.o, doc.value -> 'd', doc.value -> 'p', COALESCE(x.pf, 'twitch')
                FROM jsonb_to_recordset(targets) AS r(i int, k uuid, c uuid, n int)
                CROSS JOIN LATERAL (SELECT notifications -> r.n AS value) AS doc
                CROSS JOIN LATERAL jsonb_to_record(doc.value) AS x(m text, t text, v text, b text, o timestamptz, s text, u text[],
                                                                   pf text)
                WHERE CASE WHEN x.pf IS NULL OR x.pf = 'twitch'
                      THEN EXISTS (SELECT 1 FROM public.creators cr
                                   WHERE cr.company_id = r.k AND cr.id = r.c AND cr.twitch_user_id = ANY (x.u))
                      ELSE EXISTS (SELECT 1 FROM public.creator_channels ch
                                   WHERE ch.company_id = r.k AND ch.creator_id = r.c AND ch.platform = x.pf
                                     AND ch.channel_id = ANY (x.u))
                      END
                ORDER BY r.i
                ON CONFLICT (company_id, twitch_message_id) DO NOTHING
                RETURNING e.id, e.company_id, e.twitch_message_id,
                          to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                          to_char(e.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
            )
            SELECT * FROM stored;
        END
        $$;
    REVOKE ALL ON FUNCTION store_event_rows(jsonb, jsonb) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION store_event_rows(jsonb, jsonb) TO ccr_app;

    ALTER POLICY owner_stores_tracked_events ON events WITH CHECK (true);
    """#)
}
