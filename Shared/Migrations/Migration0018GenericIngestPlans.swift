/// Ingest's three per-batch functions keep one generic plan (issue 12).
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
enum Migration0018GenericIngestPlans {
    static let migration = Migration(version: 18, name: "ingest functions keep a generic plan", sql: #"""
    ALTER FUNCTION tracked_creators(text[]) SET plan_cache_mode = force_generic_plan;
    ALTER FUNCTION store_events(jsonb, jsonb) SET plan_cache_mode = force_generic_plan;
    ALTER FUNCTION notification_outbox(jsonb) SET plan_cache_mode = force_generic_plan;
    """#)
}
