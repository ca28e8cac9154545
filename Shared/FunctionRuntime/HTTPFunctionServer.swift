import Settings
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import StructuredLogging

/// Serves one `HTTPFunction` over HTTP/1.1: `GET /healthz` answers 200, everything else goes to
/// the function. Errors become the JSON error shape; unexpected ones are logged with the request
/// id and answered 500 without internals.
public struct HTTPFunctionServer<Function: HTTPFunction>: Sendable {
    public let function: Function
    public let logger: Logger

    public init(function: Function, logger: Logger) {
        self.function = function
        self.logger = logger
    }

    /// Answers one request (the adapter's logic, without sockets).
    public func respond(to request: FunctionRequest, contentLength: Int? = nil) async -> FunctionResponse {
        let requestID = RequestID.accept(request.header(RequestID.header))
        let context = FunctionContext(requestID: requestID, logger: logger)
        var response: FunctionResponse
        if request.path == "/healthz" && (request.method == "GET" || request.method == "HEAD") {
            response = .text("ok")
        } else if request.body.count > function.maxBodyBytes || (contentLength ?? 0) > function.maxBodyBytes {
            response = Self.errorResponse(.payloadTooLarge(function.maxBodyBytes), requestID: requestID)
        } else {
            do {
                response = try await function.handle(request, context: context)
            } catch let error as HTTPFunctionError {
                response = Self.errorResponse(error, requestID: requestID)
            } catch {
                context.logger.error("unhandled error", metadata: ["error": "\(error)"])
                response = .error(status: 500, code: "internal", message: "internal error", requestID: requestID)
            }
        }
        response.headers.append((name: "x-request-id", value: requestID))
        return response
    }

    static func errorResponse(_ error: HTTPFunctionError, requestID: String) -> FunctionResponse {
        .error(status: error.status, code: error.code, message: error.message, requestID: requestID)
    }

    /// Listens on `host:port` until SIGTERM/SIGINT, then drains in-flight requests and returns.
    public func run(host: String = "0.0.0.0", port: Int, onRunning: (@Sendable () -> Void)? = nil) async throws {
        let responder = FunctionResponder(server: self)
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { _ in onRunning?() },
            logger: logger)
        try await app.runService()
    }
}

struct FunctionResponder<Function: HTTPFunction>: HTTPResponder {
    typealias Context = BasicRequestContext
    let server: HTTPFunctionServer<Function>

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let limit = server.function.maxBodyBytes
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        var body: [UInt8] = []
        if (declared ?? 0) <= limit {
            do {
                var buffer = try await request.body.collect(upTo: limit)
                body = buffer.readBytes(length: buffer.readableBytes) ?? []
            } catch is NIOTooManyBytesError {
                body = []
                return Self.convert(await server.respond(
                    to: FunctionRequest(method: request.method.rawValue, path: request.uri.path, headers: headers(request)),
                    contentLength: limit + 1))
            }
        }
        let functionRequest = FunctionRequest(
            method: request.method.rawValue, path: request.uri.path,
            query: request.uri.query, headers: headers(request), body: body)
        return Self.convert(await server.respond(to: functionRequest, contentLength: declared))
    }

    private func headers(_ request: Request) -> [(String, String)] {
        request.headers.map { ($0.name.canonicalName, $0.value) }
    }

    static func convert(_ response: FunctionResponse) -> Response {
        var fields = HTTPFields()
        for header in response.headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        var buffer = ByteBuffer()
        buffer.writeBytes(response.body)
        return Response(status: .init(code: response.status), headers: fields, body: .init(byteBuffer: buffer))
    }
}
