/// An access key pair. The secret never appears in a URL, only the id and the signature.
public struct SigV4Credentials: Sendable, Equatable, CustomStringConvertible {
    public let accessKeyID: String
    public let secretAccessKey: String

    public init(accessKeyID: String, secretAccessKey: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }

    /// Redacted, so logging credentials by accident does not leak the secret.
    public var description: String { "SigV4Credentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>)" }
}
