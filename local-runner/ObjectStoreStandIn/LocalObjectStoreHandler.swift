public import ObjectStore
/// Answers presigned S3-style requests (`PUT`, `GET`, `HEAD` on `{basePath}/{bucket}/{key}`)
/// against a `LocalObjectStore`: the whole local stand-in for S3, with no HTTP library, so the
/// router only has to pass the request in and write the response out.
///
/// Blocking (it calls `LocalObjectStore`): run `handle` on a blocking executor.
public struct LocalObjectStoreHandler: Sendable {
    public let store: LocalObjectStore
    public let verifier: PresignedRequestVerifier
    /// The path the store is mounted at (`/objects`), as in the endpoint URL the signer uses.
    public let basePath: String
    /// The one bucket served; requests for others get NoSuchBucket.
    public let bucket: String

    public init(store: LocalObjectStore, verifier: PresignedRequestVerifier, basePath: String, bucket: String) {
        self.store = store
        self.verifier = verifier
        self.basePath = basePath
        self.bucket = bucket
    }

    /// Serves the bucket, path and key of the configuration the signer uses.
    public init(configuration: ObjectStoreConfiguration, store: LocalObjectStore) {
        self.init(
            store: store, verifier: PresignedRequestVerifier(configuration: configuration), basePath: configuration.basePath,
            bucket: configuration.bucket)
    }

    /// - Parameters:
    ///   - path: the request path as sent, percent-encoded, including `basePath`.
    ///   - rawQuery: everything after `?`, as sent.
    ///   - headers: request headers, name → value; must include `host` as the client sent it.
    ///   - body: the request body (PUT). The caller should stop reading at a global limit; the
    ///     signed per-URL cap is checked here.
    ///   - now: Unix seconds.
    public func handle(
        method: String, path: String, rawQuery: String, headers: [String: String], body: [UInt8], now: Double
    ) -> ObjectStoreResponse {
        guard ["GET", "HEAD", "PUT"].contains(method) else { return .error(.methodNotAllowed(), method: method) }
        let verified: VerifiedPresignedRequest
        switch verifier.verify(
            method: method, path: path, rawQuery: rawQuery, headers: headers,
            bodyLength: method == "PUT" ? body.count : nil, now: now)
        {
        case .success(let request): verified = request
        case .failure(let error): return .error(error.s3Error, method: method)
        }
        guard let address = ObjectAddress(requestPath: path, basePath: basePath) else {
            return .error(.invalidArgument("The request path names no valid bucket and key."), method: method)
        }
        guard address.bucket == bucket else { return .error(.noSuchBucket(), method: method) }

        do throws(LocalObjectStoreError) {
            switch method {
            case "PUT":
                try store.put(
                    bucket: address.bucket, key: address.key, bytes: body,
                    contentType: verified.contentType ?? LocalObjectStore.fallbackContentType)
                return ObjectStoreResponse(status: 200, headers: ["content-length": "0"], body: [])
            case "GET":
                guard let object = try store.get(bucket: address.bucket, key: address.key) else {
                    return .error(.noSuchKey(), method: method)
                }
                return ObjectStoreResponse(status: 200, headers: Self.objectHeaders(contentType: object.contentType, size: object.bytes.count), body: object.bytes)
            default:
                guard let metadata = try store.head(bucket: address.bucket, key: address.key) else {
                    return .error(.noSuchKey(), method: method)
                }
                return ObjectStoreResponse(status: 200, headers: Self.objectHeaders(contentType: metadata.contentType, size: metadata.size), body: [])
            }
        } catch {
            switch error {
            case .invalidBucket, .invalidKey, .invalidContentType:
                return .error(.invalidArgument(error.description), method: method)
            case .keyConflict:
                return .error(S3ErrorResponse(code: "InvalidRequest", message: "The key conflicts with an existing key prefix."), method: method)
            case .io:
                return .error(.internalError(), method: method, storeError: error)
            }
        }
    }

    /// Uploaded files are served with their stored type, never sniffed, and sandboxed: an SVG
    /// opened directly cannot run script in the store's origin.
    private static func objectHeaders(contentType: String, size: Int) -> [String: String] {
        [
            "content-type": contentType,
            "content-length": String(size),
            "x-content-type-options": "nosniff",
            "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        ]
    }
}
