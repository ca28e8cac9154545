import Crypto
import Settings

/// The hash functions WebSub allows in `X-Hub-Signature` (§7.1). Google's hub signs with SHA-1.
public enum WebSubSignatureAlgorithm: String, Sendable, CaseIterable {
    case sha1, sha256, sha384, sha512
}

/// The result of checking a notification's `X-Hub-Signature`. Not an error type on purpose: per
/// the spec every outcome is answered 2xx, and only `.valid` bodies are used.
public enum WebSubSignatureCheck: Sendable, Equatable {
    case valid(WebSubSignatureAlgorithm)
    /// Malformed, or the HMAC does not match any accepted secret.
    case invalid
    /// No header (or an empty one): the hub was not given a secret, or someone else sent this.
    case missing
    /// A method outside sha1/sha256/sha384/sha512 (lower-cased as sent, at most 16 characters).
    case unsupportedAlgorithm(String)

    public var isValid: Bool {
        if case .valid = self { return true }
        return false
    }
}

/// `X-Hub-Signature: <method>=<hex HMAC(secret, raw body)>`.
public enum WebSubSignature {
    public static let headerName = "X-Hub-Signature"

    /// Checks the header against the raw body under each secret (the current one and, during a
    /// rotation, the previous ones), always computing every HMAC and comparing in constant time.
    public static func check(header: String?, body: some Collection<UInt8>, secrets: [String]) -> WebSubSignatureCheck {
        guard let header = header?.trimmingWhitespace(), !header.isEmpty else { return .missing }
        guard let equals = header.firstIndex(of: "=") else { return .invalid }
        let method = header[..<equals].lowercased()
        guard let algorithm = WebSubSignatureAlgorithm(rawValue: method) else { return .unsupportedAlgorithm(String(method.prefix(16))) }
        guard let provided = Hex.decode(header[header.index(after: equals)...]) else { return .invalid }
        let body = Array(body)
        var matched = false
        for secret in secrets where !secret.isEmpty {
            let key = SymmetricKey(data: Array(secret.utf8))
            // isValidAuthenticationCode compares in constant time; a wrong length is simply false.
            let valid = switch algorithm {
            case .sha1: HMAC<Insecure.SHA1>.isValidAuthenticationCode(provided, authenticating: body, using: key)
            case .sha256: HMAC<SHA256>.isValidAuthenticationCode(provided, authenticating: body, using: key)
            case .sha384: HMAC<SHA384>.isValidAuthenticationCode(provided, authenticating: body, using: key)
            case .sha512: HMAC<SHA512>.isValidAuthenticationCode(provided, authenticating: body, using: key)
            }
            if valid { matched = true }
        }
        return matched ? .valid(algorithm) : .invalid
    }

    /// The header value a hub sends for `body` (stand-ins and tests).
    public static func sign(body: some Collection<UInt8>, secret: String, algorithm: WebSubSignatureAlgorithm = .sha1) -> String {
        let key = SymmetricKey(data: Array(secret.utf8))
        let body = Array(body)
        let mac: [UInt8] = switch algorithm {
        case .sha1: Array(HMAC<Insecure.SHA1>.authenticationCode(for: body, using: key))
        case .sha256: Array(HMAC<SHA256>.authenticationCode(for: body, using: key))
        case .sha384: Array(HMAC<SHA384>.authenticationCode(for: body, using: key))
        case .sha512: Array(HMAC<SHA512>.authenticationCode(for: body, using: key))
        }
        return algorithm.rawValue + "=" + Hex.encode(mac)
    }
}
