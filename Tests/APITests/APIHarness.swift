import CryptoExtras
import Access
import API
import Account
import AccessTokens
import BlockingIO
import Creators
import Events
import FunctionRuntime
import FunctionServer
import JSONValue
import Keys
import Logging
import Members
import Notifications
import ObjectStore
import Postgres
import Redis
import SecretSealing
import TestSupport

/// Every REST route of every API function behind one `APIFunction`, against the test run's real
/// Postgres and Redis, with tokens signed by a key generated for the test process.
struct APIHarness {
    static let signer: AccessTokenSigner = {
        let key = try! AccessTokenSigner.generateKey()
        return AccessTokenSigner(kid: "test-key", privateKey: key, issuer: "https://idp.test", audience: "ccr-api")
    }()

    /// Signs archive download URLs for a store no test reaches through the harness.
    static let archiveSigner = PresignedURLSigner(configuration: try! ObjectStoreConfiguration(
        endpoint: "http://127.0.0.1:1/objects", bucket: "ccr-test", region: "local", accessKeyID: "test", secretAccessKey: "test-secret"))

    /// Seals notification destinations' URLs and secrets.
    static let sealingKeys = try! SealingKeyRing([(id: "k1", key: Array(repeating: 3, count: 32))])

    let server: HTTPFunctionServer<APIFunction>
    let pool: PostgresPool
    let redis: RedisClient
    let access: AccessCheck
    let apiKeys: APIKeyAuthenticator

    init(rateLimitPerMinute: Int = 100_000, accessCacheSeconds: Double = 0, twitch: any TwitchUserLookup = NoTwitch(), logos: any LogoUploads = NoLogos(),
         keyRateLimitPerMinute: Int = 100_000, keyCacheSeconds: Double = 0, linking: CreatorLinking? = nil,
         platforms: ChannelPlatforms = ChannelPlatforms()) throws {
        let logger = Logger(label: "api-test")
        // Pipelined like the REST functions' pool, so the routes run as they do in production.
        pool = PostgresPool(url: try TestServices.databaseURL(), size: 4, pipelines: APIDependencies.pipelinesDatabase, logger: logger)
        redis = RedisClient(url: try TestServices.redisURL(), size: 2, logger: logger)
        let database = TenantDatabase(pool: pool)
        let verifier = AccessTokenVerifier(keys: StaticKeySource(jwks: JSONWebKeySet(keys: ["test-key": Self.signer.privateKey.publicKey])),
                                           issuer: "https://idp.test", audience: "ccr-api")
        let routes = AccountRoutes(database: database, logos: logos).routes + MembersRoutes(database: database).routes + InvitationsRoutes(database: database).routes
            + CreatorsRoutes(database: database, twitch: twitch, linking: linking, redis: redis, platforms: platforms).routes + EventsRoutes(database: database).routes
            + ArchivesRoutes(database: database, signer: Self.archiveSigner).routes + KeysRoutes(database: database).routes
            + NotificationsRoutes(database: database, keys: Self.sealingKeys, urlRules: DestinationURLRules(), redis: redis).routes
        access = AccessCheck(pool: pool, cacheSeconds: accessCacheSeconds, now: wallClockSeconds)
        apiKeys = APIKeyAuthenticator(pool: pool, cacheSeconds: keyCacheSeconds, now: wallClockSeconds)
        let function = APIFunction(routes: routes, verifier: verifier, access: access, cookies: SessionCookies(secure: true),
                                   rateLimiter: RateLimiter(redis: redis, requestsPerMinute: rateLimitPerMinute, logger: logger),
                                   apiKeys: apiKeys, keyRateLimiter: RateLimiter(redis: redis, requestsPerMinute: keyRateLimitPerMinute, logger: logger))
        server = HTTPFunctionServer(function: function, logger: logger)
    }

    func shutdown() async {
        await pool.shutdown()
        await redis.shutdown()
    }

    /// A token for a member of `company` with `role`: memberships are the source of truth, so the
    /// member is made real first (one user per subject and role; `sub` is the user id).
    static func token(company: String, role: Role, subject: String = "test") -> String {
        let email = "\(subject)-\(role.rawValue)@example.com"
        let user = try! TestServices.addMember(company: company, email: email, role: role.rawValue)
        return try! signer.token(subject: user, companyID: company, role: role, email: email, now: wallClockSeconds())
    }

    /// A token whose signature and claims are valid but whose subject is no member of `company`.
    static func nonMemberToken(company: String, role: Role, subject: String = "00000000-0000-4000-8000-000000000001") -> String {
        try! signer.token(subject: subject, companyID: company, role: role, now: wallClockSeconds())
    }

    struct Reply {
        let status: Int
        let json: JSONValue
        let response: FunctionResponse
    }

    func call(_ method: String, _ target: String, token: String?, body: JSONValue? = nil) async -> Reply {
        let parts = target.split(separator: "?", maxSplits: 1)
        var headers: [(String, String)] = [("user-agent", "api-tests"), ("x-forwarded-for", "203.0.113.7")]
        if let token { headers.append(("authorization", "Bearer \(token)")) }
        let request = FunctionRequest(method: method, path: String(parts[0]), query: parts.count > 1 ? String(parts[1]) : nil,
                                      headers: headers, body: body.map { Array(JSONWriter.string($0).utf8) } ?? [])
        let response = await server.respond(to: request)
        return Reply(status: response.status, json: (try? JSONParser.parse(response.body)) ?? .null, response: response)
    }

    func call(_ method: String, _ target: String, company: String, role: Role, body: JSONValue? = nil) async -> Reply {
        await call(method, target, token: Self.token(company: company, role: role), body: body)
    }
}

/// For tests that never add creators.
struct NoTwitch: TwitchUserLookup {
    func user(login: String) async throws -> TwitchUserRecord? { nil }
}

struct NoLogos: LogoUploads {
    struct Unsupported: Error {}
    func uploadURL(companyID: String, contentType: String, maxBytes: Int, expiresInSeconds: Int, now: Double) throws -> LogoUpload { throw Unsupported() }
    func downloadURL(key: String, expiresInSeconds: Int, now: Double) throws -> String { throw Unsupported() }
}
