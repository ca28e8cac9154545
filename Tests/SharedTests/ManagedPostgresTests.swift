import Postgres
import TestSupport
import Testing

/// Managed Postgres as operators run it: TLS with the server's certificate verified
/// (`sslmode=verify-full`), and the app role behind PgBouncer in transaction pooling mode.
@Suite struct ManagedPostgresTests {
    /// `host=localhost` (the certificate's only name) verifies; an unknown CA and a host the
    /// certificate does not name are refused before any query; the session really is encrypted.
    @Test func verifyFullChecksTheCertificateAndTheHostName() throws {
        let certificate = TestServices.postgresRootCertificate
        guard try Prerequisite.available(certificate == nil ? "the test Postgres has no TLS (openssl is not installed)" : nil) else { return }
        let url = try TestServices.superuserURL()
        let byName = url.replacing("@127.0.0.1:", with: "@localhost:")
        let verified = try PostgresConnection(url: byName + "?sslmode=verify-full&sslrootcert=\(certificate!)")
        #expect(try verified.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first?.bool("ssl") == true)

        // 127.0.0.1 is not a name in the certificate.
        #expect(throws: PostgresError.self) { try PostgresConnection(url: url + "?sslmode=verify-full&sslrootcert=\(certificate!)") }
        // A CA that did not sign the server's certificate (the server's own certificate is no CA).
        let serverCertificate = certificate!.replacing("root.crt", with: "server.crt")
        #expect(throws: PostgresError.self) { try PostgresConnection(url: byName + "?sslmode=verify-full&sslrootcert=\(serverCertificate)") }
    }

    /// The local runner's functions connect over plain TCP on loopback (libpq's implicit `prefer`
    /// had negotiated TLS once the embedded server offered it), and the same URL asking for TLS
    /// gets it (`bench … --database-tls`).
    @Test(.enabled(if: !TestServices.throughPgBouncer, "the PgBouncer pass connects through PgBouncer"))
    func localConnectionsArePlainUnlessTheyAskForTLS() throws {
        let url = try TestServices.databaseURL()
        #expect(url.hasSuffix("?sslmode=disable"))
        let plain = try PostgresConnection(url: url)
        #expect(try plain.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first?.bool("ssl") == false)
        guard try Prerequisite.available(TestServices.postgresRootCertificate == nil ? "the test Postgres has no TLS (openssl is not installed)" : nil) else { return }
        let encrypted = try PostgresConnection(url: url.replacing("?sslmode=disable", with: "?sslmode=require"))
        #expect(try encrypted.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first?.bool("ssl") == true)
    }

    /// Through PgBouncer in transaction mode every statement is unprepared (PgBouncer 1.18 keeps
    /// no named statements), tenant scope stays transaction-local, and consecutive transactions of
    /// one client may land on different server connections without leaking a tenant.
    /// Runs in `local-runner/test`'s second pass (through PgBouncer); the first pass reports it
    /// skipped.
    @Test(.enabled(if: TestServices.throughPgBouncer, "runs in the PgBouncer pass of local-runner/test"))
    func transactionPoolingKeepsTenantScopeTransactionLocal() throws {
        #expect(PostgresConnection.preparesStatementsByDefault == false)
        let a = try TestServices.makeCompany("Pooled A"), b = try TestServices.makeCompany("Pooled B")
        _ = try TestServices.addCreator(company: a, twitchUserID: TestServices.uniqueTwitchUserID(), login: "pooled_a")
        let connection = try PostgresConnection(url: try TestServices.databaseURL())
        for _ in 0..<20 {
            let seenByA = try connection.withTenantScope(companyId: a) { try connection.query("SELECT count(*) AS n FROM creators").first?["n"] }
            let seenByB = try connection.withTenantScope(companyId: b) { try connection.query("SELECT count(*) AS n FROM creators").first?["n"] }
            #expect(seenByA == "1" && seenByB == "0")
            // Outside any transaction no tenant is set, whichever server connection answers.
            #expect(try connection.query("SELECT current_company_id()::text AS id").first?["id"] == nil)
        }
        // The same statement many times: with named statements this fails behind PgBouncer 1.18.
        for index in 0..<50 { #expect(try connection.query("SELECT $1::int AS n", [String(index)]).first?["n"] == String(index)) }
    }
}
