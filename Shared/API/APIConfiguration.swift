public import Access
public import AsyncHTTPClient
import BlockingIO
public import AccessTokens
public import Logging
import Postgres
public import Redis
public import Settings

/// What every REST function needs, built from the environment:
/// `DATABASE_URL`, `REDIS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE`; access tokens verify with the
/// project's own signing keys (from the database) and, optionally, `JWT_JWKS_URL` or
/// `JWT_JWKS_FILE` (a development key); optional `API_RATE_LIMIT_PER_MINUTE` (per company,
/// default 1200), `DATABASE_POOL_SIZE` (default 4), `ACCESS_CHECK_CACHE_SECONDS` (default 2, at
/// most 5: how long a member's current role is reused), `AUTH_COOKIE_SECURE` (default true:
/// `__Host-` session cookies; false only for local plain-HTTP runs), `API_KEY_RATE_LIMIT_PER_MINUTE`
/// (each service API key's own budget, default 600) and `API_KEY_CACHE_SECONDS` (default 2, at
/// most 5: how long a key's row is reused, so how long a revoked key may still work).
public struct APIDependencies: Sendable {
    public let verifier: AccessTokenVerifier
    public let access: AccessCheck
    public let cookies: SessionCookies
    public let database: TenantDatabase
    public let redis: RedisClient
    public let rateLimiter: RateLimiter
    public let httpClient: HTTPClient
    public let logger: Logger
    public let apiKeys: APIKeyAuthenticator?
    public let keyRateLimiter: RateLimiter?

    public init(verifier: AccessTokenVerifier, access: AccessCheck, cookies: SessionCookies, database: TenantDatabase,
                redis: RedisClient, rateLimiter: RateLimiter, httpClient: HTTPClient, logger: Logger,
                apiKeys: APIKeyAuthenticator? = nil, keyRateLimiter: RateLimiter? = nil) {
        self.verifier = verifier
        self.access = access
        self.cookies = cookies
        self.database = database
        self.redis = redis
        self.rateLimiter = rateLimiter
        self.httpClient = httpClient
        self.logger = logger
        self.apiKeys = apiKeys
        self.keyRateLimiter = keyRateLimiter
    }

    /// REST functions pipeline their Postgres statements unless `DATABASE_PIPELINING=false`: a read
    /// (BEGIN, the tenant check, the query, a lazy COMMIT) is then one round trip, and `bench api`
    /// measured less CPU per request that way in every alternating pair (docs/architecture.md,
    /// "Round trips").
    public static let pipelinesDatabase = true

    public static func load(environment: Environment, logger: Logger) async throws -> APIDependencies {
        // The process-wide client: it lives as long as the process, so shutting it down at exit
        // (and crashing in deinit when one forgets) is not a concern.
        let httpClient = HTTPClient.shared
        let pool = try PostgresPool.fromEnvironment(environment, defaultSize: 4, maximumSize: 64,
                                                    pipelining: Self.pipelinesDatabase, logger: logger)
        let verifier = try AccessTokenVerifier.fromEnvironment(environment, httpClient: httpClient, logger: logger,
                                                               ownKeys: DatabaseKeySource(pool: pool))
        let access = AccessCheck(pool: pool, cacheSeconds: Double(try environment.int("ACCESS_CHECK_CACHE_SECONDS", default: 2, range: 0...5)),
                                 now: wallClockSeconds)
        let cookies = SessionCookies(secure: try environment.bool("AUTH_COOKIE_SECURE", default: true))
        let redisURL = try RedisURL.fromEnvironment(environment)
        pool.startWarmUp()
        let redis = RedisClient(url: redisURL, size: 2, logger: logger)
        let limit = try environment.int("API_RATE_LIMIT_PER_MINUTE", default: 1200, range: 1...1_000_000)
        let keyLimit = try environment.int("API_KEY_RATE_LIMIT_PER_MINUTE", default: 600, range: 1...1_000_000)
        let apiKeys = APIKeyAuthenticator(pool: pool, cacheSeconds: Double(try environment.int("API_KEY_CACHE_SECONDS", default: 2, range: 0...5)),
                                          now: wallClockSeconds)
        return APIDependencies(
            verifier: verifier, access: access, cookies: cookies,
            database: TenantDatabase(pool: pool), redis: redis,
            rateLimiter: RateLimiter(redis: redis, requestsPerMinute: limit, logger: logger),
            httpClient: httpClient, logger: logger,
            apiKeys: apiKeys, keyRateLimiter: RateLimiter(redis: redis, requestsPerMinute: keyLimit, logger: logger))
    }
}
