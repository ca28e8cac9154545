import URLEncoding

/// Where objects live and the key that signs URLs for them.
///
/// Always path-style addressing: `{endpoint}/{bucket}/{key}`. That works the same for AWS
/// (`https://s3.eu-west-1.amazonaws.com`), S3-compatible stores, and the local store behind the
/// router (`http://127.0.0.1:8080/objects`), and needs no per-bucket DNS.
public struct ObjectStoreConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// As given, e.g. `http://127.0.0.1:8080/objects`.
    public let endpoint: String
    public let bucket: String
    public let region: String
    public let credentials: SigV4Credentials

    /// `http` or `https`.
    public let scheme: String
    /// The `Host` header a client sends for this endpoint: lowercase, with the port unless it is
    /// the scheme's default (clients omit a default port, and the host is signed).
    public let host: String
    /// The endpoint's path without a trailing slash: `""` or e.g. `/objects`.
    public let basePath: String

    public var accessKeyID: String { credentials.accessKeyID }
    public var secretAccessKey: String { credentials.secretAccessKey }

    public init(endpoint: String, bucket: String, region: String, accessKeyID: String, secretAccessKey: String) throws(ObjectStoreConfigurationError) {
        let scheme: String
        let rest: Substring
        if endpoint.hasPrefix("https://") {
            (scheme, rest) = ("https", endpoint.dropFirst("https://".count))
        } else if endpoint.hasPrefix("http://") {
            (scheme, rest) = ("http", endpoint.dropFirst("http://".count))
        } else {
            throw ObjectStoreConfigurationError("object store endpoint must start with http:// or https://: \(endpoint)")
        }
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        while path.hasSuffix("/") { path.removeLast() }
        guard !authority.isEmpty, !authority.contains("@"), !authority.contains("?"), !authority.contains("#"),
              authority.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { throw ObjectStoreConfigurationError("object store endpoint has no usable host: \(endpoint)") }
        // Only unreserved characters in the base path, so its encoded and decoded forms are equal.
        guard path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            .allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && $0.utf8.allSatisfy(PercentEncoding.isUnreserved) })
        else { throw ObjectStoreConfigurationError("object store endpoint path must be plain segments (A-Z a-z 0-9 - _ . ~): \(endpoint)") }
        var host = authority.lowercased()
        let defaultPort = scheme == "https" ? ":443" : ":80"
        if host.hasSuffix(defaultPort) { host.removeLast(defaultPort.count) }

        guard ObjectKey.isValidBucketName(bucket) else { throw ObjectStoreConfigurationError("invalid bucket name: \(bucket)") }
        guard !region.isEmpty, region.utf8.allSatisfy(PercentEncoding.isUnreserved) else {
            throw ObjectStoreConfigurationError("invalid region: \(region)")
        }
        // The access key id sits inside X-Amz-Credential, split on `/`.
        guard !accessKeyID.isEmpty, !accessKeyID.contains("/") else {
            throw ObjectStoreConfigurationError("access key id must be non-empty and contain no '/'")
        }
        guard !secretAccessKey.isEmpty else { throw ObjectStoreConfigurationError("secret access key must be non-empty") }

        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.credentials = SigV4Credentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey)
        self.scheme = scheme
        self.host = host
        self.basePath = path
    }

    /// `{scheme}://{host}{basePath}/{bucket}/{encoded key}`, without a query.
    public func objectURL(key: String) -> String {
        "\(scheme)://\(host)\(SigV4.canonicalURI(path: "\(basePath)/\(bucket)/\(key)"))"
    }

    /// Redacted: the secret never reaches a log line through this value.
    public var description: String {
        "ObjectStoreConfiguration(endpoint: \(endpoint), bucket: \(bucket), region: \(region), accessKeyID: \(accessKeyID), secretAccessKey: <redacted>)"
    }
}

public struct ObjectStoreConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
