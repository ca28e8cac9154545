/// A version per company that changes whenever anything `GET /api/creators` shows changes, so
/// the Creators function can answer from the page it built last time after one short statement
/// (issue 12).
///
/// The list changes rarely (a creator edited, a channel added, a stream going live or offline, a
/// link, the viewer count once a minute while live), yet building it cost two queries over four
/// tables and most of a request's CPU. Triggers bump the version in the writing transaction, so a
/// reader that sees the data also sees its version: a page cached with version v is the page of
/// every snapshot in which the version is still v.
enum Migration0015CreatorListVersions {
    static let migration = Migration(version: 15, name: "creator list versions", sql: #"""
    -- No foreign key to companies: deleting a company cascades to its creators, whose triggers
    -- write here while the company row is already gone. A deleted company's row is inert (its
    -- tokens are refused by enter_tenant before any version is used).
    CREATE TABLE creator_list_versions (
        company_id uuid PRIMARY KEY,
        -- A fresh value of one sequence per change, never a counter: a value is never reused, even
        -- when two writers of a company commit out of order.
        version bigint NOT NULL,
        -- The transaction that last bumped it: the first bump of a transaction is enough (readers
        -- only ever see it committed), so a statement touching 20 rows writes one version.
        bumped_by xid8 NOT NULL
    );
    CREATE SEQUENCE creator_list_version_numbers;
    ALTER TABLE creator_list_versions ENABLE ROW LEVEL SECURITY;
    ALTER TABLE creator_list_versions FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON creator_list_versions
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());
    -- The trigger runs as the owner (below), whatever role and tenant scope the write had.
    CREATE POLICY owner_bumps_versions ON creator_list_versions TO ccr_owner USING (true) WITH CHECK (true);
    GRANT SELECT ON creator_list_versions TO ccr_app;

    CREATE FUNCTION bump_creator_list_version() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        DECLARE
            company uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.company_id ELSE NEW.company_id END;
        BEGIN
            INSERT INTO public.creator_list_versions AS v (company_id, version, bumped_by)
            VALUES (company, nextval('public.creator_list_version_numbers'), pg_current_xact_id())
            ON CONFLICT (company_id) DO UPDATE SET version = EXCLUDED.version, bumped_by = EXCLUDED.bumped_by
                WHERE v.bumped_by <> EXCLUDED.bumped_by;
            RETURN NULL;
        END
        $$;
    REVOKE ALL ON FUNCTION bump_creator_list_version() FROM PUBLIC;

    CREATE TRIGGER creator_list_version AFTER INSERT OR UPDATE OR DELETE ON creators
        FOR EACH ROW EXECUTE FUNCTION bump_creator_list_version();
    CREATE TRIGGER creator_list_version AFTER INSERT OR UPDATE OR DELETE ON creator_status
        FOR EACH ROW EXECUTE FUNCTION bump_creator_list_version();
    CREATE TRIGGER creator_list_version AFTER INSERT OR UPDATE OR DELETE ON creator_channels
        FOR EACH ROW EXECUTE FUNCTION bump_creator_list_version();
    -- Token refreshes rewrite a link's tokens every few hours; the list shows none of them.
    CREATE TRIGGER creator_list_version AFTER INSERT OR DELETE OR UPDATE OF status, scopes, authorized_types, problem, linked_at
        ON creator_links FOR EACH ROW EXECUTE FUNCTION bump_creator_list_version();

    -- enter_tenant (migration 6) plus the company's list version (0 before its first change), in
    -- one statement: a request whose cached page is still current needs nothing else. Runs as the
    -- caller, so the version is read under the tenant scope it has just set.
    CREATE FUNCTION enter_tenant_for_creator_list(company uuid, OUT present boolean, OUT version bigint)
        LANGUAGE plpgsql VOLATILE
        AS $$
        BEGIN
            PERFORM set_config('app.company_id', company::text, true);
            present := EXISTS (SELECT 1 FROM public.companies WHERE id = company);
            version := COALESCE((SELECT v.version FROM public.creator_list_versions v WHERE v.company_id = company), 0);
        END
        $$;
    REVOKE ALL ON FUNCTION enter_tenant_for_creator_list(uuid) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION enter_tenant_for_creator_list(uuid) TO ccr_app;
    """#)
}
