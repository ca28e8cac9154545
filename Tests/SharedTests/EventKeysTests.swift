import Foundation
import Postgres
import TestSupport
import Testing

/// Migration 19: `events` has no foreign keys (ingest's INSERT paid two checks per row); deletes
/// of creators and companies reach their events through triggers instead, serialized with ingest
/// by the company's stream lock.
@Suite(.serialized) struct EventKeysTests {
    /// One notification for `routing`, and one target row naming `company`'s `creator`, in
    /// `store_events`' two-parameter form.
    static func storeOne(_ message: String, routing: String, company: String, creator: String,
                         on connection: PostgresConnection) throws -> [String: String] {
        let notifications = #"[{"m":"\#(message)","t":"channel.follow","v":"2","b":"\#(routing)","o":"2026-01-01T00:00:00Z","#
            + #""s":"webhook","u":["\#(routing)"],"d":{},"p":{}}]"#
        let targets = #"[{"i":0,"k":"\#(company)","c":"\#(creator)","n":0}]"#
        let rows = try connection.query("SELECT id, creator_id FROM store_events($1::jsonb, $2::jsonb)", [notifications, targets]).rows
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["id"] ?? "", $0["creator_id"] ?? "") })
    }

    static func creatorOfEvent(_ message: String, company: String) throws -> String?? {
        let rows = try TestServices.superuserQuery(
            "SELECT creator_id::text AS c FROM events WHERE company_id = $1 AND twitch_message_id = $2", [company, message]).rows
        return rows.first.map { $0["c"] }
    }

    @Test func eventsHaveNoForeignKeys() throws {
        let keys = try TestServices.superuserQuery(
            "SELECT count(*) AS n FROM pg_constraint WHERE conrelid = 'public.events'::regclass AND contype = 'f'").first!.requireInt64("n")
        #expect(keys == 0)
    }

    /// As ON DELETE SET NULL did: the events stay, without their creator, and only that
    /// creator's; another company's events for the same broadcaster keep theirs.
    /// Two companies tracking one broadcaster, and one notification stored for both.
    static func oneEventInTwoCompanies(_ label: String) throws
        -> (a: String, b: String, creatorA: String, creatorB: String, message: String, app: PostgresConnection) {
        let a = try TestServices.makeCompany("Keys \(label) A")
        let b = try TestServices.makeCompany("Keys \(label) B")
        let broadcaster = TestServices.uniqueTwitchUserID()
        let creatorA = try TestServices.addCreator(company: a, twitchUserID: broadcaster)
        let creatorB = try TestServices.addCreator(company: b, twitchUserID: broadcaster)
        let app = try PostgresConnection(url: try TestServices.databaseURL())
        let message = "keys-\(label)-\(broadcaster)"
        #expect(try storeOne(message, routing: broadcaster, company: a, creator: creatorA, on: app).count == 1)
        #expect(try storeOne(message, routing: broadcaster, company: b, creator: creatorB, on: app).count == 1)
        return (a, b, creatorA, creatorB, message, app)
    }

    @Test func deletingACreatorKeepsItsEventsWithoutTheCreator() throws {
        let (a, b, creatorA, creatorB, message, app) = try Self.oneEventInTwoCompanies("unlink")
        let deleted = try app.withTenantScope(companyId: a) {
            try app.query("DELETE FROM creators WHERE id = $1", [creatorA]).affectedRows
        }
        #expect(deleted == 1)
        #expect(try Self.creatorOfEvent(message, company: a) == .some(nil))
        #expect(try Self.creatorOfEvent(message, company: b) == .some(creatorB))
    }

    /// As ON DELETE CASCADE did: a company's deletion takes its events with it, and no other's.
    @Test func deletingACompanyDeletesItsEvents() throws {
        let (a, b, _, creatorB, message, _) = try Self.oneEventInTwoCompanies("cascade")
        _ = try TestServices.superuserQuery("DELETE FROM companies WHERE id = $1", [a])
        let left = try TestServices.superuserQuery("SELECT count(*) AS n FROM events WHERE company_id = $1", [a]).first!.requireInt64("n")
        #expect(left == 0)
        #expect(try Self.creatorOfEvent(message, company: b) == .some(creatorB))
    }

    /// The race the creator key used to close with its row lock: a creator deleted while an
    /// ingest batch that stored its event has not yet committed. The deletion waits on the
    /// company's stream lock (which ingest holds from before its INSERT until after its PUBLISH,
    /// `IngestLane.lockStreams`, same key), then unlinks the event the batch committed; a batch
    /// after the deletion stores nothing. Without the lock the deletion would commit first and the
    /// batch's event would keep a creator that no longer exists.
    @Test func aCreatorDeletedDuringAnIngestBatchWaitsAndUnlinksItsEvent() throws {
        let company = try TestServices.makeCompany("Keys race")
        let broadcaster = TestServices.uniqueTwitchUserID()
        let creator = try TestServices.addCreator(company: company, twitchUserID: broadcaster)
        let ingest = try PostgresConnection(url: try TestServices.sessionDatabaseURL())
        let message = "keys-race-\(broadcaster)"

        _ = try ingest.query("SELECT pg_advisory_lock(hashtextextended($1, 7001))", [company])
        try ingest.query("BEGIN")
        #expect(try Self.storeOne(message, routing: broadcaster, company: company, creator: creator, on: ingest).count == 1)

        let deletion = BackgroundResult()
        let url = try TestServices.databaseURL()
        Thread.detachNewThread {
            deletion.finish {
                let app = try PostgresConnection(url: url)
                return try app.withTenantScope(companyId: company) {
                    try app.query("DELETE FROM creators WHERE id = $1", [creator]).affectedRows
                }
            }
        }
        // The deletion is waiting for the stream lock, not finished.
        let deadline = Date().addingTimeInterval(10)
        var waiting: Int64 = 0
        while waiting == 0 && Date() < deadline {
            waiting = try TestServices.superuserQuery(
                "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").first!.requireInt64("n")
            if waiting == 0 { Thread.sleep(forTimeInterval: 0.02) }
        }
        #expect(waiting == 1)
        #expect(deletion.value == nil)

        try ingest.query("COMMIT")
        _ = try ingest.query("SELECT pg_advisory_unlock_all()")
        let outcome = deletion.wait(seconds: 10)
        #expect(outcome == .success(1))
        #expect(try Self.creatorOfEvent(message, company: company) == .some(nil))

        // After the deletion, the company no longer tracks the broadcaster: nothing is stored.
        #expect(try Self.storeOne(message + "-later", routing: broadcaster, company: company, creator: creator, on: ingest).isEmpty)
    }

    /// The composite key's other rule, for the app role's own inserts: an event's creator is one
    /// of its company's.
    @Test func theAppRoleCannotInsertAnEventWithAnotherCompanysCreator() throws {
        let a = try TestServices.makeCompany("Keys own")
        let b = try TestServices.makeCompany("Keys foreign")
        let creatorA = try TestServices.addCreator(company: a, twitchUserID: TestServices.uniqueTwitchUserID())
        let creatorB = try TestServices.addCreator(company: b, twitchUserID: TestServices.uniqueTwitchUserID())
        let app = try PostgresConnection(url: try TestServices.databaseURL())
        func insert(creator: String?) throws {
            try app.withTenantScope(companyId: a) {
                _ = try app.query("""
                    INSERT INTO events (company_id, creator_id, twitch_message_id, subscription_type, subscription_version, occurred_at, payload)
                    VALUES ($1, $2::uuid, $3, 'channel.follow', '2', now(), '{}')
                    """, [a, creator, "keys-own-\(UUID().uuidString)"])
            }
        }
        try insert(creator: creatorA)
        try insert(creator: nil)
        let refused = #expect(throws: PostgresError.self) { try insert(creator: creatorB) }
        #expect(refused?.sqlState == "42501")  // new row violates row-level security policy
    }
}

/// The outcome of work on another thread, waited for with a deadline.
final class BackgroundResult: @unchecked Sendable {
    enum Outcome: Equatable { case success(Int), failure(String) }
    private let lock = NSCondition()
    private var outcome: Outcome?

    var value: Outcome? { lock.withLock { outcome } }

    func finish(_ body: () throws -> Int) {
        let result: Outcome
        do { result = .success(try body()) } catch { result = .failure("\(error)") }
        lock.withLock {
            outcome = result
            lock.broadcast()
        }
    }

    func wait(seconds: Double) -> Outcome? {
        let deadline = Date().addingTimeInterval(seconds)
        return lock.withLock {
            while outcome == nil && lock.wait(until: deadline) {}
            return outcome
        }
    }
}
