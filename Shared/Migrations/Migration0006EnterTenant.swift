/// Every REST request opened its tenant scope with two statements: `set_config('app.company_id',
/// …, true)`, then a check that the token's company exists. One call does both now.
enum Migration0006EnterTenant {
    static let migration = Migration(version: 6, name: "enter a tenant in one statement", sql: #"""
    -- Sets the transaction's tenant and says whether the company exists. It runs as the caller
    -- (the app role), so the check itself goes through the company's row-level security: the
    -- caller can see only its own company's row. Transaction-local, like every tenant scope.
    CREATE FUNCTION enter_tenant(company uuid) RETURNS boolean
        LANGUAGE plpgsql VOLATILE
        AS $$
        BEGIN
            PERFORM set_config('app.company_id', company::text, true);
            RETURN EXISTS (SELECT 1 FROM public.companies WHERE id = company);
        END
        $$;
    REVOKE ALL ON FUNCTION enter_tenant(uuid) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION enter_tenant(uuid) TO ccr_app;
    """#)
}
