import ObjectStoreStandIn
import BlockingIO
import JobQueue
import Redis
import NIOCore
import ObjectStore
import Router

/// Endpoints the local router answers itself, standing in for what production gets elsewhere:
/// the identity provider's JWKS and an S3-compatible object store.
enum LocalEndpoints {
    /// Where the development key's JWKS is served (`/.well-known/jwks.json` is the auth
    /// function's: the keys of the sessions it issues).
    static let developmentJWKSPath = "/_local/development-jwks.json"

    /// `GET /_local/development-jwks.json`: the development key (`local-runner/run token`) the
    /// functions trust in local mode, besides the auth function's own keys.
    static func jwks(_ document: String) -> LocalEndpoint {
        LocalEndpoint(prefix: developmentJWKSPath) { _ in
            LocalResponse(status: 200, headers: [("content-type", "application/json"), ("cache-control", "max-age=60")],
                          body: ByteBuffer(string: document))
        }
    }

    /// `/objects/{bucket}/{key}`: presigned PUT/GET/HEAD against files in the data folder, with the
    /// same Signature V4 checks S3 makes, so logo uploads run the production code path locally.
    static func objectStore(_ handler: LocalObjectStoreHandler, executor: BlockingExecutor) -> LocalEndpoint {
        LocalEndpoint(prefix: handler.basePath + "/") { request in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name] = field.value }
            let bytes = Array(request.body.readableBytesView)
            let requestHeaders = headers
            let result = try await executor.run {
                handler.handle(method: request.method, path: request.path, rawQuery: request.query ?? "", headers: requestHeaders, body: bytes,
                               now: wallClockSeconds())
            }
            return LocalResponse(status: result.status, headers: result.headers.map { ($0.key, $0.value) }, body: ByteBuffer(bytes: result.body))
        }
    }

    /// `GET /metrics` (Prometheus text): the supervised processes (up, restarts) and per queue
    /// waiting, in flight, delayed, done, retried, dead. The process lines come first and do not
    /// need Redis, so an outage shows as `ccr_process_up{process="redis"} 0`, not as an error.
    static func metrics(_ table: JobTable, redis: RedisClient, supervisor: ProcessSupervisor) -> LocalEndpoint {
        LocalEndpoint(prefix: "/metrics") { _ in
            var text = ProcessStatus.prometheus(supervisor.statuses)
            let names = table.jobs.map(\.queue)
            do {
                text += try await redis.withConnection { connection in
                    try names.map { try JobQueue(name: $0).stats(on: connection).prometheus }.joined(separator: "\n") + "\n"
                }
            } catch {
                text += "# queue metrics unavailable: \(error)\n".replacingNewlines()
            }
            return LocalResponse(status: 200, headers: [("content-type", "text/plain; version=0.0.4")], body: ByteBuffer(string: text))
        }
    }
}

extension String {
    /// One comment line whatever the error text holds.
    fileprivate func replacingNewlines() -> String {
        String(dropLast().map { $0 == "\n" ? " " : $0 }) + "\n"
    }
}
