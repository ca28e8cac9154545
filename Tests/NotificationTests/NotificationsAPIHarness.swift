import Access
import AccessTokens
import API
import BlockingIO
import CryptoExtras
import FunctionServer
import JSONValue
import Logging
import NotificationStore
import Notifications
import OutboundHTTP
import Postgres
import Redis
import SecretSealing
import TestSupport

/// The `notifications` REST function in-process (its routes behind one `APIFunction`) against the
/// test run's real Postgres and Redis, with tokens signed by a key generated for the test process.
struct NotificationsAPIHarness {
    static let signer: AccessTokenSigner = {
        let key = try! AccessTokenSigner.generateKey()
        return AccessTokenSigner(kid: "notifications-test-key", privateKey: key, issuer: "https://idp.test", audience: "ccr-api")
    }()

    static let keys = try! SealingKeyRing([(id: "k1", key: Array(repeating: 7, count: 32)), (id: "k0", key: Array(repeating: 9, count: 32))])

    let server: HTTPFunctionServer<APIFunction>
    let pool: PostgresPool
    let redis: RedisClient

    /// `allowPrivate`: `OUTBOUND_ALLOW_PRIVATE=true` (the local stand-ins).
    init(urlRules: DestinationURLRules = DestinationURLRules()) throws {
        var logger = Logger(label: "notifications-api-test")
        logger.logLevel = .error
        pool = PostgresPool(url: try TestServices.databaseURL(), size: 4, logger: logger)
        redis = RedisClient(url: try TestServices.redisURL(), size: 2, logger: logger)
        let verifier = AccessTokenVerifier(keys: StaticKeySource(jwks: JSONWebKeySet(keys: ["notifications-test-key": Self.signer.privateKey.publicKey])),
                                           issuer: "https://idp.test", audience: "ccr-api")
        let routes = NotificationsRoutes(database: TenantDatabase(pool: pool), keys: Self.keys, urlRules: urlRules, redis: redis).routes
        let function = APIFunction(routes: routes, verifier: verifier, access: AccessCheck(pool: pool, cacheSeconds: 0, now: wallClockSeconds),
                                   cookies: SessionCookies(secure: true),
                                   rateLimiter: RateLimiter(redis: redis, requestsPerMinute: 100_000, logger: logger),
                                   apiKeys: APIKeyAuthenticator(pool: pool, cacheSeconds: 0, now: wallClockSeconds))
        server = HTTPFunctionServer(function: function, logger: logger)
    }

    static var privateAllowed: DestinationURLRules {
        DestinationURLRules(policy: OutboundURLPolicy(allowPrivate: true), extraDiscordHosts: ["127.0.0.1"])
    }

    func shutdown() async {
        await pool.shutdown()
        await redis.shutdown()
    }

    /// A token for a member of `company` with `role` (the membership is made real first).
    static func token(company: String, role: Role, subject: String = "notify") -> String {
        let email = "\(subject)-\(role.rawValue)@example.com"
        let user = try! TestServices.addMember(company: company, email: email, role: role.rawValue)
        return try! signer.token(subject: user, companyID: company, role: role, email: email, now: wallClockSeconds())
    }

    struct Reply {
        let status: Int
        let json: JSONValue
        let text: String

        /// The 422 field problem named `field`.
        func problem(_ field: String) -> String? { json["error"]?["fields"]?[field]?.stringValue }
    }

    func call(_ method: String, _ target: String, token: String?, body: JSONValue? = nil) async -> Reply {
        let parts = target.split(separator: "?", maxSplits: 1)
        var headers: [(String, String)] = [("user-agent", "notifications-api-tests"), ("x-forwarded-for", "203.0.113.9")]
        if let token { headers.append(("authorization", "Bearer \(token)")) }
        let request = FunctionRequest(method: method, path: String(parts[0]), query: parts.count > 1 ? String(parts[1]) : nil,
                                      headers: headers, body: body.map { Array(JSONWriter.string($0).utf8) } ?? [])
        let response = await server.respond(to: request)
        return Reply(status: response.status, json: (try? JSONParser.parse(response.body)) ?? .null, text: String(decoding: response.body, as: UTF8.self))
    }

    /// A company with an owner's token.
    static func company(_ name: String = "Notify Agency") throws -> (id: String, token: String) {
        let id = try TestServices.makeCompany(name)
        return (id, token(company: id, role: .owner))
    }

    /// The destination as stored, read in `company`'s tenant scope (the way the delivery job reads it).
    static func stored(_ id: String, company: String) throws -> NotificationDestination? {
        let connection = try PostgresConnection(url: try TestServices.databaseURL())
        return try connection.withTenantScope(companyId: company) { try NotificationDestination.load(id: id, on: connection) }
    }

    static let destinations = "/api/notifications/destinations"
}
