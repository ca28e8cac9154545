import JSONValue

/// Which claims a scope value releases (OIDC Core §5.4). Claims no standard scope covers (`hd`,
/// `tid`, custom ones) are always released, as providers put them in every token.
enum ScopeClaims {
    static let supportedScopes = ["openid", "email", "profile"]

    static let byScope: [String: Set<String>] = [
        "profile": ["name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
                    "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at"],
        "email": ["email", "email_verified"],
        "address": ["address"],
        "phone": ["phone_number", "phone_number_verified"],
    ]

    /// The standard user claims the stand-in knows of (discovery's `claims_supported`).
    static let standardClaims = ["email", "email_verified", "name"]

    /// The supported scope values of a request, in request order, each once (unknown values are
    /// ignored, OIDC Core §3.1.2.1).
    static func granted(from requested: String) -> [String] {
        var granted: [String] = []
        for value in requested.split(separator: " ").map(String.init) where supportedScopes.contains(value) && !granted.contains(value) {
            granted.append(value)
        }
        return granted
    }

    /// `claims` without those that belong to a scope that was not granted.
    static func released(_ claims: [String: JSONValue], scopes: [String]) -> [String: JSONValue] {
        let withheld = byScope.filter { !scopes.contains($0.key) }.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        return claims.filter { !withheld.contains($0.key) }
    }
}
