import Crypto
import Testing
import WebSub

/// `X-Hub-Signature` over the raw body with the subscription's secret.
@Suite struct WebSubSignatureTests {
    let body = Array(AtomNotificationTests.documentedEntry.utf8)
    let secret = "a-per-subscription-secret"

    @Test func knownAnswerMatchesAnIndependentHMAC() {
        // Computed here with swift-crypto directly, not with the code under test.
        let expected = HMAC<Insecure.SHA1>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
            .map { byte in String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }.joined()
        #expect(WebSubSignature.sign(body: body, secret: secret) == "sha1=" + expected)
        #expect(WebSubSignature.check(header: "sha1=" + expected, body: body, secrets: [secret]) == .valid(.sha1))
        #expect(WebSubSignature.check(header: "SHA1=" + expected.uppercased(), body: body, secrets: [secret]) == .valid(.sha1))
    }

    @Test func everyAllowedAlgorithmVerifies() {
        for algorithm in WebSubSignatureAlgorithm.allCases {
            let header = WebSubSignature.sign(body: body, secret: secret, algorithm: algorithm)
            #expect(header.hasPrefix(algorithm.rawValue + "="))
            #expect(WebSubSignature.check(header: header, body: body, secrets: [secret]) == .valid(algorithm))
        }
    }

    @Test func tamperedBodiesWrongSecretsAndMalformedHeadersAreInvalid() {
        let header = WebSubSignature.sign(body: body, secret: secret)
        var tampered = body
        tampered[tampered.count / 2] ^= 0x01
        #expect(WebSubSignature.check(header: header, body: tampered, secrets: [secret]) == .invalid)
        #expect(WebSubSignature.check(header: header, body: body, secrets: ["another-secret"]) == .invalid)
        #expect(WebSubSignature.check(header: header, body: body, secrets: []) == .invalid)
        #expect(WebSubSignature.check(header: String(header.dropLast(2)), body: body, secrets: [secret]) == .invalid)
        #expect(WebSubSignature.check(header: header + "00", body: body, secrets: [secret]) == .invalid)
        #expect(WebSubSignature.check(header: "sha1=zz" + header.dropFirst(7), body: body, secrets: [secret]) == .invalid)
        #expect(WebSubSignature.check(header: "sha1", body: body, secrets: [secret]) == .invalid)
        #expect(WebSubSignature.check(header: "sha1=", body: body, secrets: [secret]) == .invalid)
        // A sha256 header carrying a valid sha1 MAC is not valid.
        #expect(WebSubSignature.check(header: "sha256=" + header.dropFirst(5), body: body, secrets: [secret]) == .invalid)
    }

    @Test func missingAndUnsupported() {
        #expect(WebSubSignature.check(header: nil, body: body, secrets: [secret]) == .missing)
        #expect(WebSubSignature.check(header: "  ", body: body, secrets: [secret]) == .missing)
        #expect(WebSubSignature.check(header: "md5=0123", body: body, secrets: [secret]) == .unsupportedAlgorithm("md5"))
        #expect(WebSubSignature.check(header: "sha3-256=00", body: body, secrets: [secret]) == .unsupportedAlgorithm("sha3-256"))
    }

    /// Per-topic secrets from one master: stable, distinct per topic, short enough for hub.secret,
    /// and a previous master still verifies during a rotation.
    @Test func derivedSecretsAndRotation() {
        let topicA = YouTubeTopic.url(channelID: "UC_x5XG1OV2P6uZZ5FSM9Ttw")
        let topicB = YouTubeTopic.url(channelID: "UCBR8-60-B28hp2BmDPdntcQ")
        let old = WebSubSecrets(masters: ["old-master-secret"])
        let rotated = WebSubSecrets(masters: ["new-master-secret", "old-master-secret"])
        #expect(old.secret(forTopic: topicA) == WebSubSecrets(masters: ["old-master-secret"]).secret(forTopic: topicA))
        #expect(old.secret(forTopic: topicA) != old.secret(forTopic: topicB))
        #expect(old.secret(forTopic: topicA).utf8.count == 64)
        #expect(rotated.secret(forTopic: topicA) != old.secret(forTopic: topicA))
        #expect(rotated.acceptedSecrets(forTopic: topicA) == [rotated.secret(forTopic: topicA), old.secret(forTopic: topicA)])

        let signedWithOld = WebSubSignature.sign(body: body, secret: old.secret(forTopic: topicA))
        #expect(WebSubSignature.check(header: signedWithOld, body: body, secrets: rotated.acceptedSecrets(forTopic: topicA)) == .valid(.sha1))
        // Topic B's secret does not sign topic A's deliveries.
        let signedForB = WebSubSignature.sign(body: body, secret: rotated.secret(forTopic: topicB))
        #expect(WebSubSignature.check(header: signedForB, body: body, secrets: rotated.acceptedSecrets(forTopic: topicA)) == .invalid)

        let push = YouTubePush(callbackURL: "https://ccr.example/webhooks/youtube", secrets: rotated)
        #expect(push.checkSignature(header: signedWithOld, body: body, channelID: "UC_x5XG1OV2P6uZZ5FSM9Ttw") == .valid(.sha1))
        #expect(push.checkSignature(header: signedWithOld, body: body, channelID: "UCBR8-60-B28hp2BmDPdntcQ") == .invalid)
    }
}
