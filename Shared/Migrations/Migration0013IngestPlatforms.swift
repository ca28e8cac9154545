/// Ingest's functions for every platform, planned once per connection (issues 12 and 17).
///
/// - `tracked_creators` runs once per ingest batch. Its array parameter is opaque to the planner,
///   which guessed ~1,300 matching creators and chose a hash join over a sequential scan of every
///   creator link in the deployment (20,000 rows at 1,000 agencies × 20 creators, ~8 ms per
///   batch, the largest single item in Postgres' ingest CPU); with join methods turned off
///   instead, stale statistics on a freshly loaded `creator_links` gave a nested loop over the
///   whole table. A batch names a few dozen broadcasters, so the link is read by a scalar
///   subquery: one primary-key probe per matching creator, whatever the statistics say.
/// - `store_events` stores YouTube and Rumble rows too (each checked against the company's
///   `creator_channels`, as a Twitch row is against its creators) and returns the platform.
/// - All three ingest functions (`notification_outbox` too) are PL/pgSQL now: a `LANGUAGE sql`
///   function called in FROM is parsed and planned on every call, which was a fifth of Postgres'
///   CPU under ingest load; PL/pgSQL keeps each statement's plan for the session.
///   `#variable_conflict use_column`: the result columns share names with table columns.
enum Migration0013IngestPlatforms {
    static let migration = Migration(version: 13, name: "ingest functions for every platform", sql: #"""
    CREATE OR REPLACE FUNCTION tracked_creators(twitch_user_ids text[])
        RETURNS TABLE (company_id uuid, creator_id uuid, twitch_user_id text, authorized_types text[])
        LANGUAGE plpgsql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        #variable_conflict use_column
        BEGIN
            RETURN QUERY
            SELECT c.company_id, c.id, c.twitch_user_id,
                   (SELECT l.authorized_types FROM public.creator_links l WHERE l.creator_id = c.id AND l.status = 'linked')
            FROM public.creators c
            WHERE c.twitch_user_id = ANY (twitch_user_ids);
        END
        $$;

    -- The result gains `platform`, so the function is replaced (grants restated).
    DROP FUNCTION store_events(jsonb);
    CREATE FUNCTION store_events(batch jsonb)
        RETURNS TABLE (id bigint, company_id uuid, creator_id uuid, twitch_message_id text, subscription_type text,
                       subscription_version text, source text, broadcaster_user_id text, occurred_at_text text,
                       received_at_text text, data_text text, platform text)
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        -- jsonb_to_recordset is estimated at 100 rows whatever the batch: without these the
        -- tracker check was planned as a hash join over every creator (migration 5).
        SET enable_hashjoin = off
        SET enable_mergejoin = off
        AS $$
        #variable_conflict use_column
        BEGIN
            RETURN QUERY
            WITH stored AS (
                INSERT INTO public.events AS e (company_id, creator_id, twitch_message_id, subscription_type, subscription_version,
                                                source, broadcaster_user_id, occurred_at, data, payload, platform)
                SELECT r.k, r.c, r.m, r.t, r.v, r.s, r.b, r.o, r.d, r.p, COALESCE(r.pf, 'twitch')
                FROM jsonb_to_recordset(batch) AS r(i int, k uuid, c uuid, m text, t text, v text, b text, o timestamptz, d jsonb,
                                                    s text, p jsonb, u text[], pf text)
                -- A row is stored only if its creator is the company's tracker of one of the
                -- routing ids: a Twitch user (creators), or another platform's channel.
                WHERE CASE WHEN r.pf IS NULL OR r.pf = 'twitch'
                      THEN EXISTS (SELECT 1 FROM public.creators cr
                                   WHERE cr.company_id = r.k AND cr.id = r.c AND cr.twitch_user_id = ANY (r.u))
                      ELSE EXISTS (SELECT 1 FROM public.creator_channels ch
                                   WHERE ch.company_id = r.k AND ch.creator_id = r.c AND ch.platform = r.pf
                                     AND ch.channel_id = ANY (r.u))
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
    REVOKE ALL ON FUNCTION store_events(jsonb) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION store_events(jsonb) TO ccr_app;

    -- Same rules as migration 11; the candidates are computed once (MATERIALIZED), where the
    -- inlined form evaluated the opt-out and cooldown probes once per use.
    CREATE OR REPLACE FUNCTION notification_outbox(batch jsonb)
        RETURNS TABLE (delivery_id bigint, company_id uuid)
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        #variable_conflict use_column
        BEGIN
            RETURN QUERY
            WITH candidate AS MATERIALIZED (
                SELECT r.e, r.k, r.c, r.t, d.id AS destination_id,
                       EXISTS (SELECT 1 FROM public.notification_opt_outs o WHERE o.destination_id = d.id AND o.creator_id = r.c) AS opted_out,
                       d.cooldown_seconds > 0 AND r.c IS NOT NULL AND EXISTS (
                           SELECT 1 FROM public.notification_deliveries p
                           WHERE p.destination_id = d.id AND p.creator_id = r.c AND p.event_type = r.t
                             AND p.status NOT IN ('skipped', 'failed', 'disabled')
                             AND p.created_at > now() - make_interval(secs => d.cooldown_seconds)) AS cooling
                FROM jsonb_to_recordset(batch) AS r(e bigint, k uuid, c uuid, t text, d jsonb)
                JOIN public.notification_destinations d ON d.company_id = r.k AND d.enabled AND r.t = ANY (d.event_types)
                LEFT JOIN public.creators cr ON cr.company_id = r.k AND cr.id = r.c
                WHERE (d.creator_scope = 'all'
                       OR (d.creator_scope = 'topics' AND cr.topics && d.topics)
                       OR (d.creator_scope = 'creators' AND r.c = ANY (d.creator_ids)))
                  AND (r.t <> 'channel.cheer' OR COALESCE((r.d ->> 'bits')::bigint, 0) >= d.min_bits)
                  AND (r.t <> 'channel.subscription.gift' OR COALESCE((r.d ->> 'total')::bigint, 0) >= d.min_gift_total)
                  AND (r.t <> 'channel.raid' OR COALESCE((r.d ->> 'viewers')::bigint, 0) >= d.min_raid_viewers)
            ), written AS (
                INSERT INTO public.notification_deliveries AS nd (company_id, destination_id, event_id, creator_id, event_type, status,
                                                                 skip_reason, finished_at)
                SELECT k, destination_id, e, c, t,
                       CASE WHEN opted_out OR cooling THEN 'skipped' ELSE 'pending' END,
                       CASE WHEN opted_out THEN 'opted_out' WHEN cooling THEN 'cooldown' END,
                       CASE WHEN opted_out OR cooling THEN now() END
                FROM candidate
                ORDER BY e
                ON CONFLICT (event_id, destination_id) DO NOTHING
                RETURNING CASE WHEN nd.status = 'pending' THEN nd.id END, nd.company_id
            )
            SELECT * FROM written;
        END
        $$;
    """#)
}
