/// The two functions every authenticated REST request may run, `access_roles` (a member's role
/// and session, when the 2 s access cache has expired) and `api_key_by_prefix` (a service key,
/// every 2 s), were `LANGUAGE sql` and SECURITY DEFINER. Postgres never inlines such a function,
/// and runs its body through parse, analysis and planning again on every call: perf of
/// `bench api` (events page) put `fmgr_sql` at 14 % of the whole machine, a third of Postgres's
/// share. A PL/pgSQL body is parsed once per connection and its plan kept, so the same query now
/// costs only its execution. Same signatures, results, owner and grants (CREATE OR REPLACE keeps
/// them); only the language changes.
enum Migration0017PlannedAccessFunctions {
    static let migration = Migration(version: 17, name: "access functions planned once per connection", sql: #"""
    -- The output columns (ordinality, role; id, company_id, …) are PL/pgSQL variables too, so
    -- every column below is qualified by its table.
    CREATE OR REPLACE FUNCTION access_roles(companies uuid[], members uuid[], sessions uuid[])
        RETURNS TABLE (ordinality bigint, role text)
        LANGUAGE plpgsql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        BEGIN
            RETURN QUERY
            SELECT q.n, m.role
            FROM unnest(companies, members, sessions) WITH ORDINALITY AS q(company_id, user_id, session_id, n)
            LEFT JOIN public.memberships m ON m.company_id = q.company_id AND m.user_id = q.user_id
                AND (q.session_id IS NULL OR EXISTS (
                    SELECT 1 FROM public.auth_sessions s
                    WHERE s.id = q.session_id AND s.user_id = q.user_id AND s.revoked_at IS NULL AND s.expires_at > now()))
            ORDER BY q.n;
        END
        $$;

    CREATE OR REPLACE FUNCTION api_key_by_prefix(p_prefix text)
        RETURNS TABLE (id uuid, company_id uuid, secret_hash bytea, scopes text[], expires_at timestamptz, revoked_at timestamptz)
        LANGUAGE plpgsql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        BEGIN
            RETURN QUERY
            SELECT k.id, k.company_id, k.secret_hash, k.scopes, k.expires_at, k.revoked_at FROM public.api_keys k WHERE k.prefix = p_prefix;
        END
        $$;
    """#)
}
