import ObjectStore
import URLEncoding

/// A bucket and key: what a path-style URL `{endpoint path}/{bucket}/{key}` addresses.
public struct ObjectAddress: Sendable, Hashable {
    public let bucket: String
    public let key: String

    /// Nil unless the bucket name and the key are both valid (`ObjectKey`).
    public init?(bucket: String, key: String) {
        guard ObjectKey.isValidBucketName(bucket), ObjectKey.isValid(key) else { return nil }
        self.bucket = bucket
        self.key = key
    }

    /// Reads a request path as sent (percent-encoded), e.g. `/objects/ccr-local/companies/…`,
    /// under `basePath` (`/objects`, or `""` at the root). Nil if the path is not under
    /// `basePath`, does not decode, or names no valid bucket and key.
    public init?(requestPath: String, basePath: String) {
        guard requestPath.hasPrefix(basePath + "/"),
              let rest = PercentEncoding.decode(requestPath.dropFirst(basePath.count + 1)),
              let slash = rest.firstIndex(of: "/")
        else { return nil }
        self.init(bucket: String(rest[..<slash]), key: String(rest[rest.index(after: slash)...]))
    }

    /// The decoded path under `basePath`: what `SigV4.presign` takes as `path`.
    public func path(basePath: String) -> String { "\(basePath)/\(bucket)/\(key)" }
}
