public import ObjectStore
import URLEncoding

/// The server side of presigned URLs, for the local filesystem-backed store: recomputes the
/// SigV4 signature of an incoming request exactly as S3 would and checks its time window.
///
/// On top of what S3 checks, it enforces the upload limits `PresignedURLSigner` signs: a PUT
/// must sign `content-type` and carry `x-ccr-max-bytes`, and its body may not be larger.
public struct PresignedRequestVerifier: Sendable {
    /// How far `X-Amz-Date` may lie in the future (clock skew between signer and store).
    public static let allowedClockSkewSeconds: Int64 = 300

    private let secretsByAccessKeyID: [String: String]
    public let region: String
    public let service: String

    /// - Parameter secretsByAccessKeyID: every access key this store accepts; more than one
    ///   during a key rotation.
    public init(secretsByAccessKeyID: [String: String], region: String, service: String = "s3") {
        self.secretsByAccessKeyID = secretsByAccessKeyID
        self.region = region
        self.service = service
    }

    public init(configuration: ObjectStoreConfiguration) {
        self.init(secretsByAccessKeyID: [configuration.accessKeyID: configuration.secretAccessKey], region: configuration.region)
    }

    /// - Parameters:
    ///   - method: the HTTP method as received (`PUT`, `GET`, …).
    ///   - path: the request path as sent, percent-encoded, before any prefix stripping.
    ///   - rawQuery: everything after `?`, as sent.
    ///   - headers: request headers, name → value (names are compared lowercase). `host` must be
    ///     the Host header as the client sent it.
    ///   - bodyLength: the body's length if known (PUT); nil skips the size check, and the caller
    ///     enforces `maxBytes` of the result while reading.
    ///   - now: Unix seconds.
    public func verify(
        method: String, path: String, rawQuery: String, headers: [String: String], bodyLength: Int?, now: Double
    ) -> Result<VerifiedPresignedRequest, PresignedRequestError> {
        do {
            return .success(try check(method: method, path: path, rawQuery: rawQuery, headers: headers, bodyLength: bodyLength, now: now))
        } catch {
            return .failure(error)
        }
    }

    private func check(
        method: String, path: String, rawQuery: String, headers: [String: String], bodyLength: Int?, now: Double
    ) throws(PresignedRequestError) -> VerifiedPresignedRequest {
        typealias Parameter = SigV4.QueryParameter
        let query = try QueryParameters(rawQuery: rawQuery)

        guard try query.required(Parameter.algorithm) == SigV4.algorithm else {
            throw .malformedParameter("X-Amz-Algorithm only supports \"\(SigV4.algorithm)\"")
        }

        // X-Amz-Credential: accessKeyID/yyyymmdd/region/service/aws4_request
        let credential = try query.required(Parameter.credential)
        let scope = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard scope.count == 5, !scope[0].isEmpty, scope[4] == SigV4.scopeTerminator else {
            throw .malformedParameter("Error parsing the X-Amz-Credential parameter")
        }
        let (accessKeyID, dateStamp, credentialRegion, credentialService) = (scope[0], scope[1], scope[2], scope[3])
        guard credentialRegion == region else {
            throw .malformedParameter("Error parsing the X-Amz-Credential parameter; the region '\(credentialRegion)' is wrong; expecting '\(region)'")
        }
        guard credentialService == service else {
            throw .malformedParameter("Error parsing the X-Amz-Credential parameter; incorrect service \"\(credentialService)\". This endpoint belongs to \"\(service)\".")
        }

        let amzDate = try query.required(Parameter.date)
        guard let signedAt = AmzDate.parse(amzDate) else {
            throw .malformedParameter("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
        }
        guard dateStamp == amzDate.prefix(8) else {
            throw .malformedParameter("Error parsing the X-Amz-Credential parameter; the date does not match X-Amz-Date")
        }

        guard let expires = Self.nonNegativeInteger(try query.required(Parameter.expires)), expires >= 1 else {
            throw .malformedParameter("X-Amz-Expires should be a number of seconds, at least 1")
        }
        guard expires <= SigV4.maximumExpirySeconds else { throw .expiryTooLong }

        let signedHeaders = try query.required(Parameter.signedHeaders)
        let signedHeaderNames = signedHeaders.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard signedHeaderNames.allSatisfy(Self.isLowercaseHeaderName),
              zip(signedHeaderNames, signedHeaderNames.dropFirst()).allSatisfy({ $0.utf8.lexicographicallyPrecedes($1.utf8) })
        else { throw .malformedParameter("X-Amz-SignedHeaders must be lowercase header names, sorted, separated by ';'") }
        guard signedHeaderNames.contains("host") else {
            throw .malformedParameter("X-Amz-SignedHeaders must include host")
        }

        let providedSignature = try query.required(Parameter.signature)

        var maxBytes: Int?
        if let text = try query.optional(PresignedURLSigner.maxBytesParameter) {
            guard let value = Self.nonNegativeInteger(text) else {
                throw .malformedParameter("\(PresignedURLSigner.maxBytesParameter) must be a number of bytes")
            }
            maxBytes = value
        }

        guard let secret = secretsByAccessKeyID[accessKeyID] else { throw .unknownAccessKey }

        var lowercasedHeaders: [String: String] = [:]
        for (name, value) in headers where lowercasedHeaders[name.lowercased()] == nil { lowercasedHeaders[name.lowercased()] = value }
        var canonicalHeaderValues: [(name: String, value: String)] = []
        for name in signedHeaderNames {
            guard let value = lowercasedHeaders[name] else { throw .missingSignedHeader(name) }
            canonicalHeaderValues.append((name, value))
        }

        guard path.hasPrefix("/"), let decodedPath = PercentEncoding.decode(path) else {
            throw .malformedParameter("the request path is not a valid percent-encoded absolute path")
        }

        // Recompute as S3 does: every query parameter except the signature, re-encoded canonically.
        let canonicalRequest = SigV4.canonicalRequest(
            method: method, canonicalURI: SigV4.canonicalURI(path: decodedPath),
            canonicalQuery: SigV4.canonicalQueryString(query.all.filter { $0.name != Parameter.signature }),
            canonicalHeaders: SigV4.canonicalHeaders(canonicalHeaderValues), signedHeaders: signedHeaders)
        let stringToSign = SigV4.stringToSign(
            amzDate: amzDate, scope: SigV4.credentialScope(amzDate: amzDate, region: region, service: service),
            canonicalRequest: canonicalRequest)
        let expectedSignature = SigV4.signature(
            stringToSign: stringToSign, secretAccessKey: secret, dateStamp: dateStamp, region: region, service: service)
        guard ConstantTime.equals(Array(expectedSignature.utf8), Array(providedSignature.utf8)) else { throw .signatureMismatch }

        // Only a correctly signed request learns whether its time window is the problem.
        let expiresAt = signedAt + Int64(expires)
        guard now <= Double(expiresAt) else { throw .expired }
        guard Double(signedAt) <= now + Double(Self.allowedClockSkewSeconds) else { throw .notYetValid }

        if method == "PUT" {
            guard signedHeaderNames.contains("content-type") else {
                throw .unrestrictedUpload("Presigned uploads must sign the content-type header.")
            }
            guard maxBytes != nil else {
                throw .unrestrictedUpload("Presigned uploads must carry a signed \(PresignedURLSigner.maxBytesParameter) parameter.")
            }
        }
        if let maxBytes, let bodyLength, bodyLength > maxBytes { throw .bodyTooLarge(maxBytes: maxBytes) }

        return VerifiedPresignedRequest(
            accessKeyID: accessKeyID, method: method, path: decodedPath, signedAt: signedAt, expiresAt: expiresAt,
            maxBytes: maxBytes, contentType: signedHeaderNames.contains("content-type") ? lowercasedHeaders["content-type"] : nil)
    }

    /// Digits only (no sign, no spaces); nil when empty or too large for `Int`.
    private static func nonNegativeInteger(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(text)
    }

    /// An HTTP token (RFC 9110) without uppercase letters.
    private static func isLowercaseHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }
}

/// A raw query string decoded into name/value pairs, in order, duplicates kept.
private struct QueryParameters {
    let all: [(name: String, value: String)]

    init(rawQuery: String) throws(PresignedRequestError) {
        var all: [(name: String, value: String)] = []
        for piece in rawQuery.split(separator: "&") {
            let equals = piece.firstIndex(of: "=")
            let rawName = equals.map { piece[..<$0] } ?? piece
            let rawValue = equals.map { piece[piece.index(after: $0)...] } ?? ""
            guard let name = PercentEncoding.decode(rawName), let value = PercentEncoding.decode(rawValue) else {
                throw .malformedParameter("the query string is not valid percent-encoding")
            }
            all.append((name, value))
        }
        self.all = all
    }

    /// The one value of `name`; a repeated authentication parameter is refused, not guessed at.
    func optional(_ name: String) throws(PresignedRequestError) -> String? {
        let values = all.filter { $0.name == name }
        guard values.count <= 1 else { throw .malformedParameter("\(name) appears more than once") }
        return values.first?.value
    }

    func required(_ name: String) throws(PresignedRequestError) -> String {
        guard let value = try optional(name) else { throw .missingParameter(name) }
        return value
    }
}
