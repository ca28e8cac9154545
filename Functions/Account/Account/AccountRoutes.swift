import Audit
public import API
import AccessTokens
public import BlockingIO
import FunctionRuntime
import FunctionServer
import JSONValue
import Postgres

/// `account`: who am I (`/api/me`), the company's branding, and pre-signed logo uploads.
public struct AccountRoutes: Sendable {
    let database: TenantDatabase
    let logos: any LogoUploads
    let now: @Sendable () -> Double

    public static let logoContentTypes = ["image/png", "image/jpeg", "image/svg+xml", "image/webp"]
    public static let logoMaxBytes = 2 * 1024 * 1024
    public static let uploadExpirySeconds = 600

    public init(database: TenantDatabase, logos: any LogoUploads, now: @escaping @Sendable () -> Double = wallClockSeconds) {
        self.database = database
        self.logos = logos
        self.now = now
    }

    public var routes: [APIRoute] {
        [
            APIRoute("GET", "/api/me", minimumRole: .viewer, summary: "The caller, their company, role and branding", handler: me),
            APIRoute("GET", "/api/branding", minimumRole: .viewer, scope: "branding:read", summary: "The company's branding", handler: getBranding),
            APIRoute("PUT", "/api/branding", minimumRole: .admin, summary: "Replace the company's branding", handler: putBranding),
            APIRoute("POST", "/api/branding/logo-upload-url", minimumRole: .admin, summary: "A pre-signed URL to upload a logo",
                     handler: logoUploadURL),
        ]
    }

    struct Company: Sendable { let id: String; let name: String; let branding: JSONValue }

    private func company(_ claims: AccessClaims) async throws -> Company {
        let row = try await database.transaction(claims) { connection in
            try connection.query("SELECT id, name, branding::text AS branding FROM companies WHERE id = current_company_id()").first
        }
        // A valid token for a company that does not exist (deleted agency): nothing to show.
        guard let row else { throw FunctionError.notFound("company") }
        return Company(id: row["id"] ?? "", name: row["name"] ?? "", branding: (try? JSONParser.parse(row["branding"] ?? "{}")) ?? [:])
    }

    /// Branding as clients get it: stored fields plus a short-lived logo URL.
    private func present(_ company: Company) -> JSONValue {
        var branding = company.branding.objectValue ?? [:]
        if branding["displayName"] == nil { branding["displayName"] = .string(company.name) }
        if let key = branding["logoKey"]?.stringValue {
            branding["logoUrl"] = (try? logos.downloadURL(key: key, expiresInSeconds: 900, now: now())).map(JSONValue.string) ?? .null
        }
        return .object(branding)
    }

    @Sendable func me(_ request: APIRequest) async throws -> FunctionResponse {
        let company = try await company(request.claims)
        return .json([
            "user": ["id": .string(request.claims.subject), "email": request.claims.email.map(JSONValue.string) ?? .null],
            "company": ["id": .string(company.id), "name": .string(company.name)],
            "role": .string(request.claims.role.rawValue),
            "branding": present(company),
        ])
    }

    @Sendable func getBranding(_ request: APIRequest) async throws -> FunctionResponse {
        .json(present(try await company(request.claims)))
    }

    @Sendable func putBranding(_ request: APIRequest) async throws -> FunctionResponse {
        let body = try request.jsonObject()
        var validator = FieldValidator(body)
        let companyID = request.claims.companyID
        let displayName = validator.string("displayName", required: false, maxLength: 100)
        let primary = validator.string("primaryColor", required: false, maxLength: 7) { Self.isHexColor($0) ? nil : "must be a hex colour like #1a2b3c" }
        let accent = validator.string("accentColor", required: false, maxLength: 7) { Self.isHexColor($0) ? nil : "must be a hex colour like #1a2b3c" }
        // The shape (the document's pattern ^companies/[^/]+/branding/[^/]+$) is a 422; a key of that
        // shape that this company was never given is a reference to nothing: 404.
        let logoKey = validator.string("logoKey", required: false, maxLength: 300) { key in
            let parts = Array(key.unicodeScalars).split(separator: "/", omittingEmptySubsequences: false)
            let shaped = parts.count == 4 && String(String.UnicodeScalarView(parts[0])) == "companies" && !parts[1].isEmpty
                && String(String.UnicodeScalarView(parts[2])) == "branding" && !parts[3].isEmpty
            return shaped ? nil : "must be a key returned by logo-upload-url"
        }
        try validator.finish(allowed: ["displayName", "primaryColor", "accentColor", "logoKey"])
        if let logoKey, !logoKey.hasPrefix("companies/\(companyID)/branding/") || logoKey.contains("..") {
            throw FunctionError.notFound("logo")
        }
        var branding: [String: JSONValue] = [:]
        if let displayName { branding["displayName"] = .string(displayName) }
        if let primary { branding["primaryColor"] = .string(primary.lowercased()) }
        if let accent { branding["accentColor"] = .string(accent.lowercased()) }
        if let logoKey { branding["logoKey"] = .string(logoKey) }
        let stored = JSONValue.object(branding)
        let actor = request.actor
        let claims = request.claims
        try await database.transaction(claims) { connection in
            guard let before = try connection.query("SELECT branding::text AS b FROM companies WHERE id = current_company_id() FOR UPDATE").first else {
                throw FunctionError.notFound("company")
            }
            try connection.query("UPDATE companies SET branding = $1::jsonb WHERE id = current_company_id()", [JSONWriter.string(stored)])
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "branding.update", targetType: "company",
                                targetID: claims.companyID, before: try? JSONParser.parse(before["b"] ?? "{}"), after: stored)
        }
        return .json(present(try await company(claims)))
    }

    @Sendable func logoUploadURL(_ request: APIRequest) async throws -> FunctionResponse {
        var validator = FieldValidator(try request.jsonObject())
        let contentType = validator.string("contentType", required: true, maxLength: 40) {
            Self.logoContentTypes.contains($0) ? nil : "must be one of \(Self.logoContentTypes.joined(separator: ", "))"
        }
        try validator.finish(allowed: ["contentType"])
        let upload = try logos.uploadURL(companyID: request.claims.companyID, contentType: contentType!, maxBytes: Self.logoMaxBytes,
                                         expiresInSeconds: Self.uploadExpirySeconds, now: now())
        return .json(["key": .string(upload.key), "url": .string(upload.url), "method": "PUT",
                      "headers": .object(upload.headers.mapValues(JSONValue.string)),
                      "maxBytes": .int(Int64(Self.logoMaxBytes)), "expiresIn": .int(Int64(Self.uploadExpirySeconds))], status: 201)
    }

    static func isHexColor(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "#"), bytes.count == 7 || bytes.count == 4 else { return false }
        return bytes.dropFirst().allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }
    }
}
