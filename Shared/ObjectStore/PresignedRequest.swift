/// A presigned request handed to a client: send `method` to `url` with exactly `headers`
/// (lowercase names) before `expiresAt`. The `Host` header is signed too; HTTP clients set it
/// from the URL, so it is not listed.
public struct PresignedRequest: Sendable, Equatable {
    public let method: String
    public let url: String
    public let headers: [String: String]
    /// Unix seconds.
    public let expiresAt: Int64
}
