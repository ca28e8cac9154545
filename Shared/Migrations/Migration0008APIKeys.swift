/// Service API keys (issue 13): per company, with scopes, stored as a visible prefix and the
/// SHA-256 of the whole key (the key itself is shown once and never stored), optional expiry,
/// last use, revocation. A tenant table like the others; the app role cannot read the hashes.
/// Authentication looks a key up before any tenant is known, through one reviewed SECURITY
/// DEFINER function that returns only what the check needs.
enum Migration0008APIKeys {
    static let migration = Migration(version: 8, name: "api keys", sql: #"""
    CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        prefix text NOT NULL UNIQUE CHECK (prefix ~ '^[a-z0-9]{12}$'),
        secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
        -- The scopes APIScope.all knows; adding one is a migration.
        scopes text[] NOT NULL CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY[
            'events:read', 'audit:read', 'archives:read', 'creators:read', 'creators:write', 'members:read', 'branding:read']::text[]),
        -- The member who created it; the key belongs to the company and outlives the membership.
        created_by uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz CHECK (expires_at > created_at),
        last_used_at timestamptz,
        revoked_at timestamptz
    );
    CREATE INDEX api_keys_company_id ON api_keys (company_id, created_at DESC);

    ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
    ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON api_keys
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());

    -- The two functions below run as the owner, who may read every key and write last_used_at
    -- through these policies; the app role has neither.
    CREATE POLICY owner_authenticates_api_keys ON api_keys FOR SELECT TO ccr_owner USING (true);
    CREATE POLICY owner_touches_api_keys ON api_keys FOR UPDATE TO ccr_owner USING (true) WITH CHECK (true);

    -- The key a presented prefix names: what authentication needs and nothing else (no name, no
    -- creator, no times but the expiry).
    CREATE FUNCTION api_key_by_prefix(p_prefix text)
        RETURNS TABLE (id uuid, company_id uuid, secret_hash bytea, scopes text[], expires_at timestamptz, revoked_at timestamptz)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        SELECT k.id, k.company_id, k.secret_hash, k.scopes, k.expires_at, k.revoked_at FROM public.api_keys k WHERE k.prefix = p_prefix
        $$;

    -- Records a use (callers write at most once a minute per key).
    CREATE FUNCTION api_key_touch(p_id uuid) RETURNS void
        LANGUAGE sql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$ UPDATE public.api_keys SET last_used_at = now() WHERE id = p_id AND revoked_at IS NULL $$;

    REVOKE ALL ON FUNCTION api_key_by_prefix(text) FROM PUBLIC;
    REVOKE ALL ON FUNCTION api_key_touch(uuid) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION api_key_by_prefix(text) TO ccr_app;
    GRANT EXECUTE ON FUNCTION api_key_touch(uuid) TO ccr_app;

    -- The app role lists, creates and revokes keys in its tenant scope. It never reads a hash,
    -- and may change nothing but revoked_at; keys are not deleted (the list and the audit log
    -- keep naming them).
    GRANT SELECT (id, company_id, name, prefix, scopes, created_by, created_at, expires_at, last_used_at, revoked_at) ON api_keys TO ccr_app;
    GRANT INSERT (company_id, name, prefix, secret_hash, scopes, created_by, expires_at) ON api_keys TO ccr_app;
    GRANT UPDATE (revoked_at) ON api_keys TO ccr_app;
    """#)
}
