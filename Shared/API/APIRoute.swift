public import Audit
import URLEncoding
import Settings
public import AccessTokens
public import FunctionRuntime
public import FunctionServer
public import JSONValue

/// One authenticated request, after routing, token verification and the role check.
public struct APIRequest: Sendable {
    public let raw: FunctionRequest
    public let claims: AccessClaims
    public let requestID: String
    public let pathParameters: [String: String]
    public let context: FunctionContext
    /// The service API key the request authenticated with (nil for a member's token).
    public var apiKeyID: String? = nil

    public func parameter(_ name: String) -> String { pathParameters[name] ?? "" }

    /// The body as a JSON object (400 when it is not one).
    public func jsonObject() throws -> [String: JSONValue] {
        guard !raw.body.isEmpty else { throw FunctionError.badRequest("request body must be a JSON object") }
        guard let value = try? JSONParser.parse(raw.body), let object = value.objectValue else {
            throw FunctionError.badRequest("request body must be a JSON object")
        }
        return object
    }

    /// Who did it, for audit rows: a member (user id, role), or an API key (`key:<id>`, `api_key`).
    public var actor: AuditActor {
        AuditActor(userID: claims.subject, role: apiKeyID == nil ? claims.role.rawValue : "api_key", requestID: requestID, ip: raw.clientIP,
                   userAgent: raw.header("user-agent"))
    }
}

extension FunctionRequest {
    /// The client's address: the first `X-Forwarded-For` hop (set by the proxy in front), else the
    /// peer; only a plain IP literal.
    public var clientIP: String? {
        (header("x-forwarded-for")?.split(separator: ",").first.map { String($0).trimmingWhitespace() } ?? remoteAddress).flatMap(AuditLog.validIP)
    }
}

/// A route of a REST function: method, path pattern (`/api/creators/:id`), the least role allowed,
/// the API key scope that opens it (nil: members only), and the handler. Role and scope checks
/// live here, in one place, declared next to each route.
public struct APIRoute: Sendable {
    public let method: String
    public let pattern: String
    public let minimumRole: Role
    /// The scope (one of `APIScope.all`) a service API key needs for this route; nil closes it to keys.
    public let scope: String?
    public let summary: String
    public let handler: @Sendable (APIRequest) async throws -> FunctionResponse

    public init(_ method: String, _ pattern: String, minimumRole: Role, scope: String? = nil, summary: String = "",
                handler: @escaping @Sendable (APIRequest) async throws -> FunctionResponse) {
        self.method = method
        self.pattern = pattern
        self.minimumRole = minimumRole
        self.scope = scope
        self.summary = summary
        self.handler = handler
    }

    /// The OpenAPI form of the pattern (`/api/creators/{id}`).
    public var openAPIPath: String {
        pattern.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }

    func match(_ path: String) -> [String: String]? {
        let patternParts = pattern.split(separator: "/")
        let pathParts = path.split(separator: "/")
        guard patternParts.count == pathParts.count else { return nil }
        var parameters: [String: String] = [:]
        for (expected, actual) in zip(patternParts, pathParts) {
            if expected.hasPrefix(":") {
                guard let decoded = PercentEncoding.decode(actual), !decoded.isEmpty else { return nil }
                parameters[String(expected.dropFirst())] = decoded
            } else if expected != actual {
                return nil
            }
        }
        return parameters
    }
}

