/// Creator linking (issue 14): a creator authorizes our Twitch client id through a link an
/// agency sends them, so the authorization-only EventSub types (follows, subs, cheers, hype
/// trains, chat) can be subscribed. Tokens are stored sealed (AES-256-GCM, `SecretSealing`);
/// the database never sees plaintext.
enum Migration0010CreatorLinks {
    static let migration = Migration(version: 10, name: "creator links", sql: #"""
    -- The authorization-only types the agency wants for this creator; a link asks for their scopes.
    ALTER TABLE creators ADD COLUMN twitch_event_types text[] NOT NULL DEFAULT
        '{channel.follow,channel.subscribe,channel.subscription.gift,channel.subscription.message,channel.cheer,channel.hype_train.begin,channel.hype_train.end}';

    -- Replaced by creator_links (it was only ever set by tests).
    DROP FUNCTION tracked_twitch_users();
    ALTER TABLE creators DROP COLUMN twitch_authorized;

    -- One per creator of a company that linked (or once linked) the Twitch account. `status`:
    -- linked (tokens present); needs_relink (a refresh failed: tokens gone, subscriptions paused);
    -- revoked (the creator disconnected our app on Twitch: tokens gone). `authorized_types`: the
    -- enabled types the granted scopes cover, what renewal subscribes and ingest delivers.
    CREATE TABLE creator_links (
        company_id uuid NOT NULL,
        creator_id uuid PRIMARY KEY,
        twitch_user_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('linked', 'needs_relink', 'revoked')),
        scopes text[] NOT NULL DEFAULT '{}',
        authorized_types text[] NOT NULL DEFAULT '{}',
        access_token text,
        refresh_token text,
        access_expires_at timestamptz,
        validated_at timestamptz,
        problem text,
        linked_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (company_id, creator_id) REFERENCES creators (company_id, id) ON DELETE CASCADE,
        CHECK ((status = 'linked') = (access_token IS NOT NULL AND refresh_token IS NOT NULL)),
        -- Sealed values only ("v1.<key id>.<base64url>"); a plaintext token cannot be written.
        CHECK (access_token IS NULL OR access_token ~ '^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'),
        CHECK (refresh_token IS NULL OR refresh_token ~ '^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$')
    );
    CREATE INDEX creator_links_company ON creator_links (company_id);
    CREATE INDEX creator_links_twitch_user ON creator_links (twitch_user_id);
    ALTER TABLE creator_links ENABLE ROW LEVEL SECURITY;
    ALTER TABLE creator_links FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON creator_links
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());
    GRANT SELECT, INSERT, UPDATE, DELETE ON creator_links TO ccr_app;

    -- A link an owner or admin handed out: the state is stored hashed, single use, 15 minutes.
    CREATE TABLE creator_link_requests (
        state_hash bytea PRIMARY KEY CHECK (length(state_hash) = 32),
        company_id uuid NOT NULL,
        creator_id uuid NOT NULL,
        scopes text[] NOT NULL,
        event_types text[] NOT NULL,
        requested_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL DEFAULT now() + interval '15 minutes',
        used_at timestamptz,
        FOREIGN KEY (company_id, creator_id) REFERENCES creators (company_id, id) ON DELETE CASCADE
    );
    CREATE INDEX creator_link_requests_creator ON creator_link_requests (company_id, creator_id);
    ALTER TABLE creator_link_requests ENABLE ROW LEVEL SECURITY;
    ALTER TABLE creator_link_requests FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON creator_link_requests
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());
    GRANT SELECT, INSERT ON creator_link_requests TO ccr_app;

    -- The creator opening a link is nobody here: the state names the company. Owner-only reads
    -- for the reviewed functions below.
    CREATE POLICY owner_reads_link_requests ON creator_link_requests FOR SELECT TO ccr_owner USING (true);
    CREATE POLICY owner_reads_links ON creator_links FOR SELECT TO ccr_owner USING (true);

    -- What the link page shows (the request is not taken): outcome open | used | expired | unknown.
    CREATE FUNCTION creator_link_request(presented_hash bytea)
        RETURNS TABLE (outcome text, company_id uuid, creator_id uuid, company_name text, creator_login text,
                       creator_display_name text, twitch_user_id text, scopes text[], event_types text[], expires_at timestamptz)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        SELECT CASE WHEN r.used_at IS NOT NULL THEN 'used' WHEN r.expires_at <= now() THEN 'expired' ELSE 'open' END,
               r.company_id, r.creator_id, co.name, c.login, c.display_name, c.twitch_user_id, r.scopes, r.event_types, r.expires_at
        FROM public.creator_link_requests r
        JOIN public.companies co ON co.id = r.company_id
        JOIN public.creators c ON c.company_id = r.company_id AND c.id = r.creator_id
        WHERE r.state_hash = presented_hash
        UNION ALL
        SELECT 'unknown', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
        WHERE NOT EXISTS (SELECT 1 FROM public.creator_link_requests r WHERE r.state_hash = presented_hash)
        $$;

    -- The callback takes the request once: of two callbacks racing on one state, one gets `open`.
    CREATE FUNCTION creator_link_take(presented_hash bytea)
        RETURNS TABLE (outcome text, company_id uuid, creator_id uuid, company_name text, creator_login text,
                       creator_display_name text, twitch_user_id text, scopes text[], event_types text[], expires_at timestamptz)
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        DECLARE
            request record;
        BEGIN
            SELECT * INTO request FROM public.creator_link_request(presented_hash) LIMIT 1;
            IF request.outcome = 'open' THEN
                PERFORM set_config('app.company_id', request.company_id::text, true);
                UPDATE public.creator_link_requests r SET used_at = now()
                    WHERE r.state_hash = presented_hash AND r.used_at IS NULL AND r.expires_at > now();
                IF NOT FOUND THEN
                    request.outcome := 'used';
                END IF;
            END IF;
            RETURN QUERY SELECT request.outcome, request.company_id, request.creator_id, request.company_name, request.creator_login,
                                request.creator_display_name, request.twitch_user_id, request.scopes, request.event_types, request.expires_at;
        END
        $$;

    -- Deployment-wide view of tracked Twitch users for the renewal job: ids and the union of the
    -- authorization-only types linked creators cover. No company.
    CREATE FUNCTION tracked_twitch_users()
        RETURNS TABLE (twitch_user_id text, authorized_types text[])
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        SELECT c.twitch_user_id,
               COALESCE(array_agg(DISTINCT t.type ORDER BY t.type) FILTER (WHERE t.type IS NOT NULL), '{}')
        FROM public.creators c
        LEFT JOIN public.creator_links l ON l.creator_id = c.id AND l.status = 'linked'
        LEFT JOIN LATERAL unnest(l.authorized_types) AS t(type) ON true
        GROUP BY c.twitch_user_id
        $$;

    -- Ingest's routing lookup, now with what each tracking company's link covers: an
    -- authorization-only event reaches only the agencies whose creator authorized that type.
    DROP FUNCTION tracked_creators(text[]);
    CREATE FUNCTION tracked_creators(twitch_user_ids text[])
        RETURNS TABLE (company_id uuid, creator_id uuid, twitch_user_id text, authorized_types text[])
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        SELECT c.company_id, c.id, c.twitch_user_id, l.authorized_types
        FROM public.creators c
        LEFT JOIN public.creator_links l ON l.creator_id = c.id AND l.status = 'linked'
        WHERE c.twitch_user_id = ANY (twitch_user_ids)
        $$;

    -- Links whose tokens need work (the twitch-token-refresh job): ids only.
    CREATE FUNCTION creator_links_due(expiring_before timestamptz, validated_before timestamptz, max_rows integer)
        RETURNS TABLE (company_id uuid, creator_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        SELECT l.company_id, l.creator_id FROM public.creator_links l
        WHERE l.status = 'linked'
          AND (l.access_expires_at < expiring_before OR l.validated_at IS NULL OR l.validated_at < validated_before)
        ORDER BY l.access_expires_at NULLS FIRST
        LIMIT max_rows
        $$;

    -- Links holding tokens sealed under another key than the current one (the reseal command): ids only.
    CREATE FUNCTION creator_links_sealed_without(current_key_id text, max_rows integer)
        RETURNS TABLE (company_id uuid, creator_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        SELECT l.company_id, l.creator_id FROM public.creator_links l
        WHERE split_part(l.access_token, '.', 2) <> current_key_id OR split_part(l.refresh_token, '.', 2) <> current_key_id
        LIMIT max_rows
        $$;

    -- `user.authorization.revoke`: the creator disconnected our app on Twitch. Every company's link
    -- for that Twitch user loses its tokens, each in its own tenant scope with one audit row.
    -- Returns the companies affected.
    CREATE FUNCTION creator_links_revoked(p_twitch_user_id text, p_message_id text)
        RETURNS TABLE (company_id uuid, creator_id uuid)
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        DECLARE
            link record;
        BEGIN
            FOR link IN SELECT l.company_id, l.creator_id, l.scopes FROM public.creator_links l
                        WHERE l.twitch_user_id = p_twitch_user_id AND l.status <> 'revoked'
                        ORDER BY l.company_id
            LOOP
                PERFORM set_config('app.company_id', link.company_id::text, true);
                UPDATE public.creator_links SET status = 'revoked', access_token = NULL, refresh_token = NULL,
                       access_expires_at = NULL, problem = 'the creator disconnected the app on Twitch', updated_at = now()
                    WHERE creator_links.creator_id = link.creator_id;
                INSERT INTO public.audit_logs (company_id, actor_user_id, actor_role, action, target_type, target_id, after, request_id)
                    VALUES (link.company_id, NULL, 'twitch', 'creator.link_revoked', 'creator', link.creator_id::text,
                            jsonb_build_object('twitchUserId', p_twitch_user_id, 'scopes', to_jsonb(link.scopes)), p_message_id);
                company_id := link.company_id;
                creator_id := link.creator_id;
                RETURN NEXT;
            END LOOP;
            PERFORM set_config('app.company_id', '', true);
        END
        $$;

    DO $$
    DECLARE
        signature text;
    BEGIN
        FOREACH signature IN ARRAY ARRAY[
            'creator_link_request(bytea)', 'creator_link_take(bytea)', 'tracked_twitch_users()', 'tracked_creators(text[])',
            'creator_links_due(timestamptz, timestamptz, integer)', 'creator_links_sealed_without(text, integer)',
            'creator_links_revoked(text, text)']
        LOOP
            EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', signature);
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO ccr_app', signature);
        END LOOP;
    END
    $$;
    """#)
}
