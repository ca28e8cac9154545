/// What `SigV4.presign` produces: the query string to append to the URL after `?`, and the parts
/// of the computation worth asserting on in tests.
public struct SigV4PresignedQuery: Sendable, Equatable {
    /// The canonical query string followed by `&X-Amz-Signature=…`.
    public let queryString: String
    /// 64 lowercase hex digits.
    public let signature: String
    /// `YYYYMMDD'T'HHMMSS'Z'`.
    public let amzDate: String
    /// Semicolon-separated lowercase header names, sorted (always includes `host`).
    public let signedHeaders: String
    public let canonicalRequest: String
    public let stringToSign: String
}
