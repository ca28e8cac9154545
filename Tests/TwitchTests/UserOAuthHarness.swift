import JSONValue
import Testing
import TwitchStandIn

/// What the user-authorization tests do to the stand-in's `/oauth2` endpoints, as a client would.
extension StandInFixture {
    static let formHeaders = [("Content-Type", "application/x-www-form-urlencoded")]

    /// `GET /oauth2/authorize` with the product's parameters.
    func authorize(scopes: [String], redirectURI: String, state: String? = "state-1", clientID: String? = nil,
                   responseType: String = "code") async throws -> RawResponse {
        var fields = [("client_id", clientID ?? server.configuration.clientID), ("redirect_uri", redirectURI),
                      ("response_type", responseType), ("scope", scopes.joined(separator: " "))]
        if let state { fields.append(("state", state)) }
        return try await raw("GET", "/oauth2/authorize?" + FormEncoding.encode(fields))
    }

    func postForm(_ path: String, _ fields: [(String, String)]) async throws -> RawResponse {
        try await raw("POST", path, headers: Self.formHeaders, body: FormEncoding.encode(fields))
    }

    /// `grant_type=authorization_code` with the configured client credentials unless given (an
    /// empty secret leaves the parameter out).
    func exchange(code: String, redirectURI: String, clientID: String? = nil, clientSecret: String? = nil) async throws -> RawResponse {
        var fields = [("client_id", clientID ?? server.configuration.clientID), ("code", code), ("grant_type", "authorization_code"),
                      ("redirect_uri", redirectURI)]
        let secret = clientSecret ?? server.configuration.clientSecret
        if !secret.isEmpty { fields.append(("client_secret", secret)) }
        return try await postForm("/oauth2/token", fields)
    }

    func refresh(_ refreshToken: String) async throws -> RawResponse {
        try await postForm("/oauth2/token", [("client_id", server.configuration.clientID), ("client_secret", server.configuration.clientSecret),
                                             ("grant_type", "refresh_token"), ("refresh_token", refreshToken)])
    }

    func validate(_ token: String) async throws -> RawResponse {
        try await raw("GET", "/oauth2/validate", headers: [("Authorization", "OAuth " + token)])
    }

    func revoke(_ token: String, clientID: String? = nil) async throws -> RawResponse {
        try await postForm("/oauth2/revoke", [("client_id", clientID ?? server.configuration.clientID), ("token", token)])
    }

    /// Auto-approval as `login`, a code flow through it, and the token response.
    func userTokens(login: String, scopes: [String], redirectURI: String = "http://127.0.0.1:9/twitch/callback") async throws -> JSONValue {
        let on = try await raw("POST", "/_stand-in/oauth/auto-approve", body: JSONWriter.string(["login": .string(login), "decision": "approve"]))
        #expect(on.status == 200)
        let redirect = try await authorize(scopes: scopes, redirectURI: redirectURI)
        let code = try #require(redirect.locationQuery["code"])
        let tokens = try await exchange(code: code, redirectURI: redirectURI)
        #expect(tokens.status == 200)
        return tokens.json
    }

    func authorization(of userID: String) async throws -> JSONValue {
        try await raw("GET", "/_stand-in/users/\(userID)/authorization").json
    }

    /// `POST /helix/eventsub/subscriptions` with an app token, raw (to see 403 bodies).
    func createSubscription(type: String, version: String, condition: [String: String], callback: String, secret: String) async throws -> RawResponse {
        let body: JSONValue = ["type": .string(type), "version": .string(version), "condition": .object(condition.mapValues { .string($0) }),
                               "transport": ["method": "webhook", "callback": .string(callback), "secret": .string(secret)]]
        return try await raw("POST", "/helix/eventsub/subscriptions", headers: try await authorizedHeaders() + [("Content-Type", "application/json")],
                             body: JSONWriter.string(body))
    }
}

extension RawResponse {
    var location: String? { headers["location"] }

    /// The query parameters of the `Location` header, decoded.
    var locationQuery: [String: String] {
        guard let location, let question = location.firstIndex(of: "?") else { return [:] }
        var result: [String: String] = [:]
        for pair in location[location.index(after: question)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            result[FormEncoding.decode(parts[0])] = parts.count > 1 ? FormEncoding.decode(parts[1]) : ""
        }
        return result
    }
}

/// `application/x-www-form-urlencoded` without Foundation (the test target has no URL encoder).
enum FormEncoding {
    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }

    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                      let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Reads the consent page's form the way a browser would submit it.
struct ConsentForm {
    let action: String
    /// The hidden fields, unescaped, in page order.
    let hidden: [(String, String)]

    init(html: String) throws {
        let form = try #require(html.firstRange(of: "<form "))
        let formTag = html[form.lowerBound...].prefix { $0 != ">" }
        action = try #require(Self.attribute("action", in: formTag))
        var fields: [(String, String)] = []
        var rest = html[form.upperBound...]
        while let input = rest.firstRange(of: "<input ") {
            let tag = rest[input.lowerBound...].prefix { $0 != ">" }
            if Self.attribute("type", in: tag) == "hidden", let name = Self.attribute("name", in: tag) {
                fields.append((name, Self.attribute("value", in: tag) ?? ""))
            }
            rest = rest[input.upperBound...]
        }
        hidden = fields
    }

    func value(_ name: String) -> String? { hidden.first { $0.0 == name }?.1 }

    /// `name="…"` of one tag, unescaped.
    static func attribute(_ name: String, in tag: Substring) -> String? {
        guard let start = tag.firstRange(of: " \(name)=\"") else { return nil }
        let value = tag[start.upperBound...].prefix { $0 != "\"" }
        return unescape(String(value))
    }

    static func unescape(_ text: String) -> String {
        text.replacing("&lt;", with: "<").replacing("&gt;", with: ">").replacing("&quot;", with: "\"").replacing("&#39;", with: "'")
            .replacing("&amp;", with: "&")
    }
}
