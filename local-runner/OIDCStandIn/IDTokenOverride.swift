public import JSONValue

/// A deviation for the next ID token the token endpoint issues (then it is used up), so a
/// relying party's tests can check that it refuses each kind of bad token.
public struct IDTokenOverride: Sendable, Equatable {
    public enum Algorithm: String, Sendable, CaseIterable {
        /// `alg` `none` and an empty signature (`header.payload.`).
        case none
        /// HMAC-SHA256 keyed with the client's secret, as OIDC Core §10.1 defines HS256: valid
        /// only for a relying party that registered HS256, which the discovery document rules out.
        case hs256 = "HS256"
        /// The normal signature (useful with claim changes only).
        case rs256 = "RS256"
        /// RS256 with a key that `/jwks` does not publish, under a `kid` it does not list.
        case unknownKey = "unknown-key"
    }

    public var algorithm: Algorithm
    /// Claims to set; `.null` removes the claim (e.g. `"nonce": null`).
    public var claims: [String: JSONValue]

    public init(algorithm: Algorithm = .rs256, claims: [String: JSONValue] = [:]) {
        self.algorithm = algorithm
        self.claims = claims
    }

    /// `{"alg"?, "claims"?}` from the control endpoint.
    init(json: JSONValue) throws(OIDCStandInInputError) {
        guard let object = json.objectValue else { throw OIDCStandInInputError("the body must be a JSON object") }
        if let unknown = object.keys.first(where: { !["alg", "claims"].contains($0) }) {
            throw OIDCStandInInputError("unknown member \(unknown); give alg and/or claims")
        }
        var algorithm = Algorithm.rs256
        if let alg = object["alg"], !alg.isNull {
            guard let name = alg.stringValue, let known = Algorithm(rawValue: name) else {
                throw OIDCStandInInputError("alg must be one of " + Algorithm.allCases.map(\.rawValue).joined(separator: ", "))
            }
            algorithm = known
        }
        var claims: [String: JSONValue] = [:]
        if let value = object["claims"], !value.isNull {
            guard let members = value.objectValue else { throw OIDCStandInInputError("claims must be a JSON object") }
            claims = members
        }
        self.init(algorithm: algorithm, claims: claims)
    }

    var json: JSONValue { ["alg": .string(algorithm.rawValue), "claims": .object(claims)] }
}

/// A refused control or test input (bad claims, unknown alg).
public struct OIDCStandInInputError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
