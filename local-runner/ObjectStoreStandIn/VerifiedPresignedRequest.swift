import ObjectStore
/// What a request proved by carrying a valid presigned signature.
public struct VerifiedPresignedRequest: Sendable, Equatable {
    public let accessKeyID: String
    /// Uppercase, as signed.
    public let method: String
    /// The decoded request path (`/objects/ccr-local/companies/…`).
    public let path: String
    /// Unix seconds of `X-Amz-Date`.
    public let signedAt: Int64
    /// Unix seconds after which the URL is refused.
    public let expiresAt: Int64
    /// The signed `x-ccr-max-bytes`, if any. When the body length was not known at verification
    /// time, the caller must stop reading the body past this many bytes.
    public let maxBytes: Int?
    /// The request's `content-type` when it is a signed header (so equal to the signed value).
    public let contentType: String?
}
