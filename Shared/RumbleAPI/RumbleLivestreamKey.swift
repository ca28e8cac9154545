import Settings
import URLEncoding

/// The key of a channel's Live Stream API URL (`https://rumble.com/-livestream-api/get-data?key=…`,
/// from rumble.com/account/livestream-api). Whoever holds it reads the channel's live data, so it
/// is a secret: only the key is kept (the request URL is rebuilt from the configured base URL, so
/// no user-given host is ever called), and it never appears in descriptions, errors or logs.
public struct RumbleLivestreamKey: Sendable, Equatable, CustomStringConvertible {
    public static let path = "/-livestream-api/get-data"

    /// The key itself: only for the request and for sealing at rest.
    public let secret: String

    /// Accepts the URL as Rumble shows it (host rumble.com, the API path, a `key` parameter), a
    /// URL on `baseURL` (the configured Live Stream API: locally the stand-in hands out its own),
    /// or a bare key.
    public init(parsing input: String, baseURL: String = RumbleConfiguration.rumbleBaseURL) throws(RumbleKeyError) {
        let text = input.trimmingWhitespace()
        guard !text.isEmpty else { throw .empty }
        guard text.utf8.count <= 2048 else { throw .invalidKey }
        guard text.contains("/") || text.contains("?") else {
            try self.init(key: text)
            return
        }
        let (origin, pathAndQuery) = Self.split(text)
        let accepted = ["rumble.com", "www.rumble.com", Self.split(baseURL).origin]
        guard accepted.contains(origin) else { throw .notALivestreamAPIURL }
        let queryStart = pathAndQuery.firstIndex(of: "?") ?? pathAndQuery.endIndex
        guard pathAndQuery[..<queryStart] == Self.path, queryStart < pathAndQuery.endIndex else { throw .notALivestreamAPIURL }
        var query = pathAndQuery[pathAndQuery.index(after: queryStart)...]
        if let fragment = query.firstIndex(of: "#") { query = query[..<fragment] }
        guard let key = QueryItems(String(query)).first("key") else { throw .missingKey }
        try self.init(key: key)
    }

    /// Lower-cased host (and port) without the scheme, and the rest from the first `/`.
    private static func split(_ url: String) -> (origin: String, rest: Substring) {
        var rest = Substring(url)
        for scheme in ["https://", "http://"] where rest.lowercased().hasPrefix(scheme) { rest = rest.dropFirst(scheme.count) }
        let pathStart = rest.firstIndex(of: "/") ?? rest.endIndex
        return (rest[..<pathStart].lowercased(), rest[pathStart...])
    }

    private init(key: String) throws(RumbleKeyError) {
        // Keys are URL-safe tokens; anything else would need escaping we do not expect to need.
        guard (8...512).contains(key.utf8.count),
              key.utf8.allSatisfy({ PercentEncoding.isUnreserved($0) })
        else { throw .invalidKey }
        self.secret = key
    }

    /// Enough to tell two keys apart in an operator's log, nothing to use.
    public var description: String { "rumble-key(…\(secret.suffix(4)))" }

    /// `text` with every occurrence of the key replaced (for messages that may quote a URL).
    func redact(_ text: String) -> String {
        text.replacing(secret, with: "[redacted]")
    }
}

public enum RumbleKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case notALivestreamAPIURL
    case missingKey
    case invalidKey

    public var description: String {
        switch self {
        case .empty: return "paste the channel's Live Stream API URL from rumble.com/account/livestream-api"
        case .notALivestreamAPIURL: return "not a Rumble Live Stream API URL (https://rumble.com/-livestream-api/get-data?key=…)"
        case .missingKey: return "the URL has no key parameter"
        case .invalidKey: return "the key has unexpected characters or length"
        }
    }
}
