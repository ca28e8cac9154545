import Access
import AccessTokens
import BlockingIO
import CryptoExtras
import JSONValue
import Postgres
import TestSupport
import Testing

/// The project's own signing keys, read from Postgres by every verifier.
@Suite struct DatabaseKeySourceTests {
    /// A key added just after a read (the first sign-in of a fresh installation, a rotation) is
    /// found by waiting out the refetch floor, not refused; and a kid nobody has costs at most one
    /// read per floor.
    @Test func aKeyAddedJustAfterAReadIsFoundAfterTheFloor() async throws {
        let pool = PostgresPool(url: try TestServices.databaseURL(), size: 1)
        let source = DatabaseKeySource(pool: pool, minimumRefreshSeconds: 1)
        let unknown = "unknown-\(UInt64.random(in: 0 ... .max))"
        #expect(try await source.key(for: unknown) == nil)

        let key = try AccessTokenSigner.generateKey()
        let kid = "test-\(UInt64.random(in: 0 ... .max))"
        let jwk = try #require(try JSONParser.parse(JSONWebKeySet.document(kid: kid, publicKey: key.publicKey))["keys"]?.arrayValue?.first)
        try await pool.withConnection { connection in
            // A sealed half nobody can open: published, never used to sign.
            _ = try connection.query("SELECT signing_key_add($1, $2::jsonb, '\\x00'::bytea)", [kid, JSONWriter.string(jwk)])
        }
        let started = monotonicNanoseconds()
        let found = try await source.key(for: kid)
        let waited = Double(monotonicNanoseconds() - started) / 1e9
        #expect(found?.derRepresentation == key.publicKey.derRepresentation)
        #expect(waited < 1.5, "waited \(waited) s")
        // Unknown kids right after: refused, without another read before the floor (no flood).
        let before = monotonicNanoseconds()
        #expect(try await source.key(for: unknown) == nil)
        #expect(Double(monotonicNanoseconds() - before) / 1e9 < 1.5)
        await pool.shutdown()
    }
}

extension DatabaseKeySourceTests {
    /// With several sources (the project's keys, then a development key), a kid one of them
    /// already holds is answered at once: the database source is not read and not waited for.
    @Test func aKidAnotherSourceHoldsNeverWaitsForTheDatabase() async throws {
        let pool = PostgresPool(url: try TestServices.databaseURL(), size: 1)
        let database = DatabaseKeySource(pool: pool, minimumRefreshSeconds: 30)
        let development = StaticKeySource(jwks: JSONWebKeySet(keys: ["dev": try AccessTokenSigner.generateKey().publicKey]))
        let keys = KeySources([database, development])
        #expect(try await keys.key(for: "dev") != nil)
        // The database source has read once (within its 30 s floor now); the development kid must
        // not wait for that floor.
        _ = try await database.key(for: "warm-\(UInt64.random(in: 0 ... .max))")
        let started = monotonicNanoseconds()
        for _ in 0..<100 { #expect(try await keys.key(for: "dev") != nil) }
        #expect(Double(monotonicNanoseconds() - started) / 1e9 < 0.5)
        await pool.shutdown()
    }
}
