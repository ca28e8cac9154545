public import Access
import Settings
public import AccessTokens
public import BlockingIO
import Postgres
public import FunctionRuntime
public import FunctionServer
import Logging

/// An HTTP function serving a group of REST routes: route → verify the access token (a bearer
/// token, or the dashboard's session cookie plus its CSRF token on mutating requests; the tenant
/// comes only from the token) → the access check (the member's current role, never more than the
/// token's) → per-tenant rate limit → role check → handler. Errors become the JSON error shape.
/// A bearer token that starts `ccr_` is a service API key instead: route → the key (401 when
/// unknown, revoked or expired) → the key's own rate limit, then its company's → the route's
/// scope (403 `insufficient_scope`; no role check) → handler, acting as `key:<id>`.
public struct APIFunction: HTTPFunction {
    public let routes: [APIRoute]
    /// Routes answered without a token (the OpenAPI document).
    public let publicRoutes: [String: @Sendable (FunctionRequest) -> FunctionResponse]
    private let verifier: AccessTokenVerifier
    private let access: AccessCheck
    private let cookies: SessionCookies
    private let rateLimiter: RateLimiter?
    private let apiKeys: APIKeyAuthenticator?
    private let keyRateLimiter: RateLimiter?
    private let now: @Sendable () -> Double

    /// `apiKeys` nil: service API keys are refused (401); `keyRateLimiter` is each key's own budget.
    public init(routes: [APIRoute], verifier: AccessTokenVerifier, access: AccessCheck, cookies: SessionCookies,
                rateLimiter: RateLimiter?, apiKeys: APIKeyAuthenticator? = nil, keyRateLimiter: RateLimiter? = nil,
                publicRoutes: [String: @Sendable (FunctionRequest) -> FunctionResponse] = [:],
                now: @escaping @Sendable () -> Double = wallClockSeconds) {
        self.routes = routes
        self.verifier = verifier
        self.access = access
        self.cookies = cookies
        self.rateLimiter = rateLimiter
        self.apiKeys = apiKeys
        self.keyRateLimiter = keyRateLimiter
        self.publicRoutes = publicRoutes
        self.now = now
    }

    /// The usual wiring of a function's `main.swift`.
    public init(routes: [APIRoute], dependencies: APIDependencies,
                publicRoutes: [String: @Sendable (FunctionRequest) -> FunctionResponse] = [:]) {
        self.init(routes: routes, verifier: dependencies.verifier, access: dependencies.access, cookies: dependencies.cookies,
                  rateLimiter: dependencies.rateLimiter, apiKeys: dependencies.apiKeys, keyRateLimiter: dependencies.keyRateLimiter,
                  publicRoutes: publicRoutes)
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
        if let key = Self.presentedAPIKey(request.header("authorization")) {
            return try await routeAPIKey(key, route: route, parameters: parameters, request: request, context: context)
        }
        let claims = try await verifiedClaims(request, context: context)
        var logger = context.logger
        logger[metadataKey: "companyId"] = .string(claims.companyID)
        logger[metadataKey: "userId"] = .string(claims.subject)
        if let rateLimiter { try await rateLimiter.check(companyID: claims.companyID) }
        let key = AccessKey(claims)
        guard AccessCheck.isWellFormed(key) else { throw Self.notAMember }
        let context = FunctionContext(requestID: context.requestID, logger: logger)
        func run(as role: Role) async throws -> FunctionResponse {
            guard role >= route.minimumRole else { throw FunctionError.forbidden() }
            return try await route.handler(APIRequest(raw: request, claims: claims.with(role: role), requestID: context.requestID,
                                                      pathParameters: parameters, context: context))
        }
        do {
            if let cached = access.cached(key) {
                guard let member = cached else { throw Self.notAMember }
                return try await run(as: min(member, claims.role))
            }
            // Not cached: the role is read in the request's first tenant transaction (one round
            // trip, see `PendingAccess`), or, for a request that opened none, before it answers.
            let pending = PendingAccess(key: key, assumed: claims.role)
            var response: FunctionResponse
            do {
                response = try await PendingAccess.$current.withValue(pending) { try await run(as: claims.role) }
            } catch let retry as AccessRetry {
                access.remember(retry.role, for: key)
                return try await run(as: retry.role)
            } catch {
                if case .some(let found) = pending.result {
                    access.remember(found, for: key)
                    throw error
                }
                // It failed before any tenant statement (a bad body, say): answer with the
                // member's role, not the token's — a demoted admin gets 403, not a 422.
                let found = try await access.role(key)
                guard let member = found else { throw Self.notAMember }
                if member < claims.role { return try await run(as: member) }
                throw error
            }
            let found: Role?
            if case .some(let read) = pending.result { found = read } else { found = try await access.role(key) }
            access.remember(found, for: key)
            guard let member = found else { throw Self.notAMember }
            if member < claims.role { response = try await run(as: member) }
            return response
        } catch let error as PostgresError where error.kind == .connection {
            throw FunctionError.unavailable("database unavailable, retry later")
        }
    }

    static let notAMember = FunctionError(status: 403, code: "not_a_member",
                                          message: "you are not a member of this company (or your session ended)")

    /// The key of `Authorization: Bearer ccr_…` (any other bearer token is an access token).
    static func presentedAPIKey(_ authorization: String?) -> String? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = String(parts[1]).trimmingWhitespace()
        return APIKeyFormat.isAPIKey(token) ? token : nil
    }

    /// A request made with a service API key: the key's company, its scopes instead of a role.
    private func routeAPIKey(_ key: String, route: APIRoute, parameters: [String: String], request: FunctionRequest,
                             context: FunctionContext) async throws -> FunctionResponse {
        let identity: APIKeyIdentity
        do {
            guard let apiKeys else { throw APIKeyRefusal(reason: .unknown) }
            identity = try await apiKeys.authenticate(key)
        } catch let refusal as APIKeyRefusal {
            context.logger.notice("api key refused", metadata: ["reason": "\(refusal.reason.rawValue)"])
            var error = FunctionError.unauthorized(refusal.description)
            error.headers = [("www-authenticate", "Bearer")]
            throw error
        } catch let error as PostgresError where error.kind == .connection {
            throw FunctionError.unavailable("database unavailable, retry later")
        }
        var logger = context.logger
        logger[metadataKey: "companyId"] = .string(identity.companyID)
        logger[metadataKey: "userId"] = .string(identity.subject)
        // The key's own budget first (a key refused by it spends none of its company's), then the company's.
        if let keyRateLimiter {
            try await keyRateLimiter.check(bucket: "apikey:\(identity.id)", message: "too many requests for this API key; retry later")
        }
        if let rateLimiter { try await rateLimiter.check(companyID: identity.companyID) }
        guard let scope = route.scope, identity.scopes.contains(scope) else {
            throw FunctionError(status: 403, code: "insufficient_scope",
                                message: route.scope.map { "this API key lacks the scope \($0)" } ?? "API keys cannot use this route")
        }
        var apiRequest = APIRequest(raw: request, claims: identity.claims, requestID: context.requestID, pathParameters: parameters,
                                    context: FunctionContext(requestID: context.requestID, logger: logger))
        apiRequest.apiKeyID = identity.id
        return try await route.handler(apiRequest)
    }

    /// The claims of the request's access token: `Authorization: Bearer`, else the session cookie
    /// (then a mutating request must carry the CSRF token).
    private func verifiedClaims(_ request: FunctionRequest, context: FunctionContext) async throws -> AccessClaims {
        let authorization = request.header("authorization")
        var cookieToken: String?
        if authorization == nil {
            let jar = SessionCookies.parse(request.header("cookie"))
            cookieToken = jar[cookies.access]
            if cookieToken != nil, !cookies.allowsMutation(method: request.method, cookies: jar, csrfHeader: request.header(SessionCookies.csrfHeader),
                                                           fetchSite: request.header("sec-fetch-site")) {
                throw FunctionError(status: 403, code: "csrf_failed", message: "missing or wrong X-CSRF-Token for a cookie session")
            }
        }
        do {
            if let cookieToken { return try await verifier.verify(token: cookieToken, now: now()) }
            return try await verifier.verify(authorizationHeader: authorization, now: now())
        } catch {
            context.logger.notice("token refused", metadata: ["reason": "\(error.reason.rawValue)"])
            var refusal = FunctionError.unauthorized(error.description)
            refusal.headers = [("www-authenticate", "Bearer")]
            throw refusal
        }
    }
}
