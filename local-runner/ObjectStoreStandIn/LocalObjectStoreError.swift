import ObjectStore
/// Why `LocalObjectStore` refused or failed an operation.
public enum LocalObjectStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not a bucket name `ObjectKey.isValidBucketName` accepts.
    case invalidBucket
    /// Not a key `ObjectKey.isValid` accepts: `..`, `.`, absolute, NUL, empty segment, too long.
    case invalidKey
    /// Empty, longer than 255 bytes, or containing control characters.
    case invalidContentType
    /// A file system cannot hold both `a` and `a/b`: the key, or a prefix of it, is already used
    /// the other way.
    case keyConflict
    /// A system call failed.
    case io(operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .invalidBucket: "invalid bucket name"
        case .invalidKey: "invalid object key"
        case .invalidContentType: "invalid content type"
        case .keyConflict: "the key conflicts with an existing object or key prefix"
        case .io(let operation, let errno): "\(operation) failed (errno \(errno))"
        }
    }
}
