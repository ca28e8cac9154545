import Base64Encoding

/// The stored form of a sealed secret: `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`.
/// Printable, so it fits a text column; the key id in clear, so a rotation job finds what to
/// reseal without opening anything; the version, so the format can change without guessing.
struct SealedText {
    static let version = "v1"
    static let nonceBytes = 12
    static let tagBytes = 16

    let keyID: String
    /// Nonce, ciphertext and tag, as `AES.GCM.SealedBox.combined` lays them out.
    let combined: [UInt8]

    init(keyID: String, combined: [UInt8]) {
        self.keyID = keyID
        self.combined = combined
    }

    /// Reads the text without opening it. Only the canonical base64url spelling is accepted, so
    /// one sealed value has exactly one text.
    init(parsing text: String) throws(SecretSealingError) {
        let parts = text.split(separator: ".", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("expected v1.<key id>.<data>") }
        guard parts[0] == Self.version else { throw .malformed("unknown format version") }
        guard SealingKeyID.isValid(parts[1]) else { throw .malformed("invalid key id") }
        guard let bytes = Base64URL.decode(parts[2]), Base64URL.encode(bytes) == parts[2] else {
            throw .malformed("the data is not unpadded base64url")
        }
        guard bytes.count >= Self.nonceBytes + Self.tagBytes else { throw .malformed("the data is too short for a nonce and a tag") }
        self.init(keyID: String(parts[1]), combined: bytes)
    }

    var text: String { Self.version + "." + keyID + "." + Base64URL.encode(combined) }

    /// What GCM authenticates besides the ciphertext: the format, the key id and the caller's
    /// context. Relabelling a value with another key id, or copying it to another row (another
    /// context), makes it fail to open. Key ids contain no NUL, so the encoding is unambiguous.
    static func associatedData(keyID: String, context: String) -> [UInt8] {
        Array("ccr-sealed-secret/\(version)".utf8) + [0] + Array(keyID.utf8) + [0] + Array(context.utf8)
    }
}
