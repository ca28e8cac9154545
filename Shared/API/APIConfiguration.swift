import AsyncHTTPClient
import Auth
import Logging
import Postgres
import Redis
import Settings

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
        let issuer = try environment.required("JWT_ISSUER")
        let audience = try environment.required("JWT_AUDIENCE")
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        let keys: any VerificationKeySource
        if let url = environment.optional("JWT_JWKS_URL") {
            keys = RemoteKeySource(url: url, client: httpClient, logger: logger)
        } else if let path = environment.optional("JWT_JWKS_FILE") {
            guard let text = readFile(path) else { throw ConfigurationError("JWT_JWKS_FILE \(path) cannot be read") }
            do { keys = try StaticKeySource(fileContents: text) } catch { throw ConfigurationError("JWT_JWKS_FILE: \(error)") }
        } else {
            throw ConfigurationError("JWT_JWKS_URL or JWT_JWKS_FILE must be set")
        }
        let redisURL = try RedisURL.fromEnvironment(environment)
        let pool = PostgresPool(url: try environment.required("DATABASE_URL"),
                                size: try environment.int("DATABASE_POOL_SIZE", default: 4, range: 1...64), logger: logger)
        do { try await pool.warmUp() } catch { logger.warning("postgres not reachable at start", metadata: ["error": "\(error)"]) }
        let redis = RedisClient(url: redisURL, size: 2, logger: logger)
        let limit = try environment.int("API_RATE_LIMIT_PER_MINUTE", default: 1200, range: 1...1_000_000)
        return APIDependencies(
            verifier: AccessTokenVerifier(keys: keys, issuer: issuer, audience: audience),
            database: TenantDatabase(pool: pool), redis: redis,
            rateLimiter: RateLimiter(redis: redis, requestsPerMinute: limit, logger: logger),
            httpClient: httpClient, logger: logger)
    }
}

#if canImport(Glibc)
import Glibc
#endif

func readFile(_ path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16_384)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes.append(contentsOf: buffer[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}
