import ObjectStore
/// Why `PresignedRequestVerifier` refused a request.
public enum PresignedRequestError: Error, Equatable, Sendable {
    /// A required `X-Amz-*` parameter is absent.
    case missingParameter(String)
    /// A parameter is present but unusable (bad encoding, duplicate, wrong algorithm, credential
    /// scope for another region or service, date that does not parse, …).
    case malformedParameter(String)
    /// `X-Amz-Expires` above 604800 seconds (seven days).
    case expiryTooLong
    /// The access key id in `X-Amz-Credential` is not one this verifier knows.
    case unknownAccessKey
    /// The recomputed signature differs: anything signed was changed (method, path, query,
    /// a signed header such as `content-type` or `host`), or the secret is wrong.
    case signatureMismatch
    /// Now is after `X-Amz-Date` + `X-Amz-Expires`.
    case expired
    /// `X-Amz-Date` is more than the allowed clock skew (5 minutes) in the future.
    case notYetValid
    /// A header named in `X-Amz-SignedHeaders` is missing from the request.
    case missingSignedHeader(String)
    /// A presigned PUT that does not sign `content-type` or carry `x-ccr-max-bytes`: the local
    /// store only accepts uploads whose type and size the signer fixed.
    case unrestrictedUpload(String)
    /// The body is larger than the signed `x-ccr-max-bytes`.
    case bodyTooLarge(maxBytes: Int)

    /// The S3 error a client gets for this refusal (the codes and statuses S3 uses).
    public var s3Error: S3ErrorResponse {
        switch self {
        case .missingParameter(let name):
            S3ErrorResponse(code: "AuthorizationQueryParametersError", message: "Query-string authentication requires the \(name) parameter.")
        case .malformedParameter(let detail):
            S3ErrorResponse(code: "AuthorizationQueryParametersError", message: detail)
        case .expiryTooLong:
            S3ErrorResponse(
                code: "AuthorizationQueryParametersError",
                message: "X-Amz-Expires must be less than a week (in seconds) that is 604800")
        case .unknownAccessKey:
            S3ErrorResponse(code: "InvalidAccessKeyId", message: "The AWS Access Key Id you provided does not exist in our records.")
        case .signatureMismatch:
            S3ErrorResponse(
                code: "SignatureDoesNotMatch",
                message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
        case .expired:
            S3ErrorResponse(code: "AccessDenied", message: "Request has expired")
        case .notYetValid:
            S3ErrorResponse(code: "AccessDenied", message: "Request is not valid yet")
        case .missingSignedHeader(let name):
            S3ErrorResponse(
                code: "SignatureDoesNotMatch",
                message: "The request is missing the signed header \(name); send it with the value it was signed with.")
        case .unrestrictedUpload(let detail):
            S3ErrorResponse(code: "AccessDenied", message: detail)
        case .bodyTooLarge(let maxBytes):
            S3ErrorResponse(
                code: "EntityTooLarge", message: "Your proposed upload exceeds the maximum allowed size of \(maxBytes) bytes.")
        }
    }
}
