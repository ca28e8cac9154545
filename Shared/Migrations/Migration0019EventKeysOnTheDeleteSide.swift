/// Ingest's INSERT no longer runs two foreign-key checks per stored row (issue 12).
///
/// `events` referenced `companies` (ON DELETE CASCADE) and `creators` (ON DELETE SET NULL). Each
/// check is a query of its own per inserted row, with its executor start-up and a row lock; in a
/// storm (three rows per notification) perf put the two at 6.5 % of the whole machine. At insert
/// they said nothing new: `store_events` stores a row only if its creator belongs to its company
/// and tracks the broadcaster, and the owner's INSERT policy (migration 5) checks the pair again.
/// What the keys still did was follow deletes, and that moves to the (rare) delete side:
///
/// - a creator's deletion sets its events' `creator_id` to NULL, as SET NULL did;
/// - a company's deletion deletes its events, as CASCADE did.
///
/// The keys also held a creator's deletion back until a concurrent insert of its events committed
/// (the check locked the creator's row). The company's stream lock does that now: ingest holds it
/// from before its INSERT until after its PUBLISH (`IngestLane.lockStreams`), and a deletion takes
/// it too, so it waits for a batch in flight and then unlinks (or deletes) that batch's events
/// too, and a batch that comes after waits for the deletion to commit and then finds no tracker.
///
/// The owner may change events only in these two ways (the policies below name exactly the rows a
/// finished deletion leaves behind). The app role may still insert events in its tenant scope (no
/// shipped code does; tests seed with it), and a restrictive policy keeps such an event's creator
/// inside its company, the composite key's other rule.
enum Migration0019EventKeysOnTheDeleteSide {
    static let migration = Migration(version: 19, name: "event keys followed on the delete side", sql: #"""
    ALTER TABLE events DROP CONSTRAINT events_company_id_fkey;
    ALTER TABLE events DROP CONSTRAINT events_company_id_creator_id_fkey;

    -- Ingest's stream lock of the row's company (same key: hashtextextended(company, 7001)), for
    -- the rest of this transaction. Before the row goes, so an insert in flight has committed.
    CREATE FUNCTION lock_event_stream_of_deleted_row() RETURNS trigger
        LANGUAGE plpgsql
        SET search_path = public, pg_temp
        AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtextextended(OLD.company_id::text, 7001));
            RETURN OLD;
        END
        $$;
    CREATE TRIGGER creator_deletion_waits_for_ingest BEFORE DELETE ON creators
        FOR EACH ROW EXECUTE FUNCTION lock_event_stream_of_deleted_row();

    -- What ON DELETE SET NULL (creator_id) did, once per statement. A company's own deletion
    -- deletes the events instead (below), so they are not rewritten first.
    CREATE POLICY owner_unlinks_deleted_creators ON events FOR UPDATE TO ccr_owner
        USING (creator_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM public.creators c WHERE c.company_id = events.company_id AND c.id = events.creator_id))
        WITH CHECK (creator_id IS NULL);
    CREATE FUNCTION unlink_events_of_deleted_creators() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        BEGIN
            UPDATE public.events e SET creator_id = NULL
            FROM (SELECT DISTINCT d.company_id, d.id FROM deleted d) gone
            WHERE e.company_id = gone.company_id AND e.creator_id = gone.id
              AND EXISTS (SELECT 1 FROM public.companies co WHERE co.id = gone.company_id);
            RETURN NULL;
        END
        $$;
    REVOKE ALL ON FUNCTION unlink_events_of_deleted_creators() FROM PUBLIC;
    CREATE TRIGGER creator_deletion_unlinks_events AFTER DELETE ON creators
        REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION unlink_events_of_deleted_creators();

    -- What ON DELETE CASCADE did, once per statement, under the deleted companies' stream locks
    -- (in key order, as ingest takes them).
    CREATE POLICY owner_deletes_deleted_companies_events ON events FOR DELETE TO ccr_owner
        USING (NOT EXISTS (SELECT 1 FROM public.companies co WHERE co.id = events.company_id));
    CREATE FUNCTION delete_events_of_deleted_companies() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        BEGIN
            PERFORM count(pg_advisory_xact_lock(k))
            FROM (SELECT DISTINCT hashtextextended(d.id::text, 7001) AS k FROM deleted d ORDER BY k) ordered;
            DELETE FROM public.events e USING deleted d WHERE e.company_id = d.id;
            RETURN NULL;
        END
        $$;
    REVOKE ALL ON FUNCTION delete_events_of_deleted_companies() FROM PUBLIC;
    CREATE TRIGGER company_deletion_deletes_events AFTER DELETE ON companies
        REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION delete_events_of_deleted_companies();

    -- The composite key's other rule, for the app role's own inserts.
    CREATE POLICY app_keeps_event_creator_in_company ON events AS RESTRICTIVE FOR INSERT TO ccr_app
        WITH CHECK (creator_id IS NULL
                    OR EXISTS (SELECT 1 FROM public.creators c WHERE c.company_id = events.company_id AND c.id = events.creator_id));
    """#)
}
