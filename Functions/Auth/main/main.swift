import Access
import AccessTokens
import API
import AsyncHTTPClient
import Auth
import BlockingIO
import FunctionRuntime
import FunctionServer
import OpenIDConnect
import Postgres
import Redis
import Settings

await FunctionMain.serve(name: "auth") { environment, logger in
    let configuration = try AuthConfiguration.load(environment)
    let pool = try PostgresPool.fromEnvironment(environment, defaultSize: 4, maximumSize: 64, logger: logger)
    let verifier = try AccessTokenVerifier.fromEnvironment(environment, httpClient: .shared, logger: logger, ownKeys: DatabaseKeySource(pool: pool))
    return AuthFunction(
        configuration: configuration, clients: configuration.providers.map { OpenIDClient(provider: $0, http: .shared) }, pool: pool,
        redis: RedisClient(url: try RedisURL.fromEnvironment(environment), size: 2, logger: logger), verifier: verifier,
        access: AccessCheck(pool: pool, cacheSeconds: 0, now: wallClockSeconds))
}
