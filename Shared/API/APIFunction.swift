public import Auth
public import BlockingIO
public import FunctionRuntime
public import FunctionServer
import Logging

/// An HTTP function serving a group of REST routes: route → verify the bearer token (tenant and
/// role come only from it) → per-tenant rate limit → role check → handler. Errors become the JSON
/// error shape.
public struct APIFunction: HTTPFunction {
    public let routes: [APIRoute]
    /// Routes answered without a token (the OpenAPI document).
    public let publicRoutes: [String: @Sendable (FunctionRequest) -> FunctionResponse]
    private let verifier: AccessTokenVerifier
    private let rateLimiter: RateLimiter?
    private let now: @Sendable () -> Double

    public init(routes: [APIRoute], verifier: AccessTokenVerifier, rateLimiter: RateLimiter?,
                publicRoutes: [String: @Sendable (FunctionRequest) -> FunctionResponse] = [:],
                now: @escaping @Sendable () -> Double = wallClockSeconds) {
        self.routes = routes
        self.verifier = verifier
        self.rateLimiter = rateLimiter
        self.publicRoutes = publicRoutes
        self.now = now
    }

    public var maxBodyBytes: Int { 256 * 1024 }

    public func handle(_ request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        do {
            return try await route(request, context: context)
        } catch let error as FunctionError {
            return .error(error, requestID: context.requestID)
        }
    }

    private func route(_ request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        if let handler = publicRoutes[request.path] {
            guard request.method == "GET" else {
                var error = FunctionError(status: 405, code: "method_not_allowed", message: "\(request.method) is not allowed here")
                error.headers = [("allow", "GET")]
                throw error
            }
            return handler(request)
        }
        let candidates = routes.compactMap { route in route.match(request.path).map { (route, $0) } }
        guard !candidates.isEmpty else { throw FunctionError.notFound("route") }
        guard let (route, parameters) = candidates.first(where: { $0.0.method == request.method }) else {
            var error = FunctionError(status: 405, code: "method_not_allowed", message: "\(request.method) is not allowed here")
            error.headers = [("allow", candidates.map(\.0.method).joined(separator: ", "))]
            throw error
        }
        let claims: AccessClaims
        do {
            claims = try await verifier.verify(authorizationHeader: request.header("authorization"), now: now())
        } catch {
            context.logger.notice("token refused", metadata: ["reason": "\(error.reason.rawValue)"])
            var refusal = FunctionError.unauthorized(error.description)
            refusal.headers = [("www-authenticate", "Bearer")]
            throw refusal
        }
        var logger = context.logger
        logger[metadataKey: "companyId"] = .string(claims.companyID)
        logger[metadataKey: "userId"] = .string(claims.subject)
        if let rateLimiter { try await rateLimiter.check(companyID: claims.companyID) }
        guard claims.role >= route.minimumRole else { throw FunctionError.forbidden() }
        let apiRequest = APIRequest(raw: request, claims: claims, requestID: context.requestID, pathParameters: parameters,
                                    context: FunctionContext(requestID: context.requestID, logger: logger))
        return try await route.handler(apiRequest)
    }
}
