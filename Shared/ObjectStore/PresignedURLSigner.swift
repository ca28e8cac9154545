/// Presigned path-style URLs for one bucket: what a function hands to a browser so it can upload
/// or download an object directly, without the object passing through the function.
public struct PresignedURLSigner: Sendable {
    /// Query parameter carrying a PUT's size cap, in bytes.
    ///
    /// S3 cannot cap the size of a presigned PUT (only POST policies can). The cap is still put in
    /// the URL, where it is signed like every query parameter, so it cannot be changed or removed
    /// without breaking the signature: S3 ignores it, `PresignedRequestVerifier` (the local store)
    /// enforces it. On real S3 the cap must be enforced separately, e.g. by a bucket policy
    /// condition or an upload-completed function that deletes oversized objects.
    public static let maxBytesParameter = "x-ccr-max-bytes"

    public let configuration: ObjectStoreConfiguration

    public init(configuration: ObjectStoreConfiguration) {
        self.configuration = configuration
    }

    /// A PUT of `key` with `Content-Type: contentType` and at most `maxBytes` bytes.
    ///
    /// `content-type` is a signed header, so the client cannot upload the object as another type
    /// (for example an image URL turned into `text/html`).
    ///
    /// - Parameters:
    ///   - expiresIn: seconds, 1…604800; callers here use at most 15 minutes.
    ///   - now: Unix seconds (`wallClockSeconds()`).
    public func presignedPUT(key: String, contentType: String, maxBytes: Int, expiresIn: Int, now: Double) throws(PresignError) -> PresignedRequest {
        guard !contentType.isEmpty, !contentType.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw .invalidContentType
        }
        guard maxBytes >= 0 else { throw .invalidMaxBytes }
        return try presign(
            method: "PUT", key: key, query: [(Self.maxBytesParameter, String(maxBytes))],
            headers: ["content-type": contentType], expiresIn: expiresIn, now: now)
    }

    /// A GET of `key`.
    public func presignedGET(key: String, expiresIn: Int, now: Double) throws(PresignError) -> PresignedRequest {
        try presign(method: "GET", key: key, query: [], headers: [:], expiresIn: expiresIn, now: now)
    }

    private func presign(
        method: String, key: String, query: [(name: String, value: String)], headers: [String: String], expiresIn: Int, now: Double
    ) throws(PresignError) -> PresignedRequest {
        guard ObjectKey.isValid(key) else { throw .invalidKey }
        guard (1...SigV4.maximumExpirySeconds).contains(expiresIn) else { throw .invalidExpiry }
        let signed = SigV4.presign(
            method: method, host: configuration.host, path: "\(configuration.basePath)/\(configuration.bucket)/\(key)",
            query: query, headers: headers, credentials: configuration.credentials, region: configuration.region,
            now: now, expiresIn: expiresIn)
        return PresignedRequest(
            method: method, url: configuration.objectURL(key: key) + "?" + signed.queryString, headers: headers,
            expiresAt: Int64(now.rounded(.down)) + Int64(expiresIn))
    }
}
