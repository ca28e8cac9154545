/// Members by email: users are global identities, visible to a tenant only through a membership.
/// Finding or creating a user by email must see across tenants (the email may already belong to a
/// member of another agency), so it goes through one narrow SECURITY DEFINER function that returns
/// an id only, and only inside a tenant scope.
enum Migration0002Members {
    static let migration = Migration(version: 2, name: "members", sql: #"""
    CREATE POLICY owner_resolves_users ON users TO ccr_owner USING (true) WITH CHECK (true);

    CREATE FUNCTION ensure_user(user_email text) RETURNS uuid
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        DECLARE
            found uuid;
        BEGIN
            IF public.current_company_id() IS NULL THEN
                RAISE EXCEPTION 'ensure_user needs a tenant scope' USING ERRCODE = '42501';
            END IF;
            INSERT INTO public.users (email) VALUES (lower(user_email)) ON CONFLICT ((lower(email))) DO NOTHING;
            SELECT u.id INTO found FROM public.users u WHERE lower(u.email) = lower(user_email);
            RETURN found;
        END
        $$;
    REVOKE ALL ON FUNCTION ensure_user(text) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION ensure_user(text) TO ccr_app;
    -- Users are created only through ensure_user.
    REVOKE INSERT, DELETE ON users FROM ccr_app;
    """#)
}
