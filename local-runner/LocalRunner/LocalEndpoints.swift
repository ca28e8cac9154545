import ObjectStoreStandIn
import BlockingIO
import JobQueue
import Redis
import Hummingbird
import HTTPTypes
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
        LocalEndpoint(prefix: developmentJWKSPath) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "max-age=60"],
                     body: .init(byteBuffer: ByteBuffer(string: document)))
        }
    }

    /// `/objects/{bucket}/{key}`: presigned PUT/GET/HEAD against files in the data folder, with the
    /// same Signature V4 checks S3 makes, so logo uploads run the production code path locally.
    static func objectStore(_ handler: LocalObjectStoreHandler, executor: BlockingExecutor) -> LocalEndpoint {
        LocalEndpoint(prefix: handler.basePath + "/") { request, _ in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            if headers["host"] == nil, let authority = request.head.authority { headers["host"] = authority }
            let body = try await request.body.collect(upTo: 16 << 20)
            let bytes = Array(body.readableBytesView)
            let method = request.method.rawValue
            let path = request.uri.path
            let query = request.uri.query ?? ""
            let requestHeaders = headers
            let result = try await executor.run {
                handler.handle(method: method, path: path, rawQuery: query, headers: requestHeaders, body: bytes, now: wallClockSeconds())
            }
            var fields = HTTPFields()
            for (name, value) in result.headers {
                if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
            }
            return Response(status: .init(code: result.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: result.body)))
        }
    }

    /// `GET /metrics` (Prometheus text): the supervised processes (up, restarts) and per queue
    /// waiting, in flight, delayed, done, retried, dead. The process lines come first and do not
    /// need Redis, so an outage shows as `ccr_process_up{process="redis"} 0`, not as an error.
    static func metrics(_ table: JobTable, redis: RedisClient, supervisor: ProcessSupervisor) -> LocalEndpoint {
        LocalEndpoint(prefix: "/metrics") { _, _ in
            var text = ProcessStatus.prometheus(supervisor.statuses)
            let names = table.jobs.map(\.queue)
            do {
                text += try await redis.withConnection { connection in
                    try names.map { try JobQueue(name: $0).stats(on: connection).prometheus }.joined(separator: "\n") + "\n"
                }
            } catch {
                text += "# queue metrics unavailable: \(error)\n".replacingNewlines()
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}

extension String {
    /// One comment line whatever the error text holds.
    fileprivate func replacingNewlines() -> String {
        String(dropLast().map { $0 == "\n" ? " " : $0 }) + "\n"
    }
}
