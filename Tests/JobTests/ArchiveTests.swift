import Access
import ObjectStoreStandIn
import NIOHTTP1
import NIOCore
import CryptoExtras
import API
import AsyncHTTPClient
import AccessTokens
import BlockingIO
import EventArchive
import Events
import FunctionRuntime
import FunctionServer
import JSONValue
import Logging
import ObjectStore
import Postgres
import Settings
import TestSupport
import Testing

@Suite struct ArchiveGzipTests {
    @Test func roundTripsAndIsDeterministic() throws {
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 100, 70_000, 300_000] {
            let input = (0..<size).map { index in index % 3 == 0 ? UInt8.random(in: 0...255, using: &generator) : UInt8(index % 7) }
            let compressed = try Gzip.compress(input)
            #expect(Array(compressed.prefix(3)) == [0x1F, 0x8B, 0x08], "gzip magic and deflate method")
            #expect(Array(compressed[4..<8]) == [0, 0, 0, 0], "no mtime, so equal input gives equal bytes")
            #expect(try Gzip.decompress(compressed) == input)
            #expect(try Gzip.compress(input) == compressed)
            // Streaming in pieces gives a valid stream with the same content.
            let compressor = try GzipCompressor()
            var offset = 0
            while offset < input.count {
                let end = min(offset + 1_000, input.count)
                try compressor.append(Array(input[offset..<end]))
                offset = end
            }
            #expect(try Gzip.decompress(try compressor.finish()) == input)
        }
    }

    @Test func refusesTruncatedCorruptAndTrailingData() throws {
        let compressed = try Gzip.compress(Array("hello archive\n".utf8))
        #expect(throws: GzipError.self) { try Gzip.decompress(Array(compressed.dropLast(3))) }
        var corrupt = compressed
        corrupt[corrupt.count - 6] ^= 0xFF // CRC-32 in the trailer
        #expect(throws: GzipError.self) { try Gzip.decompress(corrupt) }
        #expect(throws: GzipError.self) { try Gzip.decompress(compressed + [0x00]) }
        #expect(throws: GzipError.self) { try Gzip.decompress(Array("not gzip".utf8)) }
        #expect(throws: GzipError.self) { try Gzip.decompress(try Gzip.compress([UInt8](repeating: 0, count: 10_000)), maximumOutputBytes: 9_999) }
    }

    @Test func objectKeysAndLineIDs() {
        #expect(ArchiveFormat.objectKey(companyID: "0B5F0000-0000-4000-8000-000000000001", day: "2024-03-07")
            == "companies/0b5f0000-0000-4000-8000-000000000001/events/2024/03/07/events.ndjson.gz")
        #expect(ArchiveFormat.eventIDs(ofContent: Array("{\"id\":5,\"x\":1}\n{\"id\":17}\n".utf8)) == [5, 17])
        #expect(ArchiveFormat.eventIDs(ofContent: Array("{\"id\":5}".utf8)) == nil, "no final newline")
        #expect(ArchiveFormat.eventIDs(ofContent: Array("{\"x\":5}\n".utf8)) == nil)
    }

    @Test func configurationFromEnvironment() throws {
        var values = ["DATABASE_URL": "postgresql://ccr_app@127.0.0.1:1/ccr", "S3_ENDPOINT": "http://127.0.0.1:9/objects", "S3_BUCKET": "ccr-local",
                      "S3_REGION": "local", "S3_ACCESS_KEY_ID": "id", "S3_SECRET_ACCESS_KEY": "secret", "ARCHIVE_DELETE_BATCH_SIZE": "100"]
        let archiver = try EventArchiver.fromEnvironment(Environment(values), logger: Logger(label: "test"))
        #expect(archiver.configuration.deleteBatchSize == 100)
        #expect(archiver.configuration.defaultRetentionDays == 30)
        #expect(archiver.store.signer.configuration.bucket == "ccr-local")
        values["S3_BUCKET"] = nil
        #expect(throws: ConfigurationError.self) { try EventArchiver.fromEnvironment(Environment(values), logger: Logger(label: "test")) }
        values["S3_BUCKET"] = "ccr-local"
        values["S3_ENDPOINT"] = "ftp://nope"
        #expect(throws: ConfigurationError.self) { try EventArchiver.fromEnvironment(Environment(values), logger: Logger(label: "test")) }
    }
}

/// Against the test run's Postgres and the local S3 stand-in over HTTP.
@Suite(.serialized) struct ArchiveRunTests {
    static func makeArchiver(_ s3: ArchiveS3, pageSize: Int = 5, deleteBatchSize: Int = 4) throws -> EventArchiver {
        var logger = Logger(label: "archive-test")
        logger.logLevel = .warning
        return EventArchiver(
            databaseURL: try TestServices.databaseURL(), lockURL: try TestServices.sessionDatabaseURL(), objectStore: s3.configuration,
            configuration: .init(pageSize: pageSize, deleteBatchSize: deleteBatchSize), logger: logger)
    }

    /// A company with a creator and events on three days past a 30-day retention, on the cutoff
    /// day (kept: the day is not entirely past retention yet) and today.
    static func seededCompany(_ name: String) throws -> (company: String, creator: String) {
        let company = try TestServices.makeCompany(name)
        let creator = try TestServices.addCreator(company: company, twitchUserID: TestServices.uniqueTwitchUserID())
        try ArchiveData.insert(company: company, creator: creator, ArchiveData.awkwardDay(45, count: 9))
        try ArchiveData.insert(company: company, creator: creator, ArchiveData.awkwardDay(40, count: 1))
        try ArchiveData.insert(company: company, creator: creator, ArchiveData.awkwardDay(31, count: 11))
        try ArchiveData.insert(company: company, creator: creator, ArchiveData.awkwardDay(30, count: 3))
        try ArchiveData.insert(company: company, creator: creator, ArchiveData.awkwardDay(0, count: 2))
        return (company, creator)
    }

    @Test func archivesWholeDaysPastRetentionByteForByteAndSecondRunIsNoOp() async throws {
        let s3 = try await ArchiveS3.start()
        let archiver = try Self.makeArchiver(s3)
        let (company, _) = try Self.seededCompany("Archive A")
        // Same age of events, but a 90-day retention: nothing to do.
        let (longRetention, _) = try Self.seededCompany("Archive B")
        _ = try TestServices.superuserQuery("UPDATE companies SET retention_days = 90 WHERE id = $1", [longRetention])
        // Not in this run's company list.
        let (other, _) = try Self.seededCompany("Archive C")
        let before = try ArchiveData.rows(company: company)
        let untouched = try [longRetention, other].map { try ArchiveData.rows(company: $0) }
        let allDays = Set(before.map(\.day)).sorted()
        #expect(allDays.count == 5)
        // Days 45, 40 and 31 ago go; the cutoff day (30 ago) and today stay.
        let archivedRows = before.filter { allDays.prefix(3).contains($0.day) }
        #expect(archivedRows.count == 9 + 1 + 11)

        let report = try await archiver.run(now: wallClockSeconds(), onlyCompanies: [company, longRetention])
        #expect(report.companies == 2)
        #expect(report.objectsWritten == 3)
        #expect(report.objectsReused == 0)
        #expect(report.rowsArchived == archivedRows.count)
        #expect(report.rowsDeleted == archivedRows.count)
        #expect(report.problems.isEmpty, "\(report.problems)")

        // The rest of the company, and the other companies, are exactly as they were.
        #expect(try ArchiveData.rows(company: company) == before.filter { row in !archivedRows.contains { $0.id == row.id } })
        #expect(try [longRetention, other].map { try ArchiveData.rows(company: $0) } == untouched)
        #expect(try ArchiveData.manifests(company: longRetention).isEmpty)
        #expect(try ArchiveData.manifests(company: other).isEmpty)

        // One object per day, recorded in the manifest, holding exactly that day's rows.
        let manifests = try ArchiveData.manifests(company: company)
        let days = Set(archivedRows.map(\.day)).sorted()
        #expect(manifests.map { $0[0]! } == days)
        var allLines: [String] = []
        for manifest in manifests {
            let (day, key) = (manifest[0]!, manifest[1]!)
            let dayRows = archivedRows.filter { $0.day == day }
            #expect(key == "companies/\(company)/events/\(day.replacingDashes())/events.ndjson.gz")
            let bytes = try #require(try s3.object(key))
            #expect(manifest[2] == String(dayRows.first!.id) && manifest[3] == String(dayRows.last!.id))
            #expect(manifest[4] == String(dayRows.count))
            #expect(manifest[5] == String(bytes.count))
            #expect(manifest[6] == sha256Hex(bytes))
            // Byte for byte: each line is the row as the format specifies it.
            let lines = try ArchiveData.lines(ofObject: bytes)
            #expect(lines == dayRows.map(ArchiveData.expectedLine))
            for line in lines { #expect((try? JSONParser.parse(line)) != nil, "not JSON: \(line)") }
            allLines += lines
        }

        // Second run: nothing left to do, nothing rewritten.
        let objects = try manifests.map { try s3.object($0[1]!) }
        let createdAt = try TestServices.superuserQuery("SELECT created_at::text AS t FROM event_archives WHERE company_id = $1 ORDER BY archive_day", [company]).rows.map { $0["t"] }
        let second = try await archiver.run(now: wallClockSeconds(), onlyCompanies: [company, longRetention])
        #expect(second.objectsWritten == 0 && second.objectsReused == 0 && second.rowsDeleted == 0 && second.rowsArchived == 0)
        #expect(try ArchiveData.manifests(company: company) == manifests)
        #expect(try manifests.map { try s3.object($0[1]!) } == objects)
        #expect(try TestServices.superuserQuery("SELECT created_at::text AS t FROM event_archives WHERE company_id = $1 ORDER BY archive_day", [company]).rows.map { $0["t"] } == createdAt)

        // Back from the archive into Postgres: the very same rows (json_to_record reads the lines).
        try ArchiveData.restore(lines: allLines)
        #expect(try ArchiveData.rows(company: company) == before)
        // The manifest exists for those days, so the next run only deletes them again, and never rewrites.
        let third = try await archiver.run(now: wallClockSeconds(), onlyCompanies: [company])
        #expect(third.objectsWritten == 0)
        #expect(third.objectsReused == 3)
        #expect(third.rowsDeleted == archivedRows.count)
        #expect(try ArchiveData.manifests(company: company) == manifests)
        #expect(try ArchiveData.rows(company: company) == before.filter { row in !archivedRows.contains { $0.id == row.id } })

        await archiver.shutdown()
        await s3.stop()
    }

    /// The state a run leaves for one company: manifest rows, objects, remaining events.
    struct FinalState: Equatable {
        let manifests: [[String?]]
        let objects: [[UInt8]?]
        let rows: [ArchiveData.Row]

        init(company: String, keys: [String], s3: ArchiveS3) throws {
            manifests = try ArchiveData.manifests(company: company)
            objects = try keys.map { try s3.object($0) }
            rows = try ArchiveData.rows(company: company)
        }
    }

    /// A run killed at every checkpoint in turn (and killed again while recovering), then run
    /// again, ends exactly where an uninterrupted run does: same objects (bytes), manifest rows,
    /// remaining events; every archived event deleted once, none lost.
    @Test func killedAtAnyPointConvergesToACleanRun() async throws {
        let s3 = try await ArchiveS3.start()
        let base = try Self.makeArchiver(s3)
        let (company, _) = try Self.seededCompany("Archive crash")
        let initial = try ArchiveData.rows(company: company)

        // The clean run: the reference, and every checkpoint it passes.
        let recorder = CheckpointRecorder()
        let clean = try await recorder.install(on: base).run(now: wallClockSeconds(), onlyCompanies: [company])
        let checkpoints = recorder.seen
        let keys = try ArchiveData.manifests(company: company).map { $0[1]! }
        let reference = try FinalState(company: company, keys: keys, s3: s3)
        #expect(keys.count == 3 && clean.objectsWritten == 3)
        let expectedCheckpoints = 3 * 5 + (3 + 1 + 3)
        #expect(checkpoints.count == expectedCheckpoints, "per day built, uploaded, verified, manifestWritten, dayDone + delete batches of 4: \(checkpoints)")
        let archivedLines = try reference.objects.flatMap { try ArchiveData.lines(ofObject: $0!) }
        #expect(archivedLines.count == clean.rowsArchived)

        /// Back to before the first run: no manifest, no objects, the archived rows restored.
        func reset() throws {
            _ = try TestServices.superuserQuery("DELETE FROM event_archives WHERE company_id = $1", [company])
            for key in keys { try s3.store.delete(bucket: ArchiveS3.bucket, key: key) }
            _ = try TestServices.superuserQuery(
                "DELETE FROM events WHERE company_id = $1 AND id = ANY($2::bigint[])",
                [company, "{" + archivedLines.map { String(ArchiveFormat.eventID(ofLine: Array($0.utf8))!) }.joined(separator: ",") + "}"])
            try ArchiveData.restore(lines: archivedLines)
            #expect(try ArchiveData.rows(company: company) == initial)
        }

        /// Runs until one finishes, crashing as `plan` says for each attempt; checks the result.
        func converge(_ label: String, plan: [CheckpointRecorder], between: (Int) throws -> Void = { _ in }) async throws {
            try reset()
            var deleted = 0
            for (attempt, recorder) in plan.enumerated() {
                do {
                    _ = try await recorder.install(on: base).run(now: wallClockSeconds(), onlyCompanies: [company])
                    Issue.record("\(label): attempt \(attempt + 1) was meant to crash")
                } catch let crash as SimulatedCrash {
                    _ = crash
                }
                deleted = try initial.count - ArchiveData.rows(company: company).count
                try between(attempt)
            }
            let final = try await base.run(now: wallClockSeconds(), onlyCompanies: [company])
            #expect(final.problems.isEmpty, "\(label): \(final.problems)")
            #expect(try FinalState(company: company, keys: keys, s3: s3) == reference, "\(label)")
            #expect(deleted + final.rowsDeleted == clean.rowsDeleted, "\(label): every archived row deleted exactly once")
            let again = try await base.run(now: wallClockSeconds(), onlyCompanies: [company])
            #expect(again.objectsWritten == 0 && again.objectsReused == 0 && again.rowsDeleted == 0, "\(label): second run is a no-op")
        }

        // Killed at each checkpoint of the run.
        for index in checkpoints.indices {
            try await converge("crash at \(checkpoints[index])", plan: [CheckpointRecorder(crashAt: index + 1)])
        }
        // Killed, then killed again at each of the first checkpoints of the recovering run.
        for first in [4, 7, 10, 19] {
            for second in 1...3 {
                try await converge("crash at #\(first), then #\(second)",
                                   plan: [CheckpointRecorder(crashAt: first), CheckpointRecorder(crashAt: second)])
            }
        }

        let firstDay = checkpoints[0].day
        // An object without a manifest row is from a killed run: overwritten, whatever it holds.
        try await converge("stale object after upload", plan: [CheckpointRecorder(crashWhen: { $0.step == .uploaded && $0.day == firstDay })]) { _ in
            try s3.store.put(bucket: ArchiveS3.bucket, key: keys[0], bytes: Array("garbage".utf8), contentType: "text/plain")
        }
        // The manifest row exists but its object vanished before any row was deleted: the rows
        // rebuild exactly the recorded bytes, so the object is uploaded again.
        try await converge("object lost after manifest", plan: [CheckpointRecorder(crashWhen: { $0.step == .manifestWritten && $0.day == firstDay })]) { _ in
            try s3.store.delete(bucket: ArchiveS3.bucket, key: keys[0])
        }
        // … or replaced by something larger: the same.
        try await converge("object replaced after manifest", plan: [CheckpointRecorder(crashWhen: { $0.step == .manifestWritten && $0.day == firstDay })]) { _ in
            try s3.store.put(bucket: ArchiveS3.bucket, key: keys[0], bytes: reference.objects[0]! + [1, 2, 3], contentType: ArchiveFormat.contentType)
        }

        // Lost after rows were deleted: cannot be rebuilt; nothing more is deleted for that day,
        // the other days complete, and the problem is reported.
        try reset()
        await #expect(throws: SimulatedCrash.self) {
            _ = try await CheckpointRecorder(crashWhen: { $0.step == .deletedBatch && $0.day == firstDay }).install(on: base)
                .run(now: wallClockSeconds(), onlyCompanies: [company])
        }
        try s3.store.delete(bucket: ArchiveS3.bucket, key: keys[0])
        let left = try ArchiveData.rows(company: company).filter { $0.day == firstDay }
        let stuck = try await base.run(now: wallClockSeconds(), onlyCompanies: [company])
        #expect(stuck.problems.count == 1)
        #expect(try ArchiveData.rows(company: company).filter { $0.day == firstDay } == left)
        #expect(try ArchiveData.manifests(company: company) == reference.manifests)
        // Once the object is back (e.g. restored from a bucket version), the day completes.
        try s3.store.put(bucket: ArchiveS3.bucket, key: keys[0], bytes: reference.objects[0]!, contentType: ArchiveFormat.contentType)
        let recovered = try await base.run(now: wallClockSeconds(), onlyCompanies: [company])
        #expect(recovered.problems.isEmpty && recovered.objectsReused == 1 && recovered.rowsDeleted == left.count)
        #expect(try FinalState(company: company, keys: keys, s3: s3) == reference)

        await base.shutdown()
        await s3.stop()
    }

    /// Two workers never archive one company at once: the second skips it while the first holds its lock.
    @Test func aCompanyLockedByAnotherRunIsSkipped() async throws {
        let s3 = try await ArchiveS3.start()
        let archiver = try Self.makeArchiver(s3)
        let (company, _) = try Self.seededCompany("Archive locked")
        let holder = try PostgresConnection(url: try TestServices.databaseURL())
        #expect(try holder.query("SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS ok", [EventArchiver.lockClass, company]).first?.bool("ok") == true)
        let skipped = try await archiver.run(now: wallClockSeconds(), onlyCompanies: [company])
        #expect(skipped.companiesSkipped == 1 && skipped.companies == 0 && skipped.objectsWritten == 0)
        _ = try holder.query("SELECT pg_advisory_unlock($1::int, hashtext($2))", [EventArchiver.lockClass, company])
        let done = try await archiver.run(now: wallClockSeconds(), onlyCompanies: [company])
        #expect(done.companies == 1 && done.objectsWritten == 3)
        await archiver.shutdown()
        await s3.stop()
    }

    /// `GET /api/archives`: the caller's archives only, each with a working short-lived download URL.
    @Test func archivesAPIListsOnlyTheCallersArchivesWithWorkingURLs() async throws {
        let s3 = try await ArchiveS3.start()
        let archiver = try Self.makeArchiver(s3)
        let (mine, _) = try Self.seededCompany("Archive API mine")
        let (theirs, _) = try Self.seededCompany("Archive API theirs")
        let empty = try TestServices.makeCompany("Archive API empty")
        _ = try await archiver.run(now: wallClockSeconds(), onlyCompanies: [mine, theirs])

        let key = try AccessTokenSigner.generateKey()
        let signer = AccessTokenSigner(kid: "archive-key", privateKey: key, issuer: "https://idp.test", audience: "ccr-api")
        let verifier = AccessTokenVerifier(keys: StaticKeySource(jwks: JSONWebKeySet(keys: ["archive-key": key.publicKey])),
                                           issuer: "https://idp.test", audience: "ccr-api")
        let pool = PostgresPool(url: try TestServices.databaseURL(), size: 2)
        let routes = ArchivesRoutes(database: TenantDatabase(pool: pool), signer: PresignedURLSigner(configuration: s3.configuration),
                                    urlLifetimeSeconds: 3_600)
        let server = HTTPFunctionServer(function: APIFunction(routes: routes.routes, verifier: verifier,
                                                              access: AccessCheck(pool: pool, cacheSeconds: 0, now: wallClockSeconds),
                                                              cookies: SessionCookies(secure: true), rateLimiter: nil),
                                        logger: Logger(label: "archive-api"))
        func get(_ target: String, company: String?) async throws -> (Int, JSONValue) {
            let parts = target.split(separator: "?", maxSplits: 1)
            var headers: [(String, String)] = []
            if let company {
                let member = try TestServices.addMember(company: company, email: "archive-viewer@example.com", role: "viewer")
                let token = try signer.token(subject: member, companyID: company, role: .viewer, now: wallClockSeconds())
                headers.append(("authorization", "Bearer \(token)"))
            }
            let response = await server.respond(to: FunctionRequest(
                method: "GET", path: String(parts[0]), query: parts.count > 1 ? String(parts[1]) : nil, headers: headers))
            return (response.status, (try? JSONParser.parse(response.body)) ?? .null)
        }

        #expect(try await get("/api/archives", company: nil).0 == 401)
        let (status, listing) = try await get("/api/archives", company: mine)
        #expect(status == 200)
        let items = try #require(listing["data"]?.arrayValue)
        let manifests = try ArchiveData.manifests(company: mine)
        #expect(items.map { $0["day"]?.stringValue } == manifests.reversed().map { $0[0] }, "newest first")
        #expect(listing["next"] == .null)
        for item in items {
            let itemKey = try #require(item["key"]?.stringValue)
            #expect(itemKey.hasPrefix("companies/\(mine)/events/"))
            let manifest = try #require(manifests.first { $0[1] == itemKey })
            #expect(item["sha256"]?.stringValue == manifest[6])
            #expect(item["rowCount"]?.int64Value.map(String.init) == manifest[4])
            #expect(item["firstEventId"]?.int64Value.map(String.init) == manifest[2])
            #expect(item["lastEventId"]?.int64Value.map(String.init) == manifest[3])
            // Capped at 15 minutes even though 60 were asked for.
            let expiresAt = try #require(item["urlExpiresAt"]?.stringValue.flatMap(RFC3339Seconds.parse))
            #expect(expiresAt - wallClockSeconds() <= 15 * 60 + 1 && expiresAt - wallClockSeconds() > 14 * 60)
            // The URL downloads the object through the store's signature checks.
            let url = try #require(item["url"]?.stringValue)
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            #expect(response.status.code == 200)
            var body = try await response.body.collect(upTo: 1 << 24)
            let bytes = body.readBytes(length: body.readableBytes) ?? []
            #expect(sha256Hex(bytes) == manifest[6])
            #expect(item["byteSize"]?.int64Value == Int64(bytes.count))
            // Tampering with the URL (another company's key) breaks the signature.
            let forged = url.replacingFirst(mine, with: theirs)
            let refused = try await HTTPClient.shared.execute(HTTPClientRequest(url: forged), timeout: .seconds(10))
            #expect(refused.status.code == 403)
            _ = try await refused.body.collect(upTo: 1 << 16)
        }

        let (_, theirListing) = try await get("/api/archives", company: theirs)
        #expect(theirListing["data"]?.arrayValue?.allSatisfy { $0["key"]?.stringValue?.hasPrefix("companies/\(theirs)/") == true } == true)
        #expect(theirListing["data"]?.arrayValue?.count == 3)
        #expect(try await get("/api/archives", company: empty).1["data"]?.arrayValue?.isEmpty == true)

        // Paging by day.
        let (_, page) = try await get("/api/archives?limit=2", company: mine)
        #expect(page["data"]?.arrayValue?.count == 2)
        let next = try #require(page["next"]?["before"]?.stringValue)
        let (_, rest) = try await get("/api/archives?before=\(next)", company: mine)
        #expect(rest["data"]?.arrayValue?.map { $0["day"]?.stringValue } == [manifests[0][0]])
        #expect(try await get("/api/archives?before=2024-02-30", company: mine).0 == 422)
        #expect(try await get("/api/archives?limit=0", company: mine).0 == 422)

        await pool.shutdown()
        await archiver.shutdown()
        await s3.stop()
    }
}

enum RFC3339Seconds {
    /// `YYYY-MM-DDTHH:MM:SS(.ffffff)Z` → Unix seconds (whole seconds are enough here).
    static func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20 else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        // Days from civil (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Double(days * 86_400 + hour * 3_600 + minute * 60 + second)
    }
}

extension String {
    func replacingDashes() -> String { split(separator: "-").joined(separator: "/") }

    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        return String(self[..<range.lowerBound]) + replacement + String(self[range.upperBound...])
    }
}
