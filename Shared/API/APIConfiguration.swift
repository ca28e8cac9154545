public import AsyncHTTPClient
public import Auth
public import Logging
import Postgres
public import Redis
public import Settings

/// What every REST function needs, built from the environment:
/// `DATABASE_URL`, `REDIS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE`, and `JWT_JWKS_URL` (the identity
/// provider's key set, cached) or `JWT_JWKS_FILE` (a JWKS document or PEM public key);
/// optional `API_RATE_LIMIT_PER_MINUTE` (per company, default 1200) and `DATABASE_POOL_SIZE` (default 4).
public struct APIDependencies: Sendable {
    public let verifier: AccessTokenVerifier
    public let database: TenantDatabase
    public let redis: RedisClient
    public let rateLimiter: RateLimiter
    public let httpClient: HTTPClient
    public let logger: Logger

    public init(verifier: AccessTokenVerifier, database: TenantDatabase, redis: RedisClient, rateLimiter: RateLimiter,
                httpClient: HTTPClient, logger: Logger) {
        self.verifier = verifier
        self.database = database
        self.redis = redis
        self.rateLimiter = rateLimiter
        self.httpClient = httpClient
        self.logger = logger
    }

    public static func load(environment: Environment, logger: Logger) async throws -> APIDependencies {
        // The process-wide client: it lives as long as the process, so shutting it down at exit
        // (and crashing in deinit when one forgets) is not a concern.
        let httpClient = HTTPClient.shared
        let verifier = try AccessTokenVerifier.fromEnvironment(environment, httpClient: httpClient, logger: logger)
        let redisURL = try RedisURL.fromEnvironment(environment)
        let pool = PostgresPool(url: try environment.required("DATABASE_URL"),
                                size: try environment.int("DATABASE_POOL_SIZE", default: 4, range: 1...64), logger: logger)
        do { try await pool.warmUp() } catch { logger.warning("postgres not reachable at start", metadata: ["error": "\(error)"]) }
        let redis = RedisClient(url: redisURL, size: 2, logger: logger)
        let limit = try environment.int("API_RATE_LIMIT_PER_MINUTE", default: 1200, range: 1...1_000_000)
        return APIDependencies(
            verifier: verifier,
            database: TenantDatabase(pool: pool), redis: redis,
            rateLimiter: RateLimiter(redis: redis, requestsPerMinute: limit, logger: logger),
            httpClient: httpClient, logger: logger)
    }
}
