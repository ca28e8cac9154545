import Crypto
import JSONValue
import OpenIDConnect
import Redis

/// One sign-in in progress: what the callback must find again. Kept server side in Redis for
/// ten minutes under its `state`, and taken out exactly once (GETDEL): a replayed `state` finds
/// nothing. `browserBinding` is the SHA-256 of a random value kept in the browser's login cookie,
/// so a `state` only completes in the browser that started it (RFC 9700 §2.1).
struct LoginTransaction: Sendable, Equatable {
    let providerID: String
    let nonce: String
    let codeVerifier: String
    let returnTo: String
    let browserBinding: String
    /// The invitation link's token, when the sign-in started from one.
    let invitation: String?

    var json: String {
        JSONWriter.string(["p": .string(providerID), "n": .string(nonce), "v": .string(codeVerifier), "r": .string(returnTo),
                           "b": .string(browserBinding), "i": invitation.map(JSONValue.string) ?? .null])
    }

    init(providerID: String, nonce: String, codeVerifier: String, returnTo: String, browserBinding: String, invitation: String? = nil) {
        self.providerID = providerID
        self.nonce = nonce
        self.codeVerifier = codeVerifier
        self.returnTo = returnTo
        self.browserBinding = browserBinding
        self.invitation = invitation
    }

    init?(json text: String) {
        guard let value = try? JSONParser.parse(text), let provider = value["p"]?.stringValue, let nonce = value["n"]?.stringValue,
              let verifier = value["v"]?.stringValue, let returnTo = value["r"]?.stringValue, let binding = value["b"]?.stringValue
        else { return nil }
        self.init(providerID: provider, nonce: nonce, codeVerifier: verifier, returnTo: returnTo, browserBinding: binding,
                  invitation: value["i"]?.stringValue)
    }

    static func binding(of cookieValue: String) -> String {
        SHA256.hash(data: Array(cookieValue.utf8)).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

/// Short-lived server-side records of the sign-in: transactions by `state`, and company choices
/// (a signed-in user with several companies picks one before a session exists).
struct LoginStore: Sendable {
    let redis: RedisClient
    static let lifetimeSeconds = 600

    func save(_ transaction: LoginTransaction, state: String) async throws {
        _ = try await redis.send(["SET", "auth:login:" + state, transaction.json, "EX", String(Self.lifetimeSeconds)])
    }

    /// The transaction for `state`, removed in the same step (single use).
    func take(state: String) async throws -> LoginTransaction? {
        guard let text = try await redis.send(["GETDEL", "auth:login:" + state]).string else { return nil }
        return LoginTransaction(json: text)
    }

    func savePick(_ pick: PendingPick, token: String) async throws {
        _ = try await redis.send(["SET", "auth:pick:" + token, pick.json, "EX", String(Self.lifetimeSeconds)])
    }

    func pick(token: String) async throws -> PendingPick? {
        guard let text = try await redis.send(["GET", "auth:pick:" + token]).string else { return nil }
        return PendingPick(json: text)
    }

    func dropPick(token: String) async throws {
        _ = try await redis.send(["DEL", "auth:pick:" + token])
    }
}

/// A user who signed in and belongs to several companies, before they picked one.
struct PendingPick: Sendable {
    let userID: String
    let issuer: String
    let email: String
    let returnTo: String

    var json: String {
        JSONWriter.string(["u": .string(userID), "i": .string(issuer), "e": .string(email), "r": .string(returnTo)])
    }

    init(userID: String, issuer: String, email: String, returnTo: String) {
        self.userID = userID
        self.issuer = issuer
        self.email = email
        self.returnTo = returnTo
    }

    init?(json text: String) {
        guard let value = try? JSONParser.parse(text), let user = value["u"]?.stringValue, let issuer = value["i"]?.stringValue,
              let email = value["e"]?.stringValue, let returnTo = value["r"]?.stringValue
        else { return nil }
        self.init(userID: user, issuer: issuer, email: email, returnTo: returnTo)
    }
}
