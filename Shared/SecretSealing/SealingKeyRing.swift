import Crypto
public import Settings

/// The AES-256-GCM keys that seal secrets at rest, each under an id. The first key seals; every
/// key opens. Rotation without downtime: put a new key first and keep the old one after it,
/// deploy, reseal what `needsResealing` reports, then drop the old key.
///
/// Keys are never printed: `description` lists the ids only.
public struct SealingKeyRing: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// AES-256.
    public static let keyBytes = 32

    /// The id of the key that seals.
    public let currentKeyID: String
    /// Every key id, the current one first.
    public let keyIDs: [String]
    private let currentKey: SymmetricKey
    private let keys: [String: SymmetricKey]

    /// `keys`: the current key first. Refused: no keys, an id outside 1 to 32 characters of
    /// `A-Z a-z 0-9 _ -`, a key that is not 32 bytes, an id given twice.
    public init(_ keys: [(id: String, key: [UInt8])]) throws(ConfigurationError) {
        try self.init(keys, label: "sealing key ring")
    }

    /// `label` starts every error message (the environment variable's name when read from one).
    init(_ entries: [(id: String, key: [UInt8])], label: String) throws(ConfigurationError) {
        guard let first = entries.first else { throw ConfigurationError("\(label): no keys") }
        var keys: [String: SymmetricKey] = [:]
        for (index, entry) in entries.enumerated() {
            // An invalid id is not echoed: a misplaced key would otherwise end up in the message.
            guard SealingKeyID.isValid(entry.id) else {
                throw ConfigurationError("\(label): key \(index + 1) has an invalid id (1 to 32 characters of A-Z a-z 0-9 _ -)")
            }
            guard entry.key.count == Self.keyBytes else {
                throw ConfigurationError("\(label): key \"\(entry.id)\" is \(entry.key.count) bytes; AES-256 needs exactly \(Self.keyBytes)")
            }
            guard keys[entry.id] == nil else { throw ConfigurationError("\(label): key id \"\(entry.id)\" appears twice") }
            keys[entry.id] = SymmetricKey(data: entry.key)
        }
        self.keys = keys
        self.keyIDs = entries.map(\.id)
        self.currentKeyID = first.id
        self.currentKey = keys[first.id]!
    }

    // MARK: Sealing

    /// Seals `plaintext` under the current key with a fresh random nonce. `context` names where
    /// the value belongs (e.g. `creator-token:<creatorId>:access`) and must be given again to
    /// open it; together with the key id it is authenticated, not stored.
    /// Throws only if the crypto library refuses, which a valid 32-byte key never causes.
    public func seal(_ plaintext: [UInt8], context: String) throws -> String {
        let box = try AES.GCM.seal(
            plaintext, using: currentKey, nonce: AES.GCM.Nonce(),
            authenticating: SealedText.associatedData(keyID: currentKeyID, context: context))
        // `combined` is nil only for nonces that are not 12 bytes; `AES.GCM.Nonce()` always is.
        guard let combined = box.combined else { throw SecretSealingError.malformed("the sealed box has no combined form") }
        return SealedText(keyID: currentKeyID, combined: Array(combined)).text
    }

    /// Seals the UTF-8 bytes of `plaintext`.
    public func seal(_ plaintext: String, context: String) throws -> String {
        try seal(Array(plaintext.utf8), context: context)
    }

    /// Seals a redacted secret.
    public func seal(_ secret: SecretText, context: String) throws -> String {
        try seal(secret.reveal(), context: context)
    }

    // MARK: Opening

    /// The plaintext of `sealed`, which must have been sealed for the same `context` under a key
    /// this ring holds.
    public func open(_ sealed: String, context: String) throws(SecretSealingError) -> [UInt8] {
        let parsed = try SealedText(parsing: sealed)
        guard let key = keys[parsed.keyID] else { throw .unknownKeyID(parsed.keyID) }
        do {
            let box = try AES.GCM.SealedBox(combined: parsed.combined)
            return Array(try AES.GCM.open(box, using: key, authenticating: SealedText.associatedData(keyID: parsed.keyID, context: context)))
        } catch {
            throw .authenticationFailed
        }
    }

    /// `open` for a secret that was sealed from a `String`.
    public func openString(_ sealed: String, context: String) throws(SecretSealingError) -> String {
        guard let text = String(validating: try open(sealed, context: context), as: UTF8.self) else {
            throw .malformed("the opened secret is not UTF-8")
        }
        return text
    }

    /// `openString`, wrapped so that it prints as `<redacted>`.
    public func openSecret(_ sealed: String, context: String) throws(SecretSealingError) -> SecretText {
        SecretText(try openString(sealed, context: context))
    }

    // MARK: Rotation

    /// The id of the key `sealed` was sealed with, read without opening it; nil when `sealed` is
    /// not a sealed secret.
    public func keyID(of sealed: String) -> String? {
        try? SealedText(parsing: sealed).keyID
    }

    /// True when `sealed` was not sealed with the current key, so a rotation job should open and
    /// seal it again. Also true for a value that is not a sealed secret at all: opening it then
    /// says what is wrong, instead of the value staying unnoticed.
    public func needsResealing(_ sealed: String) -> Bool {
        keyID(of: sealed) != currentKeyID
    }

    // MARK: Printing (ids only)

    public var description: String { "SealingKeyRing(current: \(currentKeyID), keys: \(keyIDs.joined(separator: ", ")))" }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: ["keyIDs": keyIDs], displayStyle: .struct) }
}
