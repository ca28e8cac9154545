/// Notifications out (issue 15): an agency's destinations (Discord, Slack, signed webhooks), the
/// rules that pick which events reach each, and one delivery row per (event, destination), which
/// is both the transactional outbox and the delivery log.
///
/// Why the outbox is written by ingest inside the events' own transaction: a notification exists
/// exactly when its event is durable (a crash between the two cannot lose or invent one), and the
/// unique key `(event_id, destination_id)` makes every retry path (Twitch redelivery, a job run
/// twice, the sweeper) converge on one row, so one message.
enum Migration0011Notifications {
    static let migration = Migration(version: 11, name: "notifications", sql: #"""
    -- One place an agency sends alerts to. URLs and secrets are sealed (SecretSealing, the same
    -- "v1.<key id>.<base64url>" format as creators' tokens); `url_hint` is what the API shows
    -- instead (scheme, host and the last characters), because a Discord or Slack webhook URL is a
    -- credential. Rules live on the destination:
    --   creator_scope: all | topics (any creator with one of `topics`) | creators (`creator_ids`)
    --   event_types: which stored event types notify (stream.online by default)
    --   min_bits / min_gift_total / min_raid_viewers: thresholds for cheers, gift bombs, raids
    --   cooldown_seconds: per creator and event type, a second alert within this window is skipped
    --   templates: {"<event type>": {content,title,description,color,showsFields}}; a missing type
    --     uses the product's standard template.
    -- `disabled_reason` says why delivery stopped (a deleted Discord webhook, a 410) for the dashboard.
    CREATE TABLE notification_destinations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        kind text NOT NULL CHECK (kind IN ('discord', 'slack', 'webhook')),
        url_sealed text NOT NULL CHECK (url_sealed ~ '^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'),
        url_hint text NOT NULL,
        -- `webhook`: the Standard Webhooks signing secret; `discord`: an optional bot token.
        secret_sealed text CHECK (secret_sealed IS NULL OR secret_sealed ~ '^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'),
        discord_channel_id text CHECK (discord_channel_id IS NULL OR discord_channel_id ~ '^[0-9]{1,20}$'),
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason text,
        disabled_at timestamptz,
        creator_scope text NOT NULL DEFAULT 'all' CHECK (creator_scope IN ('all', 'topics', 'creators')),
        topics text[] NOT NULL DEFAULT '{}',
        creator_ids uuid[] NOT NULL DEFAULT '{}',
        event_types text[] NOT NULL DEFAULT '{stream.online}',
        min_bits integer NOT NULL DEFAULT 0 CHECK (min_bits >= 0),
        min_gift_total integer NOT NULL DEFAULT 0 CHECK (min_gift_total >= 0),
        min_raid_viewers integer NOT NULL DEFAULT 0 CHECK (min_raid_viewers >= 0),
        cooldown_seconds integer NOT NULL DEFAULT 600 CHECK (cooldown_seconds BETWEEN 0 AND 86400),
        templates jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(templates) = 'object'),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (company_id, id),
        CHECK (enabled OR disabled_reason IS NOT NULL)
    );
    CREATE INDEX notification_destinations_company ON notification_destinations (company_id) WHERE enabled;

    -- A creator who asked not to be announced on a destination (the original notifier's user
    -- preferences). Checked when the outbox row is written: the row is kept as `skipped`.
    CREATE TABLE notification_opt_outs (
        company_id uuid NOT NULL,
        destination_id uuid NOT NULL,
        creator_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (destination_id, creator_id),
        FOREIGN KEY (company_id, destination_id) REFERENCES notification_destinations (company_id, id) ON DELETE CASCADE,
        FOREIGN KEY (company_id, creator_id) REFERENCES creators (company_id, id) ON DELETE CASCADE
    );

    -- The outbox and the delivery log. status:
    --   pending (written with the event), sending (a worker holds it until claimed_until),
    --   retrying (next_attempt_at), delivered, skipped (skip_reason: cooldown | opted_out),
    --   disabled (the destination was disabled before it went out), failed (permanent refusal;
    --   last_error says why).
    -- No foreign key to events: events are archived and deleted by retention; deliveries follow
    -- the same retention (event-archive) and keep the event's type and creator for the log.
    -- `test_send` rows come from the admin's "send a test" button and have no event.
    CREATE TABLE notification_deliveries (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        company_id uuid NOT NULL,
        destination_id uuid NOT NULL,
        event_id bigint,
        creator_id uuid,
        event_type text NOT NULL,
        status text NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'sending', 'retrying', 'delivered', 'skipped', 'disabled', 'failed')),
        skip_reason text,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        claimed_until timestamptz,
        response_status integer,
        last_error text,
        latency_ms integer,
        remote_message_id text,
        test_send boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        UNIQUE (event_id, destination_id),
        CHECK (test_send OR event_id IS NOT NULL),
        FOREIGN KEY (company_id, destination_id) REFERENCES notification_destinations (company_id, id) ON DELETE CASCADE
    );
    CREATE INDEX notification_deliveries_log ON notification_deliveries (company_id, destination_id, id DESC);
    CREATE INDEX notification_deliveries_cooldown ON notification_deliveries (destination_id, creator_id, event_type, created_at DESC)
        WHERE status NOT IN ('skipped', 'failed', 'disabled');
    CREATE INDEX notification_deliveries_due ON notification_deliveries (next_attempt_at)
        WHERE status IN ('pending', 'sending', 'retrying');

    ALTER TABLE notification_destinations ENABLE ROW LEVEL SECURITY;
    ALTER TABLE notification_destinations FORCE ROW LEVEL SECURITY;
    ALTER TABLE notification_opt_outs ENABLE ROW LEVEL SECURITY;
    ALTER TABLE notification_opt_outs FORCE ROW LEVEL SECURITY;
    ALTER TABLE notification_deliveries ENABLE ROW LEVEL SECURITY;
    ALTER TABLE notification_deliveries FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON notification_destinations
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());
    CREATE POLICY tenant_isolation ON notification_opt_outs
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());
    CREATE POLICY tenant_isolation ON notification_deliveries
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());
    GRANT SELECT, INSERT, UPDATE, DELETE ON notification_destinations, notification_opt_outs TO ccr_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON notification_deliveries TO ccr_app;

    -- Ingest writes the outbox for a batch of stored events of many companies in one statement
    -- (below), as the owner: reads of the rules, and inserts of delivery rows, nothing else.
    CREATE POLICY owner_matches_destinations ON notification_destinations FOR SELECT TO ccr_owner USING (true);
    CREATE POLICY owner_matches_opt_outs ON notification_opt_outs FOR SELECT TO ccr_owner USING (true);
    CREATE POLICY owner_reads_deliveries ON notification_deliveries FOR SELECT TO ccr_owner USING (true);
    CREATE POLICY owner_writes_outbox ON notification_deliveries FOR INSERT TO ccr_owner WITH CHECK (status IN ('pending', 'skipped'));

    -- The outbox rows for freshly stored events: `batch` is a JSON array of
    -- {"e": event id, "k": company id, "c": creator id or null, "t": event type, "d": compact data}
    -- exactly as the ingest lane just stored them (the lane passes what it inserted, so this reads
    -- no event). One row per matching enabled destination: `pending`, or `skipped` with the
    -- reason (opted out; cooldown: the destination already announced this creator's event type
    -- within its cooldown). Returns the pending rows, for the lane to enqueue `notify` jobs after
    -- COMMIT. A row already there (the same event again) is left alone.
    CREATE FUNCTION notification_outbox(batch jsonb)
        RETURNS TABLE (delivery_id bigint, company_id uuid)
        LANGUAGE sql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        WITH candidate AS (
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
        )
        INSERT INTO public.notification_deliveries AS nd (company_id, destination_id, event_id, creator_id, event_type, status, skip_reason, finished_at)
        SELECT k, destination_id, e, c, t,
               CASE WHEN opted_out OR cooling THEN 'skipped' ELSE 'pending' END,
               CASE WHEN opted_out THEN 'opted_out' WHEN cooling THEN 'cooldown' END,
               CASE WHEN opted_out OR cooling THEN now() END
        FROM candidate
        ORDER BY e
        ON CONFLICT (event_id, destination_id) DO NOTHING
        RETURNING CASE WHEN nd.status = 'pending' THEN nd.id END, nd.company_id
        $$;
    REVOKE ALL ON FUNCTION notification_outbox(jsonb) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION notification_outbox(jsonb) TO ccr_app;

    -- For the sweeper: outbox rows whose job was lost (Redis lost it, or a worker died while
    -- sending), ids and companies only. `older_than_seconds` leaves the jobs in flight alone.
    CREATE FUNCTION notification_deliveries_due(older_than_seconds integer, max_rows integer)
        RETURNS TABLE (delivery_id bigint, company_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        SELECT d.id, d.company_id FROM public.notification_deliveries d
        WHERE (d.status IN ('pending', 'retrying') AND d.next_attempt_at < now() - make_interval(secs => older_than_seconds))
           OR (d.status = 'sending' AND d.claimed_until < now())
        ORDER BY d.next_attempt_at
        LIMIT max_rows
        $$;
    REVOKE ALL ON FUNCTION notification_deliveries_due(integer, integer) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION notification_deliveries_due(integer, integer) TO ccr_app;

    -- Service API keys may hold the notifications scopes (APIScope.all).
    ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check;
    ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY[
        'events:read', 'audit:read', 'archives:read', 'creators:read', 'creators:write', 'members:read', 'branding:read',
        'notifications:read', 'notifications:write']::text[]);
    """#)
}
