import ObjectStoreStandIn
import ObjectStore

/// A presigned URL taken apart the way an HTTP server sees the request.
struct RequestFixture {
    var method: String
    var host: String
    var path: String
    var rawQuery: String
    var headers: [String: String]

    static let endpoint = "http://127.0.0.1:8080/objects"
    static let bucket = "ccr-local"
    static let region = "us-east-1"
    static let accessKeyID = "ccr-local-access-key"
    static let secretAccessKey = "ccr-local-secret-0123456789"
    /// 2026-05-04T03:02:01Z.
    static let now: Double = 1_777_863_721

    static func configuration(accessKeyID: String = accessKeyID, secretAccessKey: String = secretAccessKey) throws -> ObjectStoreConfiguration {
        try ObjectStoreConfiguration(
            endpoint: endpoint, bucket: bucket, region: region, accessKeyID: accessKeyID, secretAccessKey: secretAccessKey)
    }

    init(_ presigned: PresignedRequest) {
        let afterScheme = presigned.url.split(separator: "://", maxSplits: 1)[1]
        let slash = afterScheme.firstIndex(of: "/")!
        host = String(afterScheme[..<slash])
        let pathAndQuery = afterScheme[slash...].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = String(pathAndQuery[0])
        rawQuery = pathAndQuery.count > 1 ? String(pathAndQuery[1]) : ""
        method = presigned.method
        headers = presigned.headers
        headers["host"] = host
    }

    /// Replaces the value of one query parameter in the raw query string.
    mutating func setQueryParameter(_ name: String, to value: String) {
        rawQuery = rawQuery.split(separator: "&").map { $0.hasPrefix(name + "=") ? name + "=" + value : String($0) }.joined(separator: "&")
    }

    func verify(with verifier: PresignedRequestVerifier, bodyLength: Int?, now: Double) -> Result<VerifiedPresignedRequest, PresignedRequestError> {
        verifier.verify(method: method, path: path, rawQuery: rawQuery, headers: headers, bodyLength: bodyLength, now: now)
    }
}
