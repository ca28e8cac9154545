public import FunctionRuntime
import HTTPTypes
import Hummingbird
public import Logging
import NIOCore
public import ServiceLifecycle
public import Settings
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
            response = .error(.payloadTooLarge(function.maxBodyBytes), requestID: requestID)
        } else {
            do {
                response = try await function.handle(request, context: context)
            } catch let error as FunctionError {
                response = .error(error, requestID: requestID)
            } catch {
                context.logger.error("unhandled error", metadata: ["error": "\(error)"])
                response = .error(.internal, requestID: requestID)
            }
        }
        response.headers.append((name: "x-request-id", value: requestID))
        return response
    }

    /// The server as a service of the executable's `ServiceGroup`: listens on `host:port`; on
    /// graceful shutdown it stops accepting, drains in-flight requests and returns.
    public func service(host: String = "0.0.0.0", port: Int, onRunning: (@Sendable (Int) -> Void)? = nil) -> some Service {
        Application(
            responder: FunctionResponder(server: self),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in onRunning?(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// Serves until SIGTERM/SIGINT (tests and tools that run one server on its own).
    public func run(host: String = "0.0.0.0", port: Int, onRunning: (@Sendable (Int) -> Void)? = nil) async throws {
        try await FunctionMain.runServices([service(host: host, port: port, onRunning: onRunning)], logger: logger)
    }
}

extension FunctionMain {
    /// The entry point of an HTTP function executable: `FunctionMain.run` with one server on
    /// `$HOST:$PORT` (default `0.0.0.0:8080`, the Knative / Cloud Run contract).
    public static func serve<Function: HTTPFunction>(
        name: String, _ makeFunction: @escaping @Sendable (Settings.Environment, Logger) async throws -> Function
    ) async -> Never {
        await run(name: name) { environment, logger in
            let port = try environment.int("PORT", default: 8080, range: 1...65535)
            let host = environment.optional("HOST") ?? "0.0.0.0"
            let function = try await makeFunction(environment, logger)
            return [HTTPFunctionServer(function: function, logger: logger).service(host: host, port: port)]
        }
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
