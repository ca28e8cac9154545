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
        try await key(for: kid, mayWait: true)
    }

    public func knownKey(for kid: String) -> _RSA.Signing.PublicKey? {
        state.withLockedValue { $0.keys[kid] }
    }

    /// A kid first seen within the floor of the last read waits for the floor to pass and reads
    /// once more (at most `minimumRefreshSeconds`): a key made just after the last read (the first
    /// sign-in of a fresh installation, a rotation) is found instead of refused. Forged kids wait
    /// too, and still cause at most one read per floor.
    private func key(for kid: String, mayWait: Bool) async throws -> _RSA.Signing.PublicKey? {
        let allowed = state.withLockedValue { state -> UInt64? in
            if state.keys[kid] != nil { return nil }
            let now = monotonicNanoseconds()
            guard state.lastFetch == 0 || now - state.lastFetch >= minimumRefreshNanoseconds else {
                return minimumRefreshNanoseconds - (now - state.lastFetch)
            }
            state.lastFetch = now
            return 0
        }
        switch allowed {
        case nil: return state.withLockedValue { $0.keys[kid] }
        case let wait? where wait > 0:
            guard mayWait else { return nil }
            try await Task.sleep(nanoseconds: wait)
            return try await key(for: kid, mayWait: false)
        case _?:
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
