/// Ingest's three per-batch functions and the REST access check keep one generic plan (issue 12).
///
/// Migration 13 made `tracked_creators`, `store_events` and `notification_outbox` PL/pgSQL so
/// their statements are prepared once per connection. perf of a storm (`bench webhook`, 1,000
/// companies, hot share 1.0) still showed Postgres planning on every call: `GetCachedPlan` →
/// `pg_plan_queries` under `plpgsql_exec_function`, 2.4 % of the whole machine. A prepared
/// statement whose parameters are jsonb batches gets a custom plan per execution while the
/// planner's cost comparison keeps favouring it, although a batch's contents cannot change the
/// plan: `jsonb_to_recordset` is estimated at 100 rows whatever it holds, and store_events pins
/// nested loops. `plan_cache_mode = force_generic_plan` on the functions (only inside their
/// calls) plans each statement once per connection.
///
/// The same held for migration 17's `access_roles` (three uuid arrays): perf of `bench api`'s
/// events page put that planning at 4.9 % of the machine. `api_key_by_prefix` gets the setting
/// too: its one statement has no plan a prefix could change.
enum Migration0018GenericPlans {
    static let migration = Migration(version: 18, name: "ingest and access functions keep a generic plan", sql: #"""
    ALTER FUNCTION tracked_creators(text[]) SET plan_cache_mode = force_generic_plan;
    ALTER FUNCTION store_events(jsonb, jsonb) SET plan_cache_mode = force_generic_plan;
    ALTER FUNCTION notification_outbox(jsonb) SET plan_cache_mode = force_generic_plan;
    ALTER FUNCTION access_roles(uuid[], uuid[], uuid[]) SET plan_cache_mode = force_generic_plan;
    -- A generic plan cannot see how many elements the arrays hold (one per request, a few
    -- thousand for the relay's sweep): left free it hash-joined a scan of every membership.
    -- One primary-key probe per element, as store_events pins for its trackers.
    ALTER FUNCTION access_roles(uuid[], uuid[], uuid[]) SET enable_hashjoin = off;
    ALTER FUNCTION access_roles(uuid[], uuid[], uuid[]) SET enable_mergejoin = off;
    ALTER FUNCTION api_key_by_prefix(text) SET plan_cache_mode = force_generic_plan;
    """#)
}
