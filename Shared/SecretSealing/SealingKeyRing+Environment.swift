import Base64Encoding
public import Settings

extension SealingKeyRing {
    /// The ring from `variable`: `id1:base64key,id2:base64key`, the current key first, each key
    /// standard base64 of 32 random bytes (`openssl rand -base64 32`). Whitespace around entries
    /// is ignored. A problem is one `ConfigurationError` line that names the entry or the key id
    /// but never contains key material.
    public static func fromEnvironment(_ environment: Environment, variable: String = "TOKEN_ENCRYPTION_KEYS") throws -> SealingKeyRing {
        let text = try environment.required(variable)
        var entries: [(id: String, key: [UInt8])] = []
        for (index, rawEntry) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let entry = rawEntry.trimmingWhitespace()
            let position = "entry \(index + 1)"
            guard !entry.isEmpty else { throw ConfigurationError("\(variable): \(position) is empty (expected id:base64key,id:base64key)") }
            guard let colon = entry.firstIndex(of: ":") else { throw ConfigurationError("\(variable): \(position) is not id:base64key") }
            let id = entry[..<colon].trimmingWhitespace()
            let encodedKey = entry[entry.index(after: colon)...].trimmingWhitespace()
            guard SealingKeyID.isValid(id) else {
                throw ConfigurationError("\(variable): \(position) has an invalid key id (1 to 32 characters of A-Z a-z 0-9 _ -)")
            }
            guard !encodedKey.isEmpty else { throw ConfigurationError("\(variable): key \"\(id)\" is empty") }
            guard let key = Base64.decode(Array(encodedKey.utf8)) else {
                throw ConfigurationError("\(variable): key \"\(id)\" is not valid base64")
            }
            entries.append((id, key))
        }
        return try SealingKeyRing(entries, label: variable)
    }
}
