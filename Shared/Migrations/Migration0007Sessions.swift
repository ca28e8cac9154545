/// Sign-in and sessions (issue 13): users keyed by their identity provider's (issuer, subject),
/// sessions with rotating refresh tokens, the project's own signing keys, and the check every
/// request makes: the member's current role, never the token's word alone.
///
/// None of these tables is a tenant table and the app role gets no privilege on any of them: a
/// session belongs to a user across companies, so no tenant scope could guard it. Each use is one
/// reviewed SECURITY DEFINER function below, which the owner runs under owner-only policies.
enum Migration0007Sessions {
    static let migration = Migration(version: 7, name: "sessions", sql: #"""
    CREATE TABLE user_identities (
        issuer text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 512),
        subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        email text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_sign_in_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (issuer, subject)
    );
    CREATE INDEX user_identities_user_id ON user_identities (user_id);

    -- One row per sign-in (a session family): every refresh token it ever had points here, and
    -- revoking the row ends them all. company_id is the company the session currently acts for.
    CREATE TABLE auth_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
        issuer text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text,
        user_agent text,
        ip inet
    );
    CREATE INDEX auth_sessions_user_id ON auth_sessions (user_id);
    CREATE INDEX auth_sessions_company_id ON auth_sessions (company_id) WHERE revoked_at IS NULL;

    -- Refresh tokens by SHA-256 (the token itself is never stored). used_at set = rotated away;
    -- presenting such a token again is reuse, and revokes the whole session.
    CREATE TABLE refresh_tokens (
        token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
        session_id uuid NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        used_at timestamptz
    );
    CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);

    -- The keys the auth function signs access tokens with. The private key is sealed (AES-GCM)
    -- with a key only the auth function has (AUTH_KEY_ENCRYPTION_KEY).
    CREATE TABLE signing_keys (
        kid text PRIMARY KEY CHECK (length(kid) BETWEEN 1 AND 64),
        public_jwk jsonb NOT NULL CHECK (jsonb_typeof(public_jwk) = 'object'),
        private_key_sealed bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    );

    -- Failed sign-ins that belong to no company yet (unknown user, bad state, refused token):
    -- for the operator, like eventsub_dead_letters.
    CREATE TABLE sign_in_failures (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        issuer text,
        reason text NOT NULL,
        email text,
        ip inet,
        user_agent text,
        created_at timestamptz NOT NULL DEFAULT now()
    );

    -- A company may require sign-in through one provider, optionally only for some email domains.
    ALTER TABLE companies ADD COLUMN sso_issuer text,
                          ADD COLUMN sso_email_domains text[] NOT NULL DEFAULT '{}';

    ALTER TABLE user_identities ENABLE ROW LEVEL SECURITY;
    ALTER TABLE user_identities FORCE ROW LEVEL SECURITY;
    CREATE POLICY owner_only ON user_identities TO ccr_owner USING (true) WITH CHECK (true);
    ALTER TABLE auth_sessions ENABLE ROW LEVEL SECURITY;
    ALTER TABLE auth_sessions FORCE ROW LEVEL SECURITY;
    CREATE POLICY owner_only ON auth_sessions TO ccr_owner USING (true) WITH CHECK (true);
    ALTER TABLE refresh_tokens ENABLE ROW LEVEL SECURITY;
    ALTER TABLE refresh_tokens FORCE ROW LEVEL SECURITY;
    CREATE POLICY owner_only ON refresh_tokens TO ccr_owner USING (true) WITH CHECK (true);
    ALTER TABLE signing_keys ENABLE ROW LEVEL SECURITY;
    ALTER TABLE signing_keys FORCE ROW LEVEL SECURITY;
    CREATE POLICY owner_only ON signing_keys TO ccr_owner USING (true) WITH CHECK (true);
    ALTER TABLE sign_in_failures ENABLE ROW LEVEL SECURITY;
    ALTER TABLE sign_in_failures FORCE ROW LEVEL SECURITY;
    CREATE POLICY owner_only ON sign_in_failures TO ccr_owner USING (true) WITH CHECK (true);
    -- The functions below read memberships across companies (a user's companies, the access check).
    CREATE POLICY owner_reads_memberships ON memberships FOR SELECT TO ccr_owner USING (true);

    -- The role a request may act with: the membership's current role; NULL when the user is not
    -- a member (or the company is gone), or when the session the token came from is revoked or
    -- expired. Every REST request and every open socket is held to it (cached for seconds).
    CREATE FUNCTION access_roles(companies uuid[], members uuid[], sessions uuid[])
        RETURNS TABLE (ordinality bigint, role text)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        SELECT q.n, m.role
        FROM unnest(companies, members, sessions) WITH ORDINALITY AS q(company_id, user_id, session_id, n)
        LEFT JOIN public.memberships m ON m.company_id = q.company_id AND m.user_id = q.user_id
            AND (q.session_id IS NULL OR EXISTS (
                SELECT 1 FROM public.auth_sessions s
                WHERE s.id = q.session_id AND s.user_id = q.user_id AND s.revoked_at IS NULL AND s.expires_at > now()))
        ORDER BY q.n
        $$;

    -- The user a provider identity signs in as. Known (issuer, subject): that user. Otherwise an
    -- existing user is linked by email only when the provider verified it (an owner seeded by
    -- email, an invited member) and no other subject of the same issuer holds that user already;
    -- else a new user. Unverified emails never reach this function (account pre-hijacking).
    CREATE FUNCTION sign_in_user(p_issuer text, p_subject text, p_email text, p_name text)
        RETURNS uuid
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        DECLARE
            found uuid;
        BEGIN
            SELECT i.user_id INTO found FROM public.user_identities i WHERE i.issuer = p_issuer AND i.subject = p_subject;
            IF found IS NOT NULL THEN
                UPDATE public.user_identities SET email = p_email, last_sign_in_at = now()
                    WHERE issuer = p_issuer AND subject = p_subject;
                RETURN found;
            END IF;
            INSERT INTO public.users (email, display_name) VALUES (lower(p_email), p_name)
                ON CONFLICT ((lower(email))) DO NOTHING;
            SELECT u.id INTO found FROM public.users u WHERE lower(u.email) = lower(p_email);
            IF EXISTS (SELECT 1 FROM public.user_identities i WHERE i.user_id = found AND i.issuer = p_issuer) THEN
                RAISE EXCEPTION 'email belongs to another account of this provider' USING ERRCODE = '23505';
            END IF;
            UPDATE public.users SET display_name = coalesce(display_name, p_name) WHERE id = found;
            INSERT INTO public.user_identities (issuer, subject, user_id, email) VALUES (p_issuer, p_subject, found, p_email);
            RETURN found;
        END
        $$;

    CREATE FUNCTION user_companies(member uuid)
        RETURNS TABLE (company_id uuid, name text, role text, sso_issuer text, sso_email_domains text[])
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        SELECT c.id, c.name, m.role, c.sso_issuer, c.sso_email_domains
        FROM public.memberships m JOIN public.companies c ON c.id = m.company_id
        WHERE m.user_id = member ORDER BY c.name, c.id
        $$;

    CREATE FUNCTION user_email(member uuid) RETURNS text
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$ SELECT u.email FROM public.users u WHERE u.id = member $$;

    -- Starts a session for a member (NULL when not a member) with its first refresh token.
    CREATE FUNCTION session_start(member uuid, company uuid, p_issuer text, refresh_hash bytea, lifetime_seconds integer,
                                  p_user_agent text, p_ip inet)
        RETURNS uuid
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        DECLARE
            created uuid;
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM public.memberships WHERE company_id = company AND user_id = member) THEN
                RETURN NULL;
            END IF;
            INSERT INTO public.auth_sessions (user_id, company_id, issuer, expires_at, user_agent, ip)
                VALUES (member, company, p_issuer, now() + make_interval(secs => lifetime_seconds), left(p_user_agent, 512), p_ip)
                RETURNING id INTO created;
            INSERT INTO public.refresh_tokens (token_hash, session_id) VALUES (refresh_hash, created);
            RETURN created;
        END
        $$;

    -- Rotates a refresh token. outcome: ok (new_hash is now the session's token), reused (the
    -- token was already rotated away: the session is revoked), revoked, expired, unknown,
    -- not_a_member (the membership is gone: the session is revoked).
    CREATE FUNCTION session_refresh(old_hash bytea, new_hash bytea)
        RETURNS TABLE (outcome text, session_id uuid, user_id uuid, company_id uuid, role text, email text, expires_at timestamptz)
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        DECLARE
            presented public.refresh_tokens;
            live public.auth_sessions;
            member_role text;
        BEGIN
            SELECT * INTO presented FROM public.refresh_tokens t WHERE t.token_hash = old_hash FOR UPDATE;
            IF NOT FOUND THEN
                RETURN QUERY SELECT 'unknown'::text, NULL::uuid, NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::timestamptz;
                RETURN;
            END IF;
            SELECT * INTO live FROM public.auth_sessions s WHERE s.id = presented.session_id FOR UPDATE;
            IF live.revoked_at IS NOT NULL THEN
                RETURN QUERY SELECT 'revoked'::text, live.id, live.user_id, live.company_id, NULL::text, NULL::text, live.expires_at;
                RETURN;
            END IF;
            IF presented.used_at IS NOT NULL THEN
                UPDATE public.auth_sessions SET revoked_at = now(), revoked_reason = 'refresh_token_reused' WHERE id = live.id;
                RETURN QUERY SELECT 'reused'::text, live.id, live.user_id, live.company_id, NULL::text, NULL::text, live.expires_at;
                RETURN;
            END IF;
            IF live.expires_at <= now() THEN
                RETURN QUERY SELECT 'expired'::text, live.id, live.user_id, live.company_id, NULL::text, NULL::text, live.expires_at;
                RETURN;
            END IF;
            SELECT m.role INTO member_role FROM public.memberships m WHERE m.company_id = live.company_id AND m.user_id = live.user_id;
            IF member_role IS NULL THEN
                UPDATE public.auth_sessions SET revoked_at = now(), revoked_reason = 'not_a_member' WHERE id = live.id;
                RETURN QUERY SELECT 'not_a_member'::text, live.id, live.user_id, live.company_id, NULL::text, NULL::text, live.expires_at;
                RETURN;
            END IF;
            UPDATE public.refresh_tokens SET used_at = now() WHERE token_hash = old_hash;
            INSERT INTO public.refresh_tokens (token_hash, session_id) VALUES (new_hash, live.id);
            UPDATE public.auth_sessions SET last_used_at = now() WHERE id = live.id;
            RETURN QUERY SELECT 'ok'::text, live.id, live.user_id, live.company_id, member_role,
                (SELECT u.email FROM public.users u WHERE u.id = live.user_id), live.expires_at;
        END
        $$;

    -- The live session a refresh token belongs to, without rotating it (sign-out).
    CREATE FUNCTION session_of_refresh(presented_hash bytea) RETURNS TABLE (session_id uuid, user_id uuid, company_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        SELECT s.id, s.user_id, s.company_id FROM public.refresh_tokens t JOIN public.auth_sessions s ON s.id = t.session_id
        WHERE t.token_hash = presented_hash AND s.revoked_at IS NULL
        $$;

    -- Moves a live session to another company of the same user; returns the role there (NULL:
    -- not a member, or the session is not live).
    CREATE FUNCTION session_switch(session uuid, member uuid, company uuid) RETURNS text
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        DECLARE
            member_role text;
        BEGIN
            SELECT m.role INTO member_role FROM public.memberships m WHERE m.company_id = company AND m.user_id = member;
            IF member_role IS NULL THEN RETURN NULL; END IF;
            -- The company's sign-in requirement holds for a switch too: the session's provider,
            -- and the user's email domain.
            UPDATE public.auth_sessions s SET company_id = company, last_used_at = now()
                FROM public.companies c, public.users u
                WHERE s.id = session AND s.user_id = member AND s.revoked_at IS NULL AND s.expires_at > now()
                  AND c.id = company AND u.id = member
                  AND (c.sso_issuer IS NULL OR c.sso_issuer = s.issuer)
                  AND (cardinality(c.sso_email_domains) = 0 OR lower(split_part(u.email, '@', 2)) = ANY (c.sso_email_domains));
            IF NOT FOUND THEN RETURN NULL; END IF;
            RETURN member_role;
        END
        $$;

    -- Revokes sessions of one user: one session (session given), or all of them. Returns the
    -- revoked sessions' (id, company_id), for the audit log.
    CREATE FUNCTION sessions_revoke(member uuid, session uuid, reason text)
        RETURNS TABLE (id uuid, company_id uuid)
        LANGUAGE sql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        UPDATE public.auth_sessions s SET revoked_at = now(), revoked_reason = reason
        WHERE s.user_id = member AND s.revoked_at IS NULL AND (session IS NULL OR s.id = session)
        RETURNING s.id, s.company_id
        $$;

    -- An owner or admin ends a member's sessions in the current tenant (only sessions acting for
    -- this company: a member's sessions elsewhere are another agency's business).
    CREATE FUNCTION company_sessions_revoke(member uuid, reason text) RETURNS integer
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        DECLARE
            revoked integer;
        BEGIN
            IF public.current_company_id() IS NULL THEN
                RAISE EXCEPTION 'company_sessions_revoke needs a tenant scope' USING ERRCODE = '42501';
            END IF;
            UPDATE public.auth_sessions SET revoked_at = now(), revoked_reason = reason
                WHERE user_id = member AND company_id = public.current_company_id() AND revoked_at IS NULL;
            GET DIAGNOSTICS revoked = ROW_COUNT;
            RETURN revoked;
        END
        $$;

    CREATE FUNCTION user_sessions(member uuid)
        RETURNS TABLE (id uuid, company_id uuid, company_name text, created_at timestamptz, last_used_at timestamptz,
                       expires_at timestamptz, user_agent text, ip inet)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        SELECT s.id, s.company_id, c.name, s.created_at, s.last_used_at, s.expires_at, s.user_agent, s.ip
        FROM public.auth_sessions s JOIN public.companies c ON c.id = s.company_id
        WHERE s.user_id = member AND s.revoked_at IS NULL AND s.expires_at > now()
        ORDER BY s.last_used_at DESC
        $$;

    CREATE FUNCTION signing_keys_all()
        RETURNS TABLE (kid text, public_jwk jsonb, private_key_sealed bytea, created_at timestamptz)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$ SELECT k.kid, k.public_jwk, k.private_key_sealed, k.created_at FROM public.signing_keys k ORDER BY k.created_at $$;

    -- Public halves only: what every verifier (REST functions, the relay) reads.
    CREATE FUNCTION signing_public_keys() RETURNS TABLE (kid text, public_jwk jsonb)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$ SELECT k.kid, k.public_jwk FROM public.signing_keys k $$;

    CREATE FUNCTION signing_key_add(p_kid text, p_public_jwk jsonb, p_sealed bytea) RETURNS void
        LANGUAGE sql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$ INSERT INTO public.signing_keys (kid, public_jwk, private_key_sealed) VALUES (p_kid, p_public_jwk, p_sealed) $$;

    -- Drops keys whose successor has been signing for longer than the given time (longer than an
    -- access token lives: no valid token can carry their signature any more).
    CREATE FUNCTION signing_keys_prune(successor_age_seconds integer) RETURNS integer
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        DECLARE
            removed integer;
        BEGIN
            DELETE FROM public.signing_keys k WHERE EXISTS (
                SELECT 1 FROM public.signing_keys n
                WHERE n.created_at > k.created_at AND n.created_at < now() - make_interval(secs => successor_age_seconds));
            GET DIAGNOSTICS removed = ROW_COUNT;
            RETURN removed;
        END
        $$;

    CREATE FUNCTION record_sign_in_failure(p_issuer text, p_reason text, p_email text, p_ip inet, p_user_agent text) RETURNS void
        LANGUAGE sql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        INSERT INTO public.sign_in_failures (issuer, reason, email, ip, user_agent)
        VALUES (left(p_issuer, 512), left(p_reason, 200), left(p_email, 254), p_ip, left(p_user_agent, 512))
        $$;

    DO $$
    DECLARE
        signature text;
    BEGIN
        FOREACH signature IN ARRAY ARRAY[
            'access_roles(uuid[], uuid[], uuid[])', 'sign_in_user(text, text, text, text)', 'user_companies(uuid)',
            'user_email(uuid)', 'session_start(uuid, uuid, text, bytea, integer, text, inet)', 'session_refresh(bytea, bytea)', 'session_of_refresh(bytea)',
            'session_switch(uuid, uuid, uuid)', 'sessions_revoke(uuid, uuid, text)', 'company_sessions_revoke(uuid, text)',
            'user_sessions(uuid)', 'signing_keys_all()', 'signing_public_keys()', 'signing_key_add(text, jsonb, bytea)',
            'signing_keys_prune(integer)', 'record_sign_in_failure(text, text, text, inet, text)']
        LOOP
            EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', signature);
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO ccr_app', signature);
        END LOOP;
    END
    $$;
    """#)
}
