/// Platforms as a first-class dimension (issue 17): a creator (a person the agency manages) has
/// one or more channels, each on a platform (`twitch`, `youtube`, `rumble`) with that platform's
/// id and handle; events and viewer samples carry their platform; YouTube's WebSub leases are
/// tracked like EventSub subscriptions.
///
/// Existing data migrates in place: every creator's Twitch user becomes its `twitch` channel row,
/// and every stored event and viewer sample is a `twitch` one (a constant default, so adding the
/// column rewrites no row). The Twitch hot path is unchanged: ingest still routes by
/// `creators.twitch_user_id`, which a trigger mirrors into `creator_channels`, and Twitch live
/// state stays in `creator_status`. YouTube and Rumble channels keep their live state on their
/// channel rows, written for every company that tracks the channel.
enum Migration0012PlatformChannels {
    static let migration = Migration(version: 12, name: "platform channels", sql: #"""
    -- A YouTube- or Rumble-only creator has no Twitch user; the pair stays all-or-nothing.
    ALTER TABLE creators ALTER COLUMN twitch_user_id DROP NOT NULL;
    ALTER TABLE creators ALTER COLUMN login DROP NOT NULL;
    ALTER TABLE creators ADD CONSTRAINT creators_twitch_identity CHECK ((twitch_user_id IS NULL) = (login IS NULL));

    -- One channel of a creator on one platform, per company (two agencies tracking one YouTube
    -- channel have a row each: tenant data, isolated like creators).
    --   channel_id: the platform's id (Twitch user id, YouTube "UC…" channel id, Rumble channel
    --     name as the livestream API reports it); handle: @handle / login / name for display.
    --   api_url_sealed: Rumble only, the channel owner's livestream API URL, which embeds the
    --     owner's key (sealed with SecretSealing, like creators' tokens; never returned).
    --   live … live_changed_at: YouTube/Rumble live state, guarded by live_changed_at so a late
    --     check cannot roll a tile back (Twitch live state is `creator_status`).
    --   check_failures / next_check_at: the Rumble poller's backoff for this row.
    CREATE TABLE creator_channels (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        creator_id uuid NOT NULL,
        platform text NOT NULL CHECK (platform IN ('twitch', 'youtube', 'rumble')),
        channel_id text NOT NULL CHECK (channel_id ~ '^[A-Za-z0-9_.-]{1,128}$'),
        handle text CHECK (handle IS NULL OR length(handle) BETWEEN 1 AND 100),
        display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
        url text NOT NULL CHECK (url ~ '^https://'),
        api_url_sealed text CHECK (api_url_sealed IS NULL OR api_url_sealed ~ '^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'),
        live boolean NOT NULL DEFAULT false,
        live_stream_id text,
        title text,
        viewer_count integer NOT NULL DEFAULT 0 CHECK (viewer_count >= 0),
        started_at timestamptz,
        live_changed_at timestamptz,
        checked_at timestamptz,
        check_failures integer NOT NULL DEFAULT 0 CHECK (check_failures >= 0),
        next_check_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (company_id, platform, channel_id),
        UNIQUE (company_id, id),
        CHECK (platform = 'rumble' OR api_url_sealed IS NULL),
        FOREIGN KEY (company_id, creator_id) REFERENCES creators (company_id, id) ON DELETE CASCADE
    );
    CREATE INDEX creator_channels_platform_channel ON creator_channels (platform, channel_id);
    CREATE INDEX creator_channels_creator ON creator_channels (company_id, creator_id);
    -- Backfilled before row-level security is turned on (the owner reads creators through its
    -- trackers policy; every company's rows are written here, once).
    INSERT INTO creator_channels (company_id, creator_id, platform, channel_id, handle, display_name, url, created_at)
    SELECT company_id, id, 'twitch', twitch_user_id, login, display_name, 'https://www.twitch.tv/' || login, created_at
    FROM creators WHERE twitch_user_id IS NOT NULL;
    ALTER TABLE creator_channels ENABLE ROW LEVEL SECURITY;
    ALTER TABLE creator_channels FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON creator_channels
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());
    -- Deployment-wide reads for the platform jobs, only through the functions below.
    CREATE POLICY owner_reads_channels ON creator_channels FOR SELECT TO ccr_owner USING (true);
    GRANT SELECT, INSERT, UPDATE, DELETE ON creator_channels TO ccr_app;

    -- The Twitch channel row follows the creator's Twitch identity (it runs as the caller, under
    -- the caller's tenant scope, so it can only touch that company's rows).
    CREATE FUNCTION creators_mirror_twitch_channel() RETURNS trigger
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND OLD.twitch_user_id IS NOT NULL
               AND OLD.twitch_user_id IS DISTINCT FROM NEW.twitch_user_id THEN
                DELETE FROM creator_channels
                WHERE company_id = OLD.company_id AND creator_id = OLD.id AND platform = 'twitch' AND channel_id = OLD.twitch_user_id;
            END IF;
            IF NEW.twitch_user_id IS NOT NULL THEN
                INSERT INTO creator_channels (company_id, creator_id, platform, channel_id, handle, display_name, url)
                VALUES (NEW.company_id, NEW.id, 'twitch', NEW.twitch_user_id, NEW.login, NEW.display_name,
                        'https://www.twitch.tv/' || NEW.login)
                ON CONFLICT (company_id, platform, channel_id) DO UPDATE
                    SET handle = EXCLUDED.handle, display_name = EXCLUDED.display_name, url = EXCLUDED.url;
            END IF;
            RETURN NULL;
        END
        $$;
    CREATE TRIGGER creators_mirror_twitch_channel
        AFTER INSERT OR UPDATE OF twitch_user_id, login, display_name ON creators
        FOR EACH ROW EXECUTE FUNCTION creators_mirror_twitch_channel();

    -- Every event and viewer sample names its platform; `broadcaster_user_id` is the platform's
    -- channel id, and `twitch_message_id` the platform's dedupe key (YouTube and Rumble events
    -- use "<platform>:<stream id>:<transition>", so a re-check stores nothing twice).
    ALTER TABLE events ADD COLUMN platform text NOT NULL DEFAULT 'twitch'
        CHECK (platform IN ('twitch', 'youtube', 'rumble'));
    ALTER TABLE viewer_samples ADD COLUMN platform text NOT NULL DEFAULT 'twitch'
        CHECK (platform IN ('twitch', 'youtube', 'rumble'));
    ALTER TABLE viewer_samples DROP CONSTRAINT viewer_samples_pkey;
    ALTER TABLE viewer_samples ADD PRIMARY KEY (creator_id, platform, sampled_at);

    -- YouTube WebSub leases (not tenant data, like eventsub_subscriptions): one per channel,
    -- whoever tracks it. status: requested (asked, the hub has not verified yet), verified
    -- (lease running until lease_expires_at), denied (the hub said no; last_error says why),
    -- unsubscribing (no company tracks the channel any more).
    CREATE TABLE websub_subscriptions (
        channel_id text PRIMARY KEY CHECK (channel_id ~ '^UC[A-Za-z0-9_-]{22}$'),
        topic text NOT NULL UNIQUE,
        status text NOT NULL CHECK (status IN ('requested', 'verified', 'denied', 'unsubscribing')),
        lease_seconds integer CHECK (lease_seconds IS NULL OR lease_seconds > 0),
        lease_expires_at timestamptz,
        requested_at timestamptz NOT NULL DEFAULT now(),
        verified_at timestamptz,
        last_error text,
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    GRANT SELECT, INSERT, UPDATE, DELETE ON websub_subscriptions TO ccr_app;

    -- The platform jobs' deployment-wide view: every tracked channel of a platform, with each
    -- tracking company's row (ids and state only; the sealed Rumble URL is opened by the job).
    CREATE FUNCTION tracked_channels(p_platform text, p_channel_ids text[] DEFAULT NULL)
        RETURNS TABLE (company_id uuid, creator_id uuid, row_id uuid, channel_id text, handle text, display_name text,
                       api_url_sealed text, live boolean, live_stream_id text, title text, viewer_count integer,
                       started_at timestamptz, live_changed_at timestamptz, check_failures integer, next_check_at timestamptz)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        SELECT ch.company_id, ch.creator_id, ch.id, ch.channel_id, ch.handle, ch.display_name, ch.api_url_sealed, ch.live,
               ch.live_stream_id, ch.title, ch.viewer_count, ch.started_at, ch.live_changed_at, ch.check_failures, ch.next_check_at
        FROM public.creator_channels ch
        WHERE ch.platform = p_platform AND (p_channel_ids IS NULL OR ch.channel_id = ANY (p_channel_ids))
        ORDER BY ch.channel_id, ch.company_id
        $$;
    REVOKE ALL ON FUNCTION tracked_channels(text, text[]) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION tracked_channels(text, text[]) TO ccr_app;

    -- EventSub renewal reads Twitch users only: a creator without one is not a Twitch user.
    CREATE OR REPLACE FUNCTION tracked_twitch_users()
        RETURNS TABLE (twitch_user_id text, authorized_types text[])
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        SELECT c.twitch_user_id,
               COALESCE(array_agg(DISTINCT t.type ORDER BY t.type) FILTER (WHERE t.type IS NOT NULL), '{}')
        FROM public.creators c
        LEFT JOIN public.creator_links l ON l.creator_id = c.id AND l.status = 'linked'
        LEFT JOIN LATERAL unnest(l.authorized_types) AS t(type) ON true
        WHERE c.twitch_user_id IS NOT NULL
        GROUP BY c.twitch_user_id
        $$;
    """#)
}
