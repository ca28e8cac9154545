/// Why `PresignedURLSigner` refused to sign: always a caller mistake, never a runtime condition.
public enum PresignError: Error, Equatable, Sendable {
    /// Not a key `ObjectKey.isValid` accepts.
    case invalidKey
    /// Empty, or contains control characters.
    case invalidContentType
    /// Negative.
    case invalidMaxBytes
    /// Outside 1…604800 seconds (AWS's limit is seven days).
    case invalidExpiry
}
