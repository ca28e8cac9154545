import BlockingIO
import Files
import JSONValue
import Postgres
import Processes
import Settings
import TestSupport
import Testing

/// The same sign-in against a third-party OpenID provider made for testing relying parties:
/// `oidc-provider-mock` from PyPI (pinned in Tests/requirements.txt), run as its own process. So
/// we do not only agree with our own stand-in.
@Suite struct ThirdPartyProviderTests {
    static var missing: String? {
        let found = ["/usr/local/bin/oidc-provider-mock", "/usr/bin/oidc-provider-mock"].first(where: FileSystem.exists)
            ?? (Environment().optional("PATH") ?? "").split(separator: ":").map { "\($0)/oidc-provider-mock" }.first(where: FileSystem.exists)
        return found == nil ? "oidc-provider-mock is not installed: python3 -m pip install -r Tests/requirements.txt (local-runner/test does this)" : nil
    }

    static func executable() -> String {
        (Environment().optional("PATH") ?? "").split(separator: ":").map { "\($0)/oidc-provider-mock" }.first(where: FileSystem.exists)
            ?? "oidc-provider-mock"
    }

    @Test func signInThroughOIDCProviderMock() async throws {
        guard try Prerequisite.available(Self.missing) else { return }
        let port = try Ports.freeServerPort()
        let subject = AuthHarness.unique("mock")
        let email = "\(subject)@mock-idp.test"
        let claims = "{\"sub\":\"\(subject)\",\"email\":\"\(email)\",\"email_verified\":true,\"name\":\"Mock User\"}"
        let scratch = try FileSystem.temporaryDirectory(prefix: "ccr-oidc-mock")
        defer { FileSystem.removeTree(scratch) }
        let process = try ChildProcess(executable: Self.executable(), arguments: ["--port", String(port), "--user-claims", claims, "--require-nonce", "true"],
                                       environment: Environment().all, outputPath: scratch + "/mock.log")
        do {
            try await Self.signIn(port: port, subject: subject, email: email, process: process, log: scratch + "/mock.log")
        } catch {
            Issue.record(error)
        }
        _ = await process.terminate()
    }

    static func signIn(port: Int, subject: String, email: String, process: ChildProcess, log: String) async throws {
        let started = monotonicNanoseconds()
        while !Ports.isAccepting(port: port) {
            guard process.exitStatusIfExited() == nil else { Issue.record("oidc-provider-mock exited: \(FileSystem.readText(log) ?? "")"); return }
            guard monotonicNanoseconds() - started < 30_000_000_000 else { Issue.record("oidc-provider-mock did not start"); return }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let issuer = "http://127.0.0.1:\(port)"
        let harness = try AuthHarness(provider: AuthHarness.provider(id: "mock", issuer: issuer, clientID: "ccr-interop", clientSecret: "interop-secret"),
                                  providerPostsWholeRequest: false)
        let (company, userID) = try AuthHarness.company("Auth: third-party provider", member: email, role: "viewer")
        let browser = Browser(harness)
        let done = try await browser.signIn(subject: subject)
        #expect(done.status == 303, "\(done.status): \(done.text)")
        let session = await browser.call("GET", "/auth/session")
        #expect(session.json["user"]?["id"]?.stringValue == userID && session.json["company"]?["id"]?.stringValue == company, "\(session.text)")
        let identity = try TestServices.superuserQuery("SELECT issuer, subject FROM user_identities WHERE user_id = $1", [userID])
        #expect(identity.rows.map { [$0["issuer"] ?? "", $0["subject"] ?? ""] } == [[issuer, subject]], "keyed by (issuer, subject)")
        await harness.shutdown()
    }
}
