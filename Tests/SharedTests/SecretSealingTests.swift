import Base64Encoding
import SecretSealing
import Settings
import Testing

@Suite struct SecretSealingTests {
    // Fixture keys: fixed bytes, so a failure reproduces; never used outside these tests.
    static let oldKey = [UInt8](repeating: 0x11, count: 32)
    static let newKey = (0..<32).map { UInt8($0 * 7 + 3) }
    static let context = "creator-token:4b1c0e7a-0000-4000-8000-000000000001:access"

    static func ring(_ keys: [(id: String, key: [UInt8])]) throws -> SealingKeyRing { try SealingKeyRing(keys) }

    @Test func roundTripOfBytesAndText() throws {
        let ring = try Self.ring([("k1", Self.oldKey)])
        let bytes: [UInt8] = [0, 1, 2, 254, 255]
        #expect(try ring.open(try ring.seal(bytes, context: Self.context), context: Self.context) == bytes)
        let token = "oauth-access-token-ä✓"
        let sealed = try ring.seal(token, context: Self.context)
        #expect(try ring.openString(sealed, context: Self.context) == token)
        #expect(try ring.openSecret(sealed, context: Self.context).reveal() == token)
        #expect(try ring.open(try ring.seal([], context: ""), context: "") == [])
        #expect(try ring.openString(try ring.seal(SecretText(token), context: "x"), context: "x") == token)
    }

    @Test func theSealedTextIsPrintableAndNamesTheKey() throws {
        let ring = try Self.ring([("key_2026-01", Self.newKey)])
        let sealed = try ring.seal("secret", context: Self.context)
        let parts = sealed.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        #expect(parts[0] == "v1" && parts[1] == "key_2026-01")
        // 12-byte nonce + 6-byte ciphertext + 16-byte tag.
        #expect(Base64URL.decode(parts[2])?.count == 12 + 6 + 16)
        #expect(sealed.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F })
        #expect(!sealed.contains("secret"))
        #expect(ring.keyID(of: sealed) == "key_2026-01")
        #expect(ring.keyID(of: "not sealed") == nil)
    }

    @Test func everySealUsesAFreshNonce() throws {
        let ring = try Self.ring([("k1", Self.oldKey)])
        let sealed = try (0..<50).map { _ in try ring.seal("same token", context: Self.context) }
        #expect(Set(sealed).count == 50)
        let nonces = sealed.map { Array(Base64URL.decode($0.split(separator: ".")[2])!.prefix(12)) }
        #expect(Set(nonces).count == 50)
    }

    @Test func anotherContextDoesNotOpen() throws {
        let ring = try Self.ring([("k1", Self.oldKey)])
        let sealed = try ring.seal("token", context: "creator-token:A:access")
        #expect(throws: SecretSealingError.authenticationFailed) { try ring.open(sealed, context: "creator-token:B:access") }
        #expect(throws: SecretSealingError.authenticationFailed) { try ring.open(sealed, context: "creator-token:A:refresh") }
        #expect(throws: SecretSealingError.authenticationFailed) { try ring.open(sealed, context: "") }
    }

    @Test func tamperingIsRefused() throws {
        let ring = try Self.ring([("k1", Self.oldKey)])
        let sealed = try ring.seal("token-value", context: Self.context)
        let parts = sealed.split(separator: ".").map(String.init)
        let data = Base64URL.decode(parts[2])!
        // Every byte of nonce, ciphertext and tag is covered.
        for index in data.indices {
            var tampered = data
            tampered[index] ^= 0x01
            let text = "v1.k1." + Base64URL.encode(tampered)
            #expect(throws: SecretSealingError.authenticationFailed) { try ring.open(text, context: Self.context) }
        }
        // Truncated (tag cut short) and extended.
        #expect(throws: SecretSealingError.authenticationFailed) {
            try ring.open("v1.k1." + Base64URL.encode(data.dropLast()), context: Self.context)
        }
        #expect(throws: SecretSealingError.authenticationFailed) {
            try ring.open("v1.k1." + Base64URL.encode(data + [0]), context: Self.context)
        }
    }

    @Test func relabellingWithAnotherKnownKeyIDIsRefused() throws {
        let ring = try Self.ring([("k2", Self.newKey), ("k1", Self.oldKey)])
        let sealed = try ring.seal("token", context: Self.context)
        let relabelled = "v1.k1." + sealed.split(separator: ".")[2]
        #expect(throws: SecretSealingError.authenticationFailed) { try ring.open(relabelled, context: Self.context) }
        // The same key under two ids: the id alone must still be authenticated.
        let twins = try Self.ring([("a", Self.newKey), ("b", Self.newKey)])
        let sealedByA = try twins.seal("token", context: Self.context)
        #expect(throws: SecretSealingError.authenticationFailed) {
            try twins.open("v1.b." + sealedByA.split(separator: ".")[2], context: Self.context)
        }
    }

    @Test func anUnknownKeyIDIsNamed() throws {
        let sealed = try Self.ring([("retired", Self.oldKey)]).seal("token", context: Self.context)
        let ring = try Self.ring([("k2", Self.newKey)])
        #expect(throws: SecretSealingError.unknownKeyID("retired")) { try ring.open(sealed, context: Self.context) }
        #expect(SecretSealingError.unknownKeyID("retired").description.contains("\"retired\""))
    }

    @Test func malformedValuesAreRefusedWithoutEchoingThem() throws {
        let ring = try Self.ring([("k1", Self.oldKey)])
        let valid = try ring.seal("token", context: Self.context)
        let data = String(valid.split(separator: ".")[2])
        for bad in ["", "v1", "v1.k1", "v2.k1." + data, "v1..\(data)", "v1.k 1.\(data)", "v1.k1.\(data).x", "v1.k1.***",
                    "v1.k1.AAAA", "v1.k1.\(data)=", "v1.\(String(repeating: "k", count: 33)).\(data)"] {
            #expect(throws: SecretSealingError.self) { try ring.open(bad, context: Self.context) }
            do {
                _ = try ring.open(bad, context: Self.context)
            } catch {
                guard case .malformed(let reason) = error else { Issue.record("\(bad): \(error)"); continue }
                #expect(!reason.contains(data) && !reason.contains("***"))
            }
        }
        // A non-canonical spelling of valid data (unused low bits of the last character set)
        // would decode to the same bytes; it is refused, so one value has one text.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let odd = String(try ring.seal("token!", context: Self.context).split(separator: ".")[2])  // 34 bytes: 4 unused bits
        #expect(odd.count % 4 != 0)
        let last = try #require(alphabet.firstIndex(of: odd.last!))
        let other = String(odd.dropLast()) + String(alphabet[last ^ 1])
        #expect(Base64URL.decode(other) == Base64URL.decode(odd))
        #expect(throws: SecretSealingError.malformed("the data is not unpadded base64url")) { try ring.open("v1.k1." + other, context: Self.context) }
        #expect(try ring.openString("v1.k1." + odd, context: Self.context) == "token!")
    }

    @Test func rotationOpensOldValuesAndReportsThemForResealing() throws {
        let before = try Self.ring([("k1", Self.oldKey)])
        let old = try before.seal("refresh-token", context: Self.context)
        #expect(!before.needsResealing(old))

        let after = try Self.ring([("k2", Self.newKey), ("k1", Self.oldKey)])
        #expect(after.currentKeyID == "k2" && after.keyIDs == ["k2", "k1"])
        #expect(after.needsResealing(old))
        #expect(try after.openString(old, context: Self.context) == "refresh-token")
        let resealed = try after.seal(after.open(old, context: Self.context), context: Self.context)
        #expect(after.keyID(of: resealed) == "k2")
        #expect(!after.needsResealing(resealed))
        #expect(after.needsResealing("garbage"))
        // Sealed with the new key: the old ring does not know it.
        #expect(throws: SecretSealingError.unknownKeyID("k2")) { try before.open(resealed, context: Self.context) }
    }

    @Test func theEnvironmentFormat() throws {
        let old = Base64.encode(Self.oldKey), new = Base64.encode(Self.newKey)
        let ring = try SealingKeyRing.fromEnvironment(Environment(["TOKEN_ENCRYPTION_KEYS": "k2:\(new), k1:\(old)"]))
        #expect(ring.currentKeyID == "k2" && ring.keyIDs == ["k2", "k1"])
        let sealed = try Self.ring([("k1", Self.oldKey)]).seal("t", context: "c")
        #expect(try ring.openString(sealed, context: "c") == "t")

        let custom = try SealingKeyRing.fromEnvironment(Environment(["OTHER_KEYS": "only:\(old)"]), variable: "OTHER_KEYS")
        #expect(custom.currentKeyID == "only")
        // Unpadded base64 is accepted too.
        let unpadded = String(old.prefix { $0 != "=" })
        #expect(try SealingKeyRing.fromEnvironment(Environment(["TOKEN_ENCRYPTION_KEYS": "k:\(unpadded)"])).currentKeyID == "k")
    }

    @Test func environmentErrorsAreOneReadableLineWithoutKeyMaterial() throws {
        let key = Base64.encode(Self.newKey)
        let short = Base64.encode(Array(Self.newKey.prefix(16)))
        let urlSafe = Base64URL.encode((0..<32).map { UInt8(255 - $0) })
        let cases: [(value: String?, expected: String)] = [
            (nil, "TOKEN_ENCRYPTION_KEYS is not set"),
            ("k1:\(key),", "TOKEN_ENCRYPTION_KEYS: entry 2 is empty"),
            (",k1:\(key)", "TOKEN_ENCRYPTION_KEYS: entry 1 is empty"),
            (key, "TOKEN_ENCRYPTION_KEYS: entry 1 is not id:base64key"),
            ("k1:\(key),\(key)", "TOKEN_ENCRYPTION_KEYS: entry 2 is not id:base64key"),
            ("\(key):k1", "TOKEN_ENCRYPTION_KEYS: entry 1 has an invalid key id"),
            ("k.1:\(key)", "TOKEN_ENCRYPTION_KEYS: entry 1 has an invalid key id"),
            ("\(String(repeating: "a", count: 33)):\(key)", "TOKEN_ENCRYPTION_KEYS: entry 1 has an invalid key id"),
            (":\(key)", "TOKEN_ENCRYPTION_KEYS: entry 1 has an invalid key id"),
            ("k1:", "TOKEN_ENCRYPTION_KEYS: key \"k1\" is empty"),
            ("k1:\(short)", "TOKEN_ENCRYPTION_KEYS: key \"k1\" is 16 bytes; AES-256 needs exactly 32"),
            ("k1:\(key)\(key)", "TOKEN_ENCRYPTION_KEYS: key \"k1\" is"),
            ("k1:\(urlSafe)", "TOKEN_ENCRYPTION_KEYS: key \"k1\" is not valid base64"),
            ("k1:\(key),k1:\(key)", "TOKEN_ENCRYPTION_KEYS: key id \"k1\" appears twice"),
        ]
        for (value, expected) in cases {
            let environment = Environment(value.map { ["TOKEN_ENCRYPTION_KEYS": $0] } ?? [:])
            do {
                _ = try SealingKeyRing.fromEnvironment(environment)
                Issue.record("accepted \(value ?? "nil")")
            } catch let error as ConfigurationError {
                #expect(error.description.hasPrefix(expected), "\(error.description)")
                #expect(!error.description.contains("\n"))
                for material in [key, short, urlSafe] {
                    // Not even a fragment of a key (8 characters of base64 are 6 bytes).
                    for start in stride(from: 0, to: material.count - 8, by: 4) {
                        let fragment = String(material.dropFirst(start).prefix(8))
                        #expect(!error.description.contains(fragment), "\(error.description) contains key material")
                    }
                }
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        #expect(throws: ConfigurationError.self) { try SealingKeyRing([]) }
        #expect(throws: ConfigurationError.self) { try SealingKeyRing([("k1", [1, 2, 3])]) }
    }

    @Test func secretsAndKeysPrintRedacted() throws {
        let secret = SecretText("oauth-token-value")
        #expect("\(secret)" == "<redacted>")
        #expect(String(describing: secret) == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("oauth-token-value"))
        #expect("\([secret])" == "[<redacted>]")
        #expect(secret.reveal() == "oauth-token-value")

        let ring = try Self.ring([("k2", Self.newKey), ("k1", Self.oldKey)])
        #expect("\(ring)" == "SealingKeyRing(current: k2, keys: k2, k1)")
        var dumpedRing = ""
        dump(ring, to: &dumpedRing)
        for text in ["\(ring)", String(reflecting: ring), dumpedRing] {
            #expect(!text.contains(Base64.encode(Self.newKey)) && !text.contains("17, 17, 17") && !text.contains("3, 10, 17"))
        }
    }
}
