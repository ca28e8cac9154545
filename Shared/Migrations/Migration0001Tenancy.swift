/// Tenancy: companies and their people, creators, events, live status, audit log, EventSub
/// subscriptions. Every tenant table has row-level security enabled and forced, keyed on the
/// transaction-local `app.company_id`.
enum Migration0001Tenancy {
    static let migration = Migration(version: 1, name: "tenancy", sql: #"""
    -- The tenant of the current transaction, NULL when none is set. NULLIF matters: after a
    -- transaction that set app.company_id ends, current_setting returns '' (not NULL) for the
    -- rest of the session, and ''::uuid would raise on every later query of a pooled connection.
    CREATE FUNCTION current_company_id() RETURNS uuid
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $$ SELECT NULLIF(current_setting('app.company_id', true), '')::uuid $$;

    CREATE TABLE companies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        branding jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(branding) = 'object'),
        retention_days integer NOT NULL DEFAULT 30 CHECK (retention_days BETWEEN 1 AND 3650),
        created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL CHECK (position('@' IN email) > 1),
        display_name text,
        created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX users_email_key ON users (lower(email));

    CREATE TABLE memberships (
        company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'operator', 'viewer')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (company_id, user_id)
    );
    CREATE INDEX memberships_user_id ON memberships (user_id);

    CREATE TABLE creators (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
        twitch_user_id text NOT NULL CHECK (twitch_user_id ~ '^[0-9]{1,20}$'),
        login text NOT NULL CHECK (length(login) BETWEEN 1 AND 64),
        display_name text NOT NULL,
        topics text[] NOT NULL DEFAULT '{}',
        notes text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (company_id, twitch_user_id),
        UNIQUE (company_id, id)
    );
    CREATE INDEX creators_twitch_user_id ON creators (twitch_user_id);

    -- id is the replay offset dashboards resume from. The composite foreign key keeps an event's
    -- creator inside the event's own company.
    CREATE TABLE events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
        creator_id uuid,
        twitch_message_id text NOT NULL,
        subscription_type text NOT NULL,
        subscription_version text NOT NULL,
        source text NOT NULL DEFAULT 'webhook' CHECK (source IN ('webhook', 'poll')),
        broadcaster_user_id text,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        payload jsonb NOT NULL,
        UNIQUE (company_id, twitch_message_id),
        FOREIGN KEY (company_id, creator_id) REFERENCES creators (company_id, id) ON DELETE SET NULL (creator_id)
    );
    CREATE INDEX events_company_id ON events (company_id, id DESC);
    CREATE INDEX events_company_creator_id ON events (company_id, creator_id, id DESC);

    CREATE TABLE creator_status (
        creator_id uuid PRIMARY KEY,
        company_id uuid NOT NULL,
        live boolean NOT NULL DEFAULT false,
        title text,
        category_id text,
        category_name text,
        viewer_count integer NOT NULL DEFAULT 0,
        started_at timestamptz,
        -- occurred_at of the newest event applied, so late or re-ordered deliveries cannot roll back state
        live_changed_at timestamptz,
        info_changed_at timestamptz,
        last_event_id bigint,
        updated_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (company_id, creator_id) REFERENCES creators (company_id, id) ON DELETE CASCADE
    );
    CREATE INDEX creator_status_company_id ON creator_status (company_id);

    CREATE TABLE audit_logs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
        actor_user_id text,
        actor_role text,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id text,
        before jsonb,
        after jsonb,
        request_id text,
        ip inet,
        user_agent text,
        created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX audit_logs_company_id ON audit_logs (company_id, id DESC);

    -- Not tenant data: one row per Twitch EventSub subscription of the whole deployment.
    CREATE TABLE eventsub_subscriptions (
        id text PRIMARY KEY,
        type text NOT NULL,
        version text NOT NULL,
        condition jsonb NOT NULL DEFAULT '{}'::jsonb,
        status text NOT NULL,
        callback text,
        twitch_created_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
    );

    -- Not tenant data: authentic notifications no company tracks (kept, never silently dropped).
    CREATE TABLE eventsub_unrouted (
        twitch_message_id text PRIMARY KEY,
        subscription_type text NOT NULL,
        subscription_version text NOT NULL,
        broadcaster_user_id text,
        payload jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
    );

    -- Not tenant data: authentic notifications that could not be stored (for example a payload
    -- Postgres' jsonb refuses). Answered 2xx so Twitch stops retrying; kept here for an operator.
    CREATE TABLE eventsub_dead_letters (
        twitch_message_id text PRIMARY KEY,
        subscription_type text NOT NULL,
        error text NOT NULL,
        body text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
    );

    -- Row-level security on every tenant table, forced so the owner is held to it as well.
    ALTER TABLE companies ENABLE ROW LEVEL SECURITY;
    ALTER TABLE companies FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON companies
        USING (id = current_company_id()) WITH CHECK (id = current_company_id());

    ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
    ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON memberships
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());

    -- A user row is visible to a tenant only through a membership of that tenant.
    ALTER TABLE users ENABLE ROW LEVEL SECURITY;
    ALTER TABLE users FORCE ROW LEVEL SECURITY;
    CREATE POLICY member_of_tenant ON users
        USING (EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id AND m.company_id = current_company_id()))
        WITH CHECK (current_company_id() IS NOT NULL);

    ALTER TABLE creators ENABLE ROW LEVEL SECURITY;
    ALTER TABLE creators FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON creators
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());

    ALTER TABLE events ENABLE ROW LEVEL SECURITY;
    ALTER TABLE events FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON events
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());

    ALTER TABLE creator_status ENABLE ROW LEVEL SECURITY;
    ALTER TABLE creator_status FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON creator_status
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());

    ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY;
    ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON audit_logs
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());

    -- The one reviewed cross-tenant path: which (company, creator) pairs track these Twitch
    -- users. It returns ids only. It runs as the owner (SECURITY DEFINER), and the owner may read
    -- creators across tenants only through this read-only policy; the app role can do neither.
    CREATE POLICY owner_resolves_trackers ON creators FOR SELECT TO ccr_owner USING (true);

    CREATE FUNCTION tracked_creators(twitch_user_ids text[])
        RETURNS TABLE (company_id uuid, creator_id uuid, twitch_user_id text)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$ SELECT c.company_id, c.id, c.twitch_user_id FROM public.creators c WHERE c.twitch_user_id = ANY (twitch_user_ids) $$;
    REVOKE ALL ON FUNCTION tracked_creators(text[]) FROM PUBLIC;

    -- The app role: no table, no BYPASSRLS; exactly these privileges.
    GRANT USAGE ON SCHEMA public TO ccr_app;
    GRANT EXECUTE ON FUNCTION current_company_id() TO ccr_app;
    GRANT EXECUTE ON FUNCTION tracked_creators(text[]) TO ccr_app;
    GRANT SELECT, UPDATE ON companies TO ccr_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON users, memberships, creators, creator_status TO ccr_app;
    GRANT SELECT, INSERT, DELETE ON events TO ccr_app;
    GRANT SELECT, INSERT ON audit_logs TO ccr_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON eventsub_subscriptions TO ccr_app;
    GRANT SELECT, INSERT ON eventsub_unrouted, eventsub_dead_letters TO ccr_app;
    """#)
}
