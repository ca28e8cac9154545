/// What the job functions need: which Twitch users are tracked at all (renewal, status
/// reconciliation — one narrow cross-tenant read), viewer-count samples for the dashboard's
/// charts, and the archive manifest.
enum Migration0003Jobs {
    static let migration = Migration(version: 3, name: "jobs", sql: #"""
    -- Set when the creator linked their Twitch account to our client id (authorization-requiring
    -- EventSub types are only subscribed for them).
    ALTER TABLE creators ADD COLUMN twitch_authorized boolean NOT NULL DEFAULT false;

    -- Deployment-wide view of tracked Twitch users: ids only, no company.
    CREATE FUNCTION tracked_twitch_users()
        RETURNS TABLE (twitch_user_id text, authorized boolean)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$ SELECT c.twitch_user_id, bool_or(c.twitch_authorized) FROM public.creators c GROUP BY c.twitch_user_id $$;
    REVOKE ALL ON FUNCTION tracked_twitch_users() FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION tracked_twitch_users() TO ccr_app;

    -- Companies whose retention has passed for some events (the archive job's work list): ids only.
    CREATE POLICY owner_lists_companies ON companies FOR SELECT TO ccr_owner USING (true);
    CREATE FUNCTION companies_with_retention()
        RETURNS TABLE (company_id uuid, retention_days integer)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$ SELECT c.id, c.retention_days FROM public.companies c $$;
    REVOKE ALL ON FUNCTION companies_with_retention() FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION companies_with_retention() TO ccr_app;

    CREATE TABLE viewer_samples (
        company_id uuid NOT NULL,
        creator_id uuid NOT NULL,
        sampled_at timestamptz NOT NULL,
        viewer_count integer NOT NULL CHECK (viewer_count >= 0),
        stream_id text,
        PRIMARY KEY (creator_id, sampled_at),
        FOREIGN KEY (company_id, creator_id) REFERENCES creators (company_id, id) ON DELETE CASCADE
    );
    CREATE INDEX viewer_samples_company ON viewer_samples (company_id, sampled_at DESC);
    ALTER TABLE viewer_samples ENABLE ROW LEVEL SECURITY;
    ALTER TABLE viewer_samples FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON viewer_samples
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());
    GRANT SELECT, INSERT, DELETE ON viewer_samples TO ccr_app;

    -- The archive job finds a company's days past retention by received_at.
    CREATE INDEX events_company_received_at ON events (company_id, received_at);

    -- One archived object per company per day (by received_at, UTC).
    CREATE TABLE event_archives (
        company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
        archive_day date NOT NULL,
        object_key text NOT NULL,
        first_event_id bigint NOT NULL,
        last_event_id bigint NOT NULL,
        row_count integer NOT NULL,
        byte_size bigint NOT NULL,
        sha256 text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (company_id, archive_day)
    );
    ALTER TABLE event_archives ENABLE ROW LEVEL SECURITY;
    ALTER TABLE event_archives FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON event_archives
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());
    GRANT SELECT, INSERT ON event_archives TO ccr_app;
    """#)
}
