import AccessTokens
public import API
public import BlockingIO
import EventSub
import FunctionRuntime
import FunctionServer
import JSONValue
public import ObjectStore
import Postgres
public import Settings

/// `GET /api/archives`: the company's archived event days (written by the archive job into the
/// object store, one gzip-compressed NDJSON object per UTC day), newest first, each with a
/// short-lived presigned download URL. Tenant-scoped like every route: the manifest rows come
/// from `event_archives` under row-level security, and a URL is only signed for a key under the
/// caller's own `companies/{companyId}/` prefix.
public struct ArchivesRoutes: Sendable {
    let database: TenantDatabase
    let signer: PresignedURLSigner
    /// Seconds a download URL stays valid (at most 15 minutes).
    let urlLifetimeSeconds: Int
    let now: @Sendable () -> Double

    public static let maximumURLLifetimeSeconds = 15 * 60
    static let maximumLimit = 366

    public init(database: TenantDatabase, signer: PresignedURLSigner, urlLifetimeSeconds: Int = 600,
                now: @escaping @Sendable () -> Double = wallClockSeconds) {
        self.database = database
        self.signer = signer
        self.urlLifetimeSeconds = min(max(urlLifetimeSeconds, 1), Self.maximumURLLifetimeSeconds)
        self.now = now
    }

    /// The object store from `S3_ENDPOINT`, `S3_BUCKET`, `S3_REGION`, `S3_ACCESS_KEY_ID`,
    /// `S3_SECRET_ACCESS_KEY` (the bucket the archive job writes to).
    public init(database: TenantDatabase, environment: Environment) throws {
        do {
            let configuration = try ObjectStoreConfiguration(
                endpoint: try environment.required("S3_ENDPOINT"), bucket: try environment.required("S3_BUCKET"),
                region: try environment.required("S3_REGION"), accessKeyID: try environment.required("S3_ACCESS_KEY_ID"),
                secretAccessKey: try environment.required("S3_SECRET_ACCESS_KEY"))
            self.init(database: database, signer: PresignedURLSigner(configuration: configuration))
        } catch let error as ObjectStoreConfigurationError {
            throw ConfigurationError("S3 configuration: \(error.description)")
        }
    }

    public var routes: [APIRoute] {
        [
            APIRoute("GET", "/api/archives", minimumRole: .viewer, scope: "archives:read",
                     summary: "Archived event days, newest first, with short-lived download URLs", handler: listArchives),
        ]
    }

    /// `before=YYYY-MM-DD` (older days only, for paging), `limit` 1–366 (default 100).
    @Sendable func listArchives(_ request: APIRequest) async throws -> FunctionResponse {
        let raw = request.raw
        var problems: [String: String] = [:]
        var limit = 100
        if let text = raw.queryParameter("limit") {
            if let value = Int(text), (1...Self.maximumLimit).contains(value) { limit = value } else { problems["limit"] = "must be 1 to \(Self.maximumLimit)" }
        }
        let before = raw.queryParameter("before")
        if let before, !Self.isDay(before) { problems["before"] = "must be a day, YYYY-MM-DD" }
        if !problems.isEmpty { throw FunctionError.validation(problems) }

        let rows = try await database.read(request.claims) { [limit] connection in
            var parameters: [(any PostgresParameter)?] = [limit + 1]
            var condition = ""
            if let before {
                parameters.append(before)
                condition = " AND archive_day < $2::date"
            }
            return try connection.query("""
                SELECT to_char(archive_day, 'YYYY-MM-DD') AS day, object_key, first_event_id, last_event_id, row_count, byte_size, sha256,
                       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_text
                FROM event_archives WHERE company_id = current_company_id()\(condition)
                ORDER BY archive_day DESC LIMIT $1
                """, parameters).rows
        }
        let signedAt = now()
        let companyID = request.claims.companyID
        var data: [JSONValue] = []
        for row in rows.prefix(limit) {
            let key = try row.require("object_key")
            var url: JSONValue = .null
            var expiresAt: JSONValue = .null
            if ObjectKey.belongs(key, toCompany: companyID.lowercased()) {
                let presigned = try signer.presignedGET(key: key, expiresIn: urlLifetimeSeconds, now: signedAt)
                url = .string(presigned.url)
                expiresAt = .string(RFC3339.format(unixSeconds: Double(presigned.expiresAt)))
            }
            data.append([
                "day": .string(try row.require("day")), "key": .string(key),
                "firstEventId": .int(try row.requireInt64("first_event_id")), "lastEventId": .int(try row.requireInt64("last_event_id")),
                "rowCount": .int(try row.requireInt64("row_count")), "byteSize": .int(try row.requireInt64("byte_size")),
                "sha256": .string(try row.require("sha256")), "createdAt": .string(try row.require("created_at_text")),
                "contentType": "application/gzip", "url": url, "urlExpiresAt": expiresAt,
            ])
        }
        let next: JSONValue = rows.count > limit ? ["before": data.last?["day"] ?? .null] : .null
        return .json(["data": .array(data), "next": next])
    }

    /// `YYYY-MM-DD`, a real calendar day.
    static func isDay(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes.enumerated().allSatisfy({ $0.offset == 4 || $0.offset == 7 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0.element) }),
              let seconds = RFC3339.unixSeconds(text + "T00:00:00Z")
        else { return false }
        return RFC3339.format(unixSeconds: seconds).hasPrefix(text)
    }
}
