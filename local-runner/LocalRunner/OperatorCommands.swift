import Postgres
import Settings

/// Operator actions on a running instance, through the owner role (DATABASE_ADMIN_URL). Every
/// write still happens inside the company's tenant scope, so RLS checks it like any other.
public struct OperatorCommands: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    let adminURL: String

    public init(adminURL: String) {
        self.adminURL = adminURL
    }

    /// Creates a company and returns its id.
    public func createCompany(name: String) throws -> String {
        let trimmed = name.trimmingWhitespace()
        guard (1...200).contains(trimmed.count) else { throw Failure(description: "company name must be 1 to 200 characters") }
        let connection = try PostgresConnection(url: adminURL)
        let id = try connection.query("SELECT gen_random_uuid()::text AS id").first!.require("id")
        _ = try connection.withTenantScope(companyId: id) {
            try connection.query("INSERT INTO companies (id, name) VALUES ($1, $2)", [id, trimmed])
        }
        return id
    }

    /// Makes `email` a member of a company with `role` (creating the user; changing the role of an
    /// existing member) and returns the user id. How an operator seeds a company's first owner:
    /// that person then signs in with a provider that verified the same email.
    public func addMember(companyID: String, email: String, role: String) throws -> String {
        guard TenantID.isValid(companyID) else { throw Failure(description: "--company must be a company id (UUID), got \(companyID)") }
        let address = try validatedEmail(email)
        guard ["owner", "admin", "operator", "viewer"].contains(role) else {
            throw Failure(description: "role must be owner, admin, operator or viewer, got \(role)")
        }
        let connection = try PostgresConnection(url: adminURL)
        return try connection.withTenantScope(companyId: companyID) {
            guard !(try connection.query("SELECT 1 FROM companies WHERE id = $1", [companyID]).isEmpty) else {
                throw Failure(description: "no company with id \(companyID)")
            }
            let user = try connection.query("SELECT ensure_user($1)::text AS id", [address]).first!.require("id")
            try connection.query("""
                INSERT INTO memberships (company_id, user_id, role) VALUES ($1, $2, $3)
                ON CONFLICT (company_id, user_id) DO UPDATE SET role = EXCLUDED.role
                """, [companyID, user, role])
            return user
        }
    }

    /// The email, trimmed and lowercased, or a readable failure.
    public func validatedEmail(_ email: String) throws -> String {
        let address = email.trimmingWhitespace().lowercased()
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, address.count <= 254, !address.contains(" ") else {
            throw Failure(description: "not an email address: \(email)")
        }
        return address
    }

    /// Sets a company's sign-in requirement: only through the provider with `issuer` (nil: any
    /// configured provider), and only for emails of `domains` (empty: any). Audited as an operator
    /// action. Sessions already open stay until they end; new sign-ins and switches follow it.
    public func setSignInRequirement(companyID: String, issuer: String?, domains: [String]) throws {
        guard TenantID.isValid(companyID) else { throw Failure(description: "--company must be a company id (UUID), got \(companyID)") }
        if let issuer, !(issuer.hasPrefix("https://") || issuer.hasPrefix("http://")) {
            throw Failure(description: "--issuer must be the provider's issuer URL, got \(issuer)")
        }
        let cleaned = domains.map { $0.trimmingWhitespace().lowercased() }.filter { !$0.isEmpty }
        for domain in cleaned where !domain.contains(".") || domain.contains("@") || domain.contains(" ") || domain.contains(",") {
            throw Failure(description: "--domains must be email domains like agency.com, got \(domain)")
        }
        let connection = try PostgresConnection(url: adminURL)
        try connection.withTenantScope(companyId: companyID) {
            guard let before = try connection.query("""
                SELECT coalesce(sso_issuer, '') AS issuer, array_to_string(sso_email_domains, ',') AS domains FROM companies WHERE id = $1
                """, [companyID]).first
            else { throw Failure(description: "no company with id \(companyID)") }
            try connection.query("UPDATE companies SET sso_issuer = $2, sso_email_domains = $3::text[] WHERE id = $1",
                                 [companyID, issuer, PostgresArray.literal(cleaned)])
            try connection.query("""
                INSERT INTO audit_logs (company_id, actor_user_id, actor_role, action, target_type, target_id, before, after)
                VALUES ($1::uuid, 'operator', 'operator', 'company.sign_in_requirement', 'company', $1::text,
                        jsonb_build_object('issuer', $2::text, 'domains', $3::text), jsonb_build_object('issuer', $4::text, 'domains', $5::text))
                """, [companyID, before["issuer"] ?? "", before["domains"] ?? "", issuer ?? "", cleaned.joined(separator: ",")])
        }
    }

    /// The user id of a member of a company by email, or nil.
    public func memberID(companyID: String, email: String) throws -> String? {
        guard TenantID.isValid(companyID) else { throw Failure(description: "--company must be a company id (UUID), got \(companyID)") }
        let connection = try PostgresConnection(url: adminURL)
        return try connection.withTenantScope(companyId: companyID) {
            try connection.query("""
                SELECT u.id::text AS id FROM memberships m JOIN users u ON u.id = m.user_id WHERE lower(u.email) = lower($1)
                """, [email.trimmingWhitespace()]).first?["id"]
        }
    }

    /// Adds a creator to a company and returns the creator's id.
    public func addCreator(companyID: String, twitchUserID: String, login: String, displayName: String?) throws -> String {
        guard TenantID.isValid(companyID) else { throw Failure(description: "--company must be a company id (UUID), got \(companyID)") }
        guard !twitchUserID.isEmpty, twitchUserID.count <= 20, twitchUserID.allSatisfy(\.isASCIIDigit) else {
            throw Failure(description: "--twitch-user-id must be Twitch's numeric user id, got \(twitchUserID)")
        }
        let loginText = login.lowercased()
        guard (1...64).contains(loginText.count), loginText.allSatisfy({ $0.isASCIIDigit || ($0 >= "a" && $0 <= "z") || $0 == "_" }) else {
            throw Failure(description: "--login must be a Twitch login (letters, digits, underscore), got \(login)")
        }
        let connection = try PostgresConnection(url: adminURL)
        return try connection.withTenantScope(companyId: companyID) {
            guard !(try connection.query("SELECT 1 FROM companies WHERE id = $1", [companyID]).isEmpty) else {
                throw Failure(description: "no company with id \(companyID)")
            }
            do {
                return try connection.query("""
                    INSERT INTO creators (company_id, twitch_user_id, login, display_name) VALUES ($1, $2, $3, $4) RETURNING id
                    """, [companyID, twitchUserID, loginText, displayName ?? login]).first!.require("id")
            } catch let error as PostgresError where error.isUniqueViolation {
                throw Failure(description: "this company already tracks Twitch user \(twitchUserID)")
            }
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { self >= "0" && self <= "9" }
}

