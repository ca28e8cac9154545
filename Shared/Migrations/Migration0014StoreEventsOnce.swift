/// Ingest sends each notification once per batch, and its rows name it by position (issue 12).
///
/// The one-parameter `store_events` took one JSON object per stored row, each carrying the
/// notification's event data and raw payload. In a storm on a channel three agencies track,
/// every notification is three rows, so the batch carried each payload three times, and Postgres
/// parsed it three times (the batch parameter's `jsonb_in` was 7 % of the whole machine), then
/// printed and parsed `d` and `p` again per row (`jsonb_to_recordset` fills jsonb columns through
/// their text form). Here each notification is parsed once, and a row takes its `d` and `p` with
/// `->`, which copies the parsed value instead of parsing it again.
///
/// The rules are migration 13's: a row is stored only if its creator is the company's tracker of
/// one of the notification's routing ids, in the order of `i`, once per company and message id.
/// The one-parameter form stays for instances of the previous release during a rolling update,
/// now as a wrapper (each of its rows is its own notification), so one body holds the rules; a
/// later migration drops it.
enum Migration0014StoreEventsOnce {
    static let migration = Migration(version: 14, name: "store events with each notification sent once", sql: #"""
    -- notifications: [{m, t, v, b, o, s, pf?, u: [routing ids], d: event data, p: raw payload}]
    -- targets:       [{i: order, k: company, c: creator, n: index into notifications}]
    CREATE FUNCTION store_events(notifications jsonb, targets jsonb)
        RETURNS TABLE (id bigint, company_id uuid, creator_id uuid, twitch_message_id text, subscription_type text,
                       subscription_version text, source text, broadcaster_user_id text, occurred_at_text text,
                       received_at_text text, data_text text, platform text)
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        -- As in migrations 5 and 13: the tracker check is one primary-key probe per row.
        SET enable_hashjoin = off
        SET enable_mergejoin = off
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
                -- Only the scalar fields: `d` and `p` are not converted here.
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
                RETURNING e.id, e.company_id, e.creator_id, e.twitch_message_id, e.subscription_type, e.subscription_version,
                          e.source, e.broadcaster_user_id,
                          to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                          to_char(e.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                          e.data::text, e.platform
            )
            SELECT * FROM stored;
        END
        $$;
    REVOKE ALL ON FUNCTION store_events(jsonb, jsonb) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION store_events(jsonb, jsonb) TO ccr_app;

    -- The previous release's form: an old row object carries every notification field, so the
    -- batch itself is the notifications array, and row n names notification n. It runs as the
    -- caller (who may execute the two-parameter form); its grants are kept by REPLACE.
    CREATE OR REPLACE FUNCTION store_events(batch jsonb)
        RETURNS TABLE (id bigint, company_id uuid, creator_id uuid, twitch_message_id text, subscription_type text,
                       subscription_version text, source text, broadcaster_user_id text, occurred_at_text text,
                       received_at_text text, data_text text, platform text)
        LANGUAGE sql VOLATILE
        SET search_path = public, pg_temp
        AS $$
            SELECT * FROM public.store_events(batch, (
                SELECT jsonb_agg(jsonb_build_object('i', x.r -> 'i', 'k', x.r -> 'k', 'c', x.r -> 'c', 'n', x.n - 1) ORDER BY x.n)
                FROM jsonb_array_elements(batch) WITH ORDINALITY AS x(r, n)))
        $$;
    """#)
}
