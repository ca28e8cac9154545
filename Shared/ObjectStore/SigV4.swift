import URLEncoding
package import Crypto

/// AWS Signature Version 4 in its query-string (presigned URL) form, for S3.
///
/// This is the low-level algorithm on plain host/path/query/header values, so it can reproduce
/// AWS's published examples (virtual-host style) as well as the path-style URLs this project
/// uses (`PresignedURLSigner`). `PresignedRequestVerifier` runs the same steps on the server side.
///
/// Canonical request:
/// ```
/// METHOD \n canonical URI \n canonical query \n canonical headers (each line ends in \n) \n
/// signed headers \n UNSIGNED-PAYLOAD
/// ```
/// String to sign: `AWS4-HMAC-SHA256 \n amzDate \n date/region/service/aws4_request \n
/// hex(sha256(canonical request))`, signed with the key derived by `signingKey`.
public enum SigV4 {
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// Presigned URLs do not sign the body: the client has not sent it yet.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// AWS refuses presigned URLs valid for longer than seven days.
    public static let maximumExpirySeconds = 604_800
    package static let scopeTerminator = "aws4_request"

    public enum QueryParameter {
        public static let algorithm = "X-Amz-Algorithm"
        public static let credential = "X-Amz-Credential"
        public static let date = "X-Amz-Date"
        public static let expires = "X-Amz-Expires"
        public static let signedHeaders = "X-Amz-SignedHeaders"
        public static let signature = "X-Amz-Signature"
    }

    /// Signs a request in query-string form.
    ///
    /// - Parameters:
    ///   - host: the `Host` header the client will send (`examplebucket.s3.amazonaws.com`,
    ///     `127.0.0.1:8080`); always signed.
    ///   - path: the decoded absolute path (`/test.txt`); each segment is URI-encoded here.
    ///   - query: extra decoded query parameters to sign besides the `X-Amz-*` ones.
    ///   - headers: extra headers to sign (e.g. `content-type`); the client must send them unchanged.
    ///   - now: Unix seconds; the fraction is dropped.
    ///   - expiresIn: seconds, 1…604800 (not checked here; `PresignedURLSigner` checks it).
    public static func presign(
        method: String, host: String, path: String, query: [(name: String, value: String)] = [],
        headers: [String: String] = [:], credentials: SigV4Credentials, region: String, service: String = "s3",
        now: Double, expiresIn: Int
    ) -> SigV4PresignedQuery {
        let amzDate = AmzDate.format(unixSeconds: Int64(now.rounded(.down)))
        let scope = credentialScope(amzDate: amzDate, region: region, service: service)

        var headerValues: [String: String] = [:]
        for (name, value) in headers { headerValues[name.lowercased()] = value }
        headerValues["host"] = host
        let signedHeaderNames = headerValues.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let signedHeaders = signedHeaderNames.joined(separator: ";")

        let parameters = query + [
            (QueryParameter.algorithm, algorithm),
            (QueryParameter.credential, "\(credentials.accessKeyID)/\(scope)"),
            (QueryParameter.date, amzDate),
            (QueryParameter.expires, String(expiresIn)),
            (QueryParameter.signedHeaders, signedHeaders),
        ]
        let canonicalQuery = canonicalQueryString(parameters)
        let request = canonicalRequest(
            method: method, canonicalURI: canonicalURI(path: path), canonicalQuery: canonicalQuery,
            canonicalHeaders: canonicalHeaders(signedHeaderNames.map { ($0, headerValues[$0]!) }),
            signedHeaders: signedHeaders)
        let toSign = stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: request)
        let signature = signature(
            stringToSign: toSign, secretAccessKey: credentials.secretAccessKey, dateStamp: String(amzDate.prefix(8)),
            region: region, service: service)
        return SigV4PresignedQuery(
            queryString: canonicalQuery + "&\(QueryParameter.signature)=\(signature)", signature: signature,
            amzDate: amzDate, signedHeaders: signedHeaders, canonicalRequest: request, stringToSign: toSign)
    }

    // MARK: Steps shared with PresignedRequestVerifier

    /// `date/region/service/aws4_request`.
    package static func credentialScope(amzDate: String, region: String, service: String) -> String {
        "\(amzDate.prefix(8))/\(region)/\(service)/\(scopeTerminator)"
    }

    /// Each segment URI-encoded, `/` kept. S3 encodes once and does not normalize `.` or `..`
    /// segments (keys containing those are refused before signing anyway).
    package static func canonicalURI(path: String) -> String {
        path.isEmpty ? "/" : PercentEncoding.encode(path, keepingSlashes: true)
    }

    /// Names and values encoded, then sorted by encoded name, then by encoded value (byte order).
    package static func canonicalQueryString(_ parameters: [(name: String, value: String)]) -> String {
        parameters
            .map { (PercentEncoding.encode($0.name), PercentEncoding.encode($0.value)) }
            .sorted { left, right in
                left.0 == right.0
                    ? left.1.utf8.lexicographicallyPrecedes(right.1.utf8)
                    : left.0.utf8.lexicographicallyPrecedes(right.0.utf8)
            }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// `name:value\n` per header, names lowercase and already sorted by the caller; values trimmed
    /// and inner runs of spaces collapsed to one, as AWS does.
    package static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> String {
        headers.map { "\($0.name.lowercased()):\(trimmedHeaderValue($0.value))\n" }.joined()
    }

    package static func canonicalRequest(
        method: String, canonicalURI: String, canonicalQuery: String, canonicalHeaders: String, signedHeaders: String
    ) -> String {
        [method, canonicalURI, canonicalQuery, canonicalHeaders, signedHeaders, unsignedPayload].joined(separator: "\n")
    }

    package static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        [algorithm, amzDate, scope, Hex.encode(SHA256.hash(data: Array(canonicalRequest.utf8)))].joined(separator: "\n")
    }

    /// HMAC chain `"AWS4" + secret` → date → region → service → `aws4_request`: the key is bound
    /// to one day, region and service, so a leaked signature says nothing about others.
    package static func signingKey(secretAccessKey: String, dateStamp: String, region: String, service: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(secretAccessKey)".utf8))
        for part in [dateStamp, region, service, scopeTerminator] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    package static func signature(stringToSign: String, secretAccessKey: String, dateStamp: String, region: String, service: String) -> String {
        let key = signingKey(secretAccessKey: secretAccessKey, dateStamp: dateStamp, region: region, service: service)
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    package static func trimmedHeaderValue(_ value: String) -> String {
        var out: [UInt8] = []
        var pendingSpace = false
        for byte in value.utf8 {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(UInt8(ascii: " ")) }
                pendingSpace = false
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
