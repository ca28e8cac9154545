public import AsyncHTTPClient
public import BlockingIO
public import Logging
public import ObjectStore
import Postgres
public import Settings

/// Moves events older than each company's retention out of Postgres into the object store, as
/// gzip-compressed NDJSON (`ArchiveFormat`), one object per company per UTC day of `received_at`,
/// with a manifest row in `event_archives`.
///
/// Per company (under a Postgres advisory lock, so two workers never archive the same company at
/// once), per day older than the retention, oldest first:
///
/// 1. No manifest row for (company, day): build the object from the day's rows (ordered by id),
///    upload it with a presigned PUT, read it back with a presigned GET and compare size and
///    SHA-256, insert the manifest row, then delete exactly the rows the object holds, in batches,
///    each batch its own transaction.
/// 2. A manifest row exists (an earlier run stopped after recording it): the object is never
///    rewritten. It is read back and checked against the manifest (size, SHA-256, row count, id
///    range); then the rows it holds that are still present are deleted. If the object is missing
///    or changed, it is uploaded again only if rebuilding it from the rows gives exactly the
///    recorded bytes (all its rows are still there); otherwise the day is reported as a problem and
///    nothing is deleted.
///
/// Crash safety: each step is atomic (an S3 PUT replaces the object whole; each transaction
/// commits or not), and a run restarted after a kill at any point converges to the same objects,
/// manifest rows and remaining events as an uninterrupted run:
/// - killed before the manifest row commits: there is no manifest, so the next run rebuilds the
///   same bytes from the same rows (deterministic format and compression) and overwrites the
///   object left behind (an object without a manifest row belongs to no one);
/// - killed after it: path 2 finishes the deletes.
/// No row is deleted before an object holding it is verified and recorded, and only ids read back
/// from that object are deleted, so no event is lost; the manifest row is written once per
/// (company, day) (primary key, and the app role cannot update or delete it), so none is duplicated.
///
/// Why a day never changes once it is archived: days are grouped by `received_at`, which ingest
/// sets to `now()` at insert, and only whole days before the retention cutoff are archived (the
/// cutoff day itself waits for the next run). New rows are received today, never on a day that is
/// already past retention, so an archived day has no late arrivals. (Rows inserted with an explicit,
/// back-dated `received_at` would be; they are never deleted without being archived: they are left
/// in place and reported in `ArchiveReport.problems`.)
public struct EventArchiver: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// For companies without their own `retention_days`.
        public var defaultRetentionDays: Int
        /// Rows read per query while building an object.
        public var pageSize: Int
        /// Rows deleted per transaction.
        public var deleteBatchSize: Int

        public init(defaultRetentionDays: Int = 30, pageSize: Int = 2_000, deleteBatchSize: Int = 5_000) {
            self.defaultRetentionDays = defaultRetentionDays
            self.pageSize = pageSize
            self.deleteBatchSize = deleteBatchSize
        }
    }

    /// `pg_try_advisory_lock(lockClass, hashtext(company id))`: one archiver per company at a time.
    public static let lockClass: Int32 = 0x4556_4152 // "EVAR"

    public let configuration: Configuration
    public let store: ArchiveObjectStore
    let pool: PostgresPool
    let databaseURL: String
    /// The per-company archive lock is a session lock on its own connection: `DATABASE_SESSION_URL`
    /// behind a transaction-mode pooler, else the same URL.
    let lockURL: String
    let lockExecutor: BlockingExecutor
    let logger: Logger
    /// Called at each `ArchiveCheckpoint`; an error thrown here stops the run right there, as a
    /// crash would (tests). Production leaves it empty.
    public var checkpoint: @Sendable (ArchiveCheckpoint) throws -> Void = { _ in }

    /// - Parameters:
    ///   - databaseURL: the app role (`ccr_app`); every company is handled in its own tenant scope.
    ///   - objectStore: bucket and credentials; objects go to `companies/{id}/events/…`.
    ///   - httpClient: for the presigned requests (not shut down here).
    ///   - clock: Unix seconds for signing URLs (the real time: the store checks it).
    public init(
        databaseURL: String, lockURL: String? = nil, objectStore: ObjectStoreConfiguration, configuration: Configuration = Configuration(),
        httpClient: HTTPClient = .shared, poolSize: Int = 2, logger: Logger,
        clock: @escaping @Sendable () -> Double = wallClockSeconds
    ) {
        self.databaseURL = databaseURL
        self.lockURL = lockURL ?? databaseURL
        self.configuration = configuration
        self.pool = PostgresPool(url: databaseURL, size: poolSize, logger: logger)
        self.lockExecutor = BlockingExecutor(threads: 1)
        self.store = ArchiveObjectStore(configuration: objectStore, httpClient: httpClient, clock: clock)
        self.logger = logger
    }

    /// `DATABASE_URL`, `S3_ENDPOINT`, `S3_BUCKET`, `S3_REGION`, `S3_ACCESS_KEY_ID`,
    /// `S3_SECRET_ACCESS_KEY`; optional `DATABASE_POOL_SIZE` (default 2),
    /// `ARCHIVE_DEFAULT_RETENTION_DAYS` (default 30; each company's `retention_days` wins),
    /// `ARCHIVE_PAGE_SIZE` (default 2000), `ARCHIVE_DELETE_BATCH_SIZE` (default 5000).
    public static func fromEnvironment(_ environment: Environment, logger: Logger) throws -> EventArchiver {
        let objectStore: ObjectStoreConfiguration
        do {
            objectStore = try ObjectStoreConfiguration(
                endpoint: try environment.required("S3_ENDPOINT"), bucket: try environment.required("S3_BUCKET"),
                region: try environment.required("S3_REGION"), accessKeyID: try environment.required("S3_ACCESS_KEY_ID"),
                secretAccessKey: try environment.required("S3_SECRET_ACCESS_KEY"))
        } catch let error as ObjectStoreConfigurationError {
            throw ConfigurationError("S3 configuration: \(error.description)")
        }
        let configuration = Configuration(
            defaultRetentionDays: try environment.int("ARCHIVE_DEFAULT_RETENTION_DAYS", default: 30, range: 1...3650),
            pageSize: try environment.int("ARCHIVE_PAGE_SIZE", default: 2_000, range: 1...100_000),
            deleteBatchSize: try environment.int("ARCHIVE_DELETE_BATCH_SIZE", default: 5_000, range: 1...100_000))
        return EventArchiver(
            databaseURL: try environment.required("DATABASE_URL"), lockURL: environment.optional("DATABASE_SESSION_URL"),
            objectStore: objectStore, configuration: configuration,
            poolSize: try environment.int("DATABASE_POOL_SIZE", default: 2, range: 1...16), logger: logger)
    }

    /// Stops the archiver's Postgres pool and lock thread.
    public func shutdown() async {
        await pool.shutdown()
        await lockExecutor.shutdown()
    }

    /// Archives every company's days that are entirely older than its retention at `now`.
    ///
    /// Infrastructure errors (database, object store) end the run with the error; what was done
    /// stays done, and running again continues from there.
    public func run(now: Double) async throws -> ArchiveReport {
        try await run(now: now, onlyCompanies: nil)
    }

    /// As `run(now:)`, limited to the given company ids (an operator's "archive this company", tests).
    public func run(now: Double, onlyCompanies: Set<String>?) async throws -> ArchiveReport {
        var report = ArchiveReport()
        let companies = try await pool.withConnection { connection in
            try connection.query("SELECT company_id::text AS company_id, retention_days FROM companies_with_retention() ORDER BY company_id")
                .rows.map { row in (try row.require("company_id"), row["retention_days"].flatMap { Int($0) }) }
        }
        let lock = try await LockConnection.open(url: lockURL, executor: lockExecutor)
        for (companyID, retentionDays) in companies {
            if let onlyCompanies, !onlyCompanies.contains(companyID) { continue }
            guard try await lock.tryLock(companyID) else {
                logger.notice("archive: company locked by another run, skipped", metadata: ["companyId": "\(companyID)"])
                report.companiesSkipped += 1
                continue
            }
            report.companies += 1
            do {
                try await archiveCompany(companyID, retentionDays: retentionDays ?? configuration.defaultRetentionDays, now: now, report: &report)
            } catch {
                await lock.unlock(companyID)
                throw error
            }
            await lock.unlock(companyID)
        }
        logger.info("archive run finished", metadata: ["report": "\(report)"])
        return report
    }

    // MARK: - One company

    private func archiveCompany(_ companyID: String, retentionDays: Int, now: Double, report: inout ArchiveReport) async throws {
        // Whole UTC days before the cutoff day: every row of such a day is older than the retention.
        let days = try await pool.tenant(companyID) { connection in
            try connection.query("""
                SELECT to_char(day, 'YYYY-MM-DD') AS day FROM (
                    SELECT DISTINCT (received_at AT TIME ZONE 'UTC')::date AS day FROM events
                    WHERE company_id = current_company_id()
                      AND received_at < (((to_timestamp($1::double precision) AT TIME ZONE 'UTC')::date - $2::int)::timestamp AT TIME ZONE 'UTC')
                ) days ORDER BY day
                """, [now, retentionDays]).rows.map { try $0.require("day") }
        }
        for day in days {
            if let manifest = try await manifest(companyID: companyID, day: day) {
                try await finishArchivedDay(manifest, report: &report)
            } else {
                try await archiveNewDay(companyID: companyID, day: day, report: &report)
            }
            try checkpoint(ArchiveCheckpoint(step: .dayDone, companyID: companyID, day: day))
        }
        try await deleteOldDeliveries(companyID: companyID, retentionDays: retentionDays, now: now, report: &report)
    }

    /// The notification delivery log (migration 11) follows the events' retention: rows created
    /// before the same cutoff are deleted, not archived (the log is for recent troubleshooting;
    /// the events it refers to are what is kept). In batches, so no transaction grows unbounded.
    private func deleteOldDeliveries(companyID: String, retentionDays: Int, now: Double, report: inout ArchiveReport) async throws {
        let batchSize = configuration.deleteBatchSize
        while true {
            let deleted = try await pool.tenant(companyID) { connection in
                try connection.query("""
                    DELETE FROM notification_deliveries WHERE id IN (
                        SELECT id FROM notification_deliveries
                        WHERE company_id = current_company_id()
                          AND created_at < (((to_timestamp($1::double precision) AT TIME ZONE 'UTC')::date - $2::int)::timestamp AT TIME ZONE 'UTC')
                        LIMIT $3)
                    """, [now, retentionDays, batchSize]).affectedRows
            }
            report.deliveriesDeleted += deleted
            if deleted < batchSize { return }
        }
    }

    /// Path 1: no manifest row yet.
    private func archiveNewDay(companyID: String, day: String, report: inout ArchiveReport) async throws {
        let key = ArchiveFormat.objectKey(companyID: companyID, day: day)
        let object = try await build(companyID: companyID, day: day)
        guard let firstID = object.ids.first, let lastID = object.ids.last else { return }
        try checkpoint(ArchiveCheckpoint(step: .built, companyID: companyID, day: day))

        try await store.put(key: key, bytes: object.bytes, contentType: ArchiveFormat.contentType)
        try checkpoint(ArchiveCheckpoint(step: .uploaded, companyID: companyID, day: day))

        let fetched: [UInt8]?
        do { fetched = try await store.get(key: key, maximumBytes: object.bytes.count) } catch let error as ArchiveObjectTooLarge {
            throw ArchiveVerificationError(key: key, description: "\(key): read back larger than the \(object.bytes.count) bytes uploaded (\(error))")
        }
        guard let readBack = fetched else {
            throw ArchiveVerificationError(key: key, description: "\(key): not found right after upload")
        }
        guard readBack.count == object.bytes.count, sha256Hex(readBack) == object.sha256 else {
            throw ArchiveVerificationError(key: key, description: "\(key): read back \(readBack.count) bytes that differ from the \(object.bytes.count) uploaded")
        }
        try checkpoint(ArchiveCheckpoint(step: .verified, companyID: companyID, day: day))

        let manifest = ArchiveManifest(
            companyID: companyID, day: day, objectKey: key, firstEventID: firstID, lastEventID: lastID,
            rowCount: object.ids.count, byteSize: object.bytes.count, sha256: object.sha256)
        let inserted = try await pool.tenant(companyID) { connection in
            try connection.query("""
                INSERT INTO event_archives (company_id, archive_day, object_key, first_event_id, last_event_id, row_count, byte_size, sha256)
                VALUES (current_company_id(), $1::date, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (company_id, archive_day) DO NOTHING RETURNING archive_day
                """, [day, key, firstID, lastID, manifest.rowCount, manifest.byteSize, manifest.sha256]).rows.count == 1
        }
        guard inserted else {
            // Another writer recorded this day in between (the lock makes this unexpected): its
            // manifest is the truth; finish through it.
            logger.warning("archive: manifest appeared concurrently", metadata: ["companyId": "\(companyID)", "day": "\(day)"])
            if let existing = try await self.manifest(companyID: companyID, day: day) { try await finishArchivedDay(existing, report: &report) }
            return
        }
        try checkpoint(ArchiveCheckpoint(step: .manifestWritten, companyID: companyID, day: day))
        report.objectsWritten += 1
        report.rowsArchived += object.ids.count
        logger.info("archive: object written", metadata: [
            "companyId": "\(companyID)", "day": "\(day)", "key": "\(key)", "rows": "\(object.ids.count)", "bytes": "\(object.bytes.count)",
        ])
        try await delete(companyID: companyID, day: day, ids: object.ids, report: &report)
    }

    /// Path 2: the manifest row exists; never rewrite the object, finish the deletes.
    private func finishArchivedDay(_ manifest: ArchiveManifest, report: inout ArchiveReport) async throws {
        let (companyID, day, key) = (manifest.companyID, manifest.day, manifest.objectKey)
        let present = try await pool.tenant(companyID) { connection in
            try connection.query("""
                SELECT id FROM events WHERE company_id = current_company_id()
                  AND received_at >= ($1::date)::timestamp AT TIME ZONE 'UTC' AND received_at < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'
                ORDER BY id
                """, [day]).rows.map { try $0.requireInt64("id") }
        }
        let inRange = present.filter { (manifest.firstEventID...manifest.lastEventID).contains($0) }
        if inRange.count < present.count {
            report.problems.append("\(companyID) \(day): \(present.count - inRange.count) rows received on an archived day are not in its archive \(key); left in place")
            logger.error("archive: rows on an archived day outside its archive", metadata: [
                "companyId": "\(companyID)", "day": "\(day)", "rows": "\(present.count - inRange.count)",
            ])
        }
        guard !inRange.isEmpty else { return }

        var bytes: [UInt8]?
        var tooLarge = false
        do { bytes = try await store.get(key: key, maximumBytes: manifest.byteSize) } catch is ArchiveObjectTooLarge { tooLarge = true }
        if tooLarge || bytes == nil || bytes!.count != manifest.byteSize || sha256Hex(bytes!) != manifest.sha256 {
            // Missing or changed. Upload it again only if the rows rebuild exactly the recorded bytes.
            let rebuilt = try await build(companyID: companyID, day: day)
            guard rebuilt.sha256 == manifest.sha256, rebuilt.bytes.count == manifest.byteSize else {
                let problem = "\(companyID) \(day): archived object \(key) is \(bytes == nil && !tooLarge ? "missing" : "changed") and the remaining rows do not rebuild it; \(inRange.count) rows left in place"
                report.problems.append(problem)
                logger.error("archive: \(problem)")
                return
            }
            try await store.put(key: key, bytes: rebuilt.bytes, contentType: ArchiveFormat.contentType)
            guard let readBack = try await store.get(key: key, maximumBytes: manifest.byteSize), sha256Hex(readBack) == manifest.sha256 else {
                throw ArchiveVerificationError(key: key, description: "\(key): read back after repair differs from the manifest")
            }
            report.objectsRepaired += 1
            bytes = readBack
        }
        let content: [UInt8]
        do { content = try Gzip.decompress(bytes!) } catch {
            throw ArchiveVerificationError(key: key, description: "\(key): matches its manifest checksum but does not decompress: \(error)")
        }
        guard let archivedIDs = ArchiveFormat.eventIDs(ofContent: content), archivedIDs.count == manifest.rowCount,
              archivedIDs.first == manifest.firstEventID, archivedIDs.last == manifest.lastEventID
        else { throw ArchiveVerificationError(key: key, description: "\(key): lines do not match the manifest's row count and id range") }
        try checkpoint(ArchiveCheckpoint(step: .resumed, companyID: companyID, day: day))
        report.objectsReused += 1

        let archived = Set(archivedIDs)
        let deletable = inRange.filter { archived.contains($0) }
        if deletable.count < inRange.count {
            report.problems.append("\(companyID) \(day): \(inRange.count - deletable.count) rows in the id range of \(key) are not in it; left in place")
        }
        logger.info("archive: finishing an archived day", metadata: ["companyId": "\(companyID)", "day": "\(day)", "rows": "\(deletable.count)"])
        try await delete(companyID: companyID, day: day, ids: deletable, report: &report)
    }

    // MARK: - Steps

    struct BuiltObject {
        let bytes: [UInt8]
        let sha256: String
        let ids: [Int64]
    }

    /// The day's rows, ordered by id, as gzip-compressed NDJSON. Read in pages (keyset on id), so
    /// only the compressed object is ever held in memory whole.
    private func build(companyID: String, day: String) async throws -> BuiltObject {
        let compressor = try GzipCompressor()
        var ids: [Int64] = []
        var after: Int64 = 0
        let pageSize = configuration.pageSize
        while true {
            let page = try await pool.tenant(companyID) { [after] connection in
                try connection.query("""
                    SELECT \(ArchiveFormat.selectList) FROM events
                    WHERE company_id = current_company_id()
                      AND received_at >= ($1::date)::timestamp AT TIME ZONE 'UTC' AND received_at < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'
                      AND id > $2
                    ORDER BY id LIMIT $3
                    """, [day, after, pageSize]).rows.map { row in (try row.requireInt64("id"), try ArchiveFormat.line(from: row)) }
            }
            for (id, line) in page {
                try compressor.append(line)
                ids.append(id)
            }
            guard page.count == pageSize, let last = page.last else { break }
            after = last.0
        }
        let bytes = try compressor.finish()
        return BuiltObject(bytes: bytes, sha256: sha256Hex(bytes), ids: ids)
    }

    /// Deletes exactly these ids, only on this day, `deleteBatchSize` per transaction.
    private func delete(companyID: String, day: String, ids: [Int64], report: inout ArchiveReport) async throws {
        var batch = 0
        var start = 0
        while start < ids.count {
            let slice = ids[start..<min(start + configuration.deleteBatchSize, ids.count)]
            let literal = "{" + slice.map(String.init).joined(separator: ",") + "}"
            let deleted = try await pool.tenant(companyID) { connection in
                try connection.query("""
                    DELETE FROM events WHERE company_id = current_company_id() AND id = ANY($1::bigint[])
                      AND received_at >= ($2::date)::timestamp AT TIME ZONE 'UTC' AND received_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
                    """, [literal, day]).affectedRows
            }
            report.rowsDeleted += deleted
            batch += 1
            start += slice.count
            try checkpoint(ArchiveCheckpoint(step: .deletedBatch, companyID: companyID, day: day, batch: batch))
        }
    }

    private func manifest(companyID: String, day: String) async throws -> ArchiveManifest? {
        try await pool.tenant(companyID) { connection in
            try connection.query("""
                SELECT company_id::text AS company_id, to_char(archive_day, 'YYYY-MM-DD') AS day, object_key, first_event_id,
                       last_event_id, row_count, byte_size, sha256
                FROM event_archives WHERE company_id = current_company_id() AND archive_day = $1::date
                """, [day]).rows.first.map(ArchiveManifest.init(row:))
        }
    }
}

/// One `event_archives` row.
public struct ArchiveManifest: Sendable, Equatable {
    public let companyID: String
    /// `YYYY-MM-DD` (UTC).
    public let day: String
    public let objectKey: String
    public let firstEventID: Int64
    public let lastEventID: Int64
    public let rowCount: Int
    public let byteSize: Int
    /// Lowercase hex SHA-256 of the object's bytes.
    public let sha256: String

    public init(companyID: String, day: String, objectKey: String, firstEventID: Int64, lastEventID: Int64, rowCount: Int, byteSize: Int, sha256: String) {
        self.companyID = companyID
        self.day = day
        self.objectKey = objectKey
        self.firstEventID = firstEventID
        self.lastEventID = lastEventID
        self.rowCount = rowCount
        self.byteSize = byteSize
        self.sha256 = sha256
    }

    init(row: QueryResult.Row) throws {
        self.init(
            companyID: try row.require("company_id"), day: try row.require("day"), objectKey: try row.require("object_key"),
            firstEventID: try row.requireInt64("first_event_id"), lastEventID: try row.requireInt64("last_event_id"),
            rowCount: Int(try row.requireInt64("row_count")), byteSize: Int(try row.requireInt64("byte_size")),
            sha256: try row.require("sha256"))
    }
}

/// A connection of its own for session-level advisory locks (held across many transactions and
/// HTTP requests; released by the server if the process dies), used on its own thread.
final class LockConnection: Sendable {
    let connection: PostgresConnection
    let executor: BlockingExecutor

    private init(connection: PostgresConnection, executor: BlockingExecutor) {
        self.connection = connection
        self.executor = executor
    }

    static func open(url: String, executor: BlockingExecutor) async throws -> LockConnection {
        let withTimeout: String
        if url.contains("connect_timeout") {
            withTimeout = url
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            withTimeout = url + (url.contains("?") ? "&" : "?") + "connect_timeout=3"
        } else {
            withTimeout = url + " connect_timeout=3"
        }
        let connection = try await executor.run { try PostgresConnection(url: withTimeout) }
        return LockConnection(connection: connection, executor: executor)
    }

    func tryLock(_ companyID: String) async throws -> Bool {
        try await executor.run { [connection] in
            try connection.query("SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS locked", [EventArchiver.lockClass, companyID])
                .first?.bool("locked") == true
        }
    }

    func unlock(_ companyID: String) async {
        _ = try? await executor.run { [connection] in
            try connection.query("SELECT pg_advisory_unlock($1::int, hashtext($2))", [EventArchiver.lockClass, companyID])
        }
    }
}
