import JSONValue
import CryptoExtras
import AsyncHTTPClient
import AccessTokens
import BlockingIO
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Processes
import Testing

/// The identity provider's JWKS over HTTP: fetched on demand, cached, refetched on an unknown kid
/// (key rotation), but never more often than the floor allows.
@Suite struct RemoteKeySourceTests {
    @Test func cachesRefetchesOnRotationAndRespectsTheFloor() async throws {
        let oldKey = APIHarness.signer
        let newKey = AccessTokenSigner(kid: "rotated", privateKey: try AccessTokenSigner.generateKey(), issuer: oldKey.issuer, audience: oldKey.audience)
        let published = NIOLockedValueBox(try JSONWebKeySet.document(kid: "test-key", publicKey: oldKey.privateKey.publicKey))
        let fetches = NIOLockedValueBox(0)
        let router = Router()
        router.get("/jwks.json") { _, _ -> Response in
            fetches.withLockedValue { $0 += 1 }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: published.withLockedValue { $0 })))
        }
        let port = try Ports.freeLoopbackPort()
        var logger = Logger(label: "jwks-test")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        while !Ports.isAccepting(port: port) { try await Task.sleep(nanoseconds: 2_000_000) }

        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let source = RemoteKeySource(url: "http://127.0.0.1:\(port)/jwks.json", client: client, minimumRefreshSeconds: 5, logger: logger)
        let verifier = AccessTokenVerifier(keys: source, issuer: oldKey.issuer, audience: oldKey.audience)
        let company = "2f1c7a52-8d4e-4a67-9f30-5b6f0e1d2c3a"
        let now = wallClockSeconds()

        _ = try await verifier.verify(token: try oldKey.token(subject: "a", companyID: company, role: .viewer, now: now), now: now)
        _ = try await verifier.verify(token: try oldKey.token(subject: "b", companyID: company, role: .viewer, now: now), now: now)
        #expect(fetches.withLockedValue { $0 } == 1, "known kid must come from the cache")

        // The provider rotates. A token with the new kid inside the floor is refused without a refetch…
        published.withLockedValue { $0 = try! JSONWebKeySet.document(kid: "rotated", publicKey: newKey.privateKey.publicKey) }
        let rotatedToken = try newKey.token(subject: "c", companyID: company, role: .viewer, now: now)
        await #expect(throws: AuthError.self) { try await verifier.verify(token: rotatedToken, now: now) }
        #expect(fetches.withLockedValue { $0 } == 1)
        // …and accepted once the floor has passed (one refetch), after which the old key is gone.
        // (A floor of 5 s: the steps above must fit inside it even on a loaded 2-core machine.)
        try await Task.sleep(nanoseconds: 5_100_000_000)
        _ = try await verifier.verify(token: rotatedToken, now: now)
        #expect(fetches.withLockedValue { $0 } == 2)
        // Made-up kids cannot make the verifier hammer the provider.
        for index in 0..<20 {
            let forged = try newKey.sign(header: ["alg": "RS256", "kid": .string("made-up-\(index)")], claims: ["iss": "x"])
            await #expect(throws: AuthError.self) { try await verifier.verify(token: forged, now: now) }
        }
        #expect(fetches.withLockedValue { $0 } <= 3)
        try await client.shutdown()
        server.cancel()
    }
}
