import EventSub
import JSONValue
import TestSupport
import Testing

@Suite struct SignatureVerifierTests {
    // Our own fixture; the expected value was computed independently with Python's hmac module.
    static let secret = "ccr-fixture-secret-0123"
    static let messageID = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
    static let timestamp = "2026-05-04T03:02:01.123456789Z"
    static let body = #"{"subscription":{"id":"sub-1","type":"stream.online","version":"1","status":"enabled","condition":{"broadcaster_user_id":"4242"}},"event":{"id":"1","broadcaster_user_id":"4242","broadcaster_user_login":"fixture","broadcaster_user_name":"Fixture","type":"live","started_at":"2026-05-04T03:02:00Z"}}"#
    static let signature = "sha256=d5ba439db8d30b85760e636cc686738174cc528a15453edf5824e163eaa6b659"

    @Test func knownAnswer() {
        #expect(SignatureVerifier.sign(secret: Self.secret, messageID: Self.messageID, timestamp: Self.timestamp, body: Array(Self.body.utf8)) == Self.signature)
        let verifier = SignatureVerifier(secrets: [Self.secret])
        #expect(verifier.isValid(messageID: Self.messageID, timestamp: Self.timestamp, body: Array(Self.body.utf8), signature: Self.signature))
    }

    @Test func rejectsTamperingAndWrongSecrets() {
        let verifier = SignatureVerifier(secrets: [Self.secret])
        var tampered = Array(Self.body.utf8)
        tampered[tampered.count - 3] ^= 0x01
        #expect(!verifier.isValid(messageID: Self.messageID, timestamp: Self.timestamp, body: tampered, signature: Self.signature))
        #expect(!verifier.isValid(messageID: Self.messageID + "x", timestamp: Self.timestamp, body: Array(Self.body.utf8), signature: Self.signature))
        #expect(!verifier.isValid(messageID: Self.messageID, timestamp: "2026-05-04T03:02:02Z", body: Array(Self.body.utf8), signature: Self.signature))
        #expect(!SignatureVerifier(secrets: ["another-secret-123"]).isValid(
            messageID: Self.messageID, timestamp: Self.timestamp, body: Array(Self.body.utf8), signature: Self.signature))
        // Wrong prefix, uppercase hex, truncated, empty.
        let hex = String(Self.signature.dropFirst(7))
        for bad in ["sha1=" + hex, "SHA256=" + hex, "sha256=" + hex.uppercased(), "sha256=" + hex.dropLast(2), "", hex] {
            #expect(!verifier.isValid(messageID: Self.messageID, timestamp: Self.timestamp, body: Array(Self.body.utf8), signature: String(bad)))
        }
    }

    @Test func acceptsThePreviousSecretDuringRotation() {
        let verifier = SignatureVerifier(secrets: ["the-new-secret-456", Self.secret])
        #expect(verifier.isValid(messageID: Self.messageID, timestamp: Self.timestamp, body: Array(Self.body.utf8), signature: Self.signature))
    }

    @Test func deliveryVerifierEnforcesTheReplayWindow() throws {
        let verifier = DeliveryVerifier(signatures: SignatureVerifier(secrets: [Self.secret]))
        let sent = try #require(RFC3339.unixSeconds(Self.timestamp))
        let headers: [String: String] = [
            EventSubHeader.messageID: Self.messageID, EventSubHeader.messageTimestamp: Self.timestamp,
            EventSubHeader.messageSignature: Self.signature, EventSubHeader.messageType: "notification",
        ]
        let body = Array(Self.body.utf8)
        #expect(throws: Never.self) { try verifier.verify(header: { headers[$0] }, body: body, now: sent + 30).get() }
        #expect(verifier.verify(header: { headers[$0] }, body: body, now: sent + 601) == .failure(.staleTimestamp))
        #expect(verifier.verify(header: { headers[$0] }, body: body, now: sent - 61) == .failure(.futureTimestamp))
        for name in headers.keys {
            var missing = headers
            missing[name] = nil
            guard case .failure(.missingHeader) = verifier.verify(header: { missing[$0] }, body: body, now: sent) else {
                Issue.record("missing \(name) was not refused")
                continue
            }
        }
    }

    /// Independently signed requests from other projects (../shared). Their signatures must verify,
    /// and as they are years old a complete verifier must still refuse them as replays.
    @Test func sharedKnownAnswerVectors() throws {
        guard try Prerequisite.available(SharedResearch.missing) else { return }
        let text = try #require(SharedResearch.read("known_answer_vectors.json"))
        let vectors = try #require(try JSONParser.parse(text)["vectors"]?.arrayValue)
        #expect(vectors.count >= 3)
        for vector in vectors {
            let secret = try #require(vector["secret"]?.stringValue)
            let body = Array(try #require(vector["body"]?.stringValue).utf8)
            let headers = try #require(vector["headers"]?.objectValue)
            let lookup: [String: String] = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), $0.value.stringValue ?? "") })
            let signatureOK = SignatureVerifier(secrets: [secret]).isValid(
                messageID: lookup[EventSubHeader.messageID]!, timestamp: lookup[EventSubHeader.messageTimestamp]!, body: body,
                signature: lookup[EventSubHeader.messageSignature]!)
            #expect(signatureOK)
            let result = DeliveryVerifier(signatures: SignatureVerifier(secrets: [secret]))
                .verify(header: { lookup[$0] }, body: body, now: wallClock())
            #expect(result == .failure(.staleTimestamp))
        }
    }
}

func wallClock() -> Double {
    RFC3339.unixSeconds("2026-11-21T00:00:00Z")!
}
