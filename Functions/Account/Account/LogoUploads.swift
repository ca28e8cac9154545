/// Creates pre-signed upload URLs for branding logos (S3 Signature V4, query-string form).
public protocol LogoUploads: Sendable {
    /// A PUT URL for a new logo object under `companies/{companyId}/branding/`.
    func uploadURL(companyID: String, contentType: String, maxBytes: Int, expiresInSeconds: Int, now: Double) throws -> LogoUpload
    /// A short-lived GET URL for an existing logo key.
    func downloadURL(key: String, expiresInSeconds: Int, now: Double) throws -> String
}

public struct LogoUpload: Sendable, Equatable {
    public let key: String
    public let url: String
    /// Headers the uploader must send exactly (the content type is signed).
    public let headers: [String: String]

    public init(key: String, url: String, headers: [String: String]) {
        self.key = key
        self.url = url
        self.headers = headers
    }
}
