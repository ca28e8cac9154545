public import AccessTokens
import BlockingIO
public import CryptoExtras
import JSONValue
import NIOConcurrencyHelpers
public import Postgres

/// The public halves of the project's own signing keys (the auth function's, migration 7), read
/// from Postgres: every function that verifies access tokens already has the database, so no
/// HTTP hop to the auth function is needed. An unknown `kid` re-reads the keys (the auth function
/// publishes a key `AccessTokenKeys.publishLeadSeconds` before it signs with it), at most once per
/// `minimumRefreshSeconds`, so forged kids cannot flood the database.
public final class DatabaseKeySource: VerificationKeySource {
    private struct State {
        var keys: [String: _RSA.Signing.PublicKey] = [:]
        var lastFetch: UInt64 = 0
    }

    private let pool: PostgresPool
    private let minimumRefreshNanoseconds: UInt64
    private let state = NIOLockedValueBox(State())

    public init(pool: PostgresPool, minimumRefreshSeconds: Double = 1) {
        self.pool = pool
        self.minimumRefreshNanoseconds = UInt64(minimumRefreshSeconds * 1_000_000_000)
    }

    public func key(for kid: String) async throws -> _RSA.Signing.PublicKey? {
        let allowed = state.withLockedValue { state -> Bool? in
            if state.keys[kid] != nil { return nil }
            let now = monotonicNanoseconds()
            guard state.lastFetch == 0 || now - state.lastFetch >= minimumRefreshNanoseconds else { return false }
            state.lastFetch = now
            return true
        }
        switch allowed {
        case nil: return state.withLockedValue { $0.keys[kid] }
        case false?: return nil
        case true?:
            let rows = try await pool.withConnection { connection in
                try connection.query("SELECT kid, public_jwk::text AS jwk FROM signing_public_keys()").rows
            }
            let document = "{\"keys\":[" + rows.compactMap { $0["jwk"] }.joined(separator: ",") + "]}"
            let keys = try JSONWebKeySet(json: document).keys
            state.withLockedValue { $0.keys = keys }
            return keys[kid]
        }
    }
}
