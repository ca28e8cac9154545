import Settings
import URLEncoding
import WebSub

/// The platforms a creator's channel can be on.
public enum ChannelPlatform: String, Sendable, Equatable, CaseIterable {
    case twitch, youtube, rumble
}

/// What an agency pasted to name a channel, read but not yet resolved: YouTube handles still need
/// `channels.list`, Twitch logins `GET /users`, Rumble names the channel's API key URL.
///
/// Accepted: `https://www.youtube.com/@handle` (any tab after it: `/live`, `/videos`, …),
/// `youtube.com/@handle`, `https://www.youtube.com/channel/UC…`, a bare `UC…` id, `@handle`;
/// `https://rumble.com/c/name`, `https://rumble.com/user/name`; `https://www.twitch.tv/login`.
/// The scheme may be left out; a query or fragment (`?si=…`) is ignored. Everything else is a
/// `ChannelReferenceError` that says what was wrong.
public struct ChannelReference: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// YouTube `UC…` id.
        case channelID = "channel_id"
        /// YouTube handle, without `@`.
        case handle
        /// Twitch login, lower-cased.
        case login
        /// Rumble `/c/name`.
        case channel
        /// Rumble `/user/name`.
        case user
    }

    public let platform: ChannelPlatform
    public let kind: Kind
    public let value: String

    public init(platform: ChannelPlatform, kind: Kind, value: String) {
        self.platform = platform
        self.kind = kind
        self.value = value
    }

    public var description: String { "\(platform.rawValue) \(kind.rawValue) \(value)" }

    /// Longer input is not a channel reference.
    public static let maximumLength = 512

    public init(parsing input: String) throws(ChannelReferenceError) {
        let text = input.trimmingWhitespace()
        guard !text.isEmpty else { throw .empty }
        guard text.utf8.count <= Self.maximumLength else { throw .tooLong }
        guard !text.contains(where: { $0.isWhitespace || $0.unicodeScalars.contains { $0.properties.generalCategory == .control } }) else {
            throw .invalidCharacters
        }
        if text.hasPrefix("@") {
            self = try Self.youTubeHandle(String(text.dropFirst()))
        } else if YouTubeIdentifiers.isChannelID(text) {
            self.init(platform: .youtube, kind: .channelID, value: text)
        } else if text.contains("/") || text.contains(".") {
            self = try Self.url(text)
        } else {
            // "shroud" could be a Twitch login, a YouTube handle without @ or a Rumble name.
            throw .ambiguous
        }
    }

    // MARK: - URLs

    private static func url(_ text: String) throws(ChannelReferenceError) -> ChannelReference {
        var rest = Substring(text)
        if let schemeEnd = rest.firstRange(of: "://") {
            let scheme = rest[..<schemeEnd.lowerBound].lowercased()
            guard scheme == "https" || scheme == "http" else { throw .unsupportedScheme(String(scheme.prefix(16))) }
            rest = rest[schemeEnd.upperBound...]
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        // user@host and host:port are never what a channel page looks like; refusing them also
        // keeps `youtube.com@evil.example` from reading as YouTube.
        guard !authority.contains("@"), !authority.contains(":") else { throw .invalidURL }
        var host = authority.lowercased()
        if host.hasSuffix(".") { host.removeLast() }
        let afterAuthority = rest[authorityEnd...]
        let pathEnd = afterAuthority.firstIndex { $0 == "?" || $0 == "#" } ?? afterAuthority.endIndex
        let segments = afterAuthority[..<pathEnd].split(separator: "/").map(String.init)
        switch host {
        case "youtube.com", "www.youtube.com", "m.youtube.com":
            return try youTubePath(segments)
        case "youtu.be":
            throw .videoNotChannel
        case "rumble.com", "www.rumble.com":
            return try rumblePath(segments)
        case "twitch.tv", "www.twitch.tv", "m.twitch.tv":
            return try twitchPath(segments)
        case "":
            throw .invalidURL
        default:
            throw .unsupportedHost(String(host.prefix(100)))
        }
    }

    private static func youTubePath(_ segments: [String]) throws(ChannelReferenceError) -> ChannelReference {
        guard let first = segments.first else { throw .missingChannel }
        if first.hasPrefix("@") {
            // Handles in other scripts arrive percent-encoded.
            guard let decoded = PercentEncoding.decode(first.dropFirst()) else { throw .invalidHandle }
            return try youTubeHandle(decoded)
        }
        switch first {
        case "channel":
            guard segments.count >= 2 else { throw .missingChannel }
            guard YouTubeIdentifiers.isChannelID(segments[1]) else { throw .invalidChannelID }
            return ChannelReference(platform: .youtube, kind: .channelID, value: segments[1])
        case "c", "user":
            // Legacy custom URLs and usernames cannot be resolved reliably through the API.
            throw .legacyYouTubeURL
        case "watch", "live", "shorts", "embed", "playlist":
            throw .videoNotChannel
        default:
            throw .unrecognizedPath
        }
    }

    /// YouTube handles: 3–30 letters or digits (any script), `_`, `-` and `.`.
    private static func youTubeHandle(_ handle: String) throws(ChannelReferenceError) -> ChannelReference {
        guard (3...30).contains(handle.count),
              handle.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." })
        else { throw .invalidHandle }
        return ChannelReference(platform: .youtube, kind: .handle, value: handle)
    }

    private static func rumblePath(_ segments: [String]) throws(ChannelReferenceError) -> ChannelReference {
        guard let first = segments.first else { throw .missingChannel }
        let kind: Kind
        switch first.lowercased() {
        case "c": kind = .channel
        case "user": kind = .user
        default: throw .unrecognizedPath
        }
        guard segments.count >= 2 else { throw .missingChannel }
        let name = segments[1]
        guard (1...100).contains(name.utf8.count), name.utf8.allSatisfy({ isASCIIAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
        else { throw .invalidName }
        return ChannelReference(platform: .rumble, kind: kind, value: name)
    }

    /// Twitch pages that are not channels.
    private static let twitchReservedPaths: Set<String> = [
        "directory", "videos", "settings", "search", "downloads", "jobs", "p", "store", "turbo", "prime", "subscriptions",
        "inventory", "wallet", "drops", "friends", "messages", "login", "signup", "logout", "moderator", "popout", "embed", "team",
    ]

    private static func twitchPath(_ segments: [String]) throws(ChannelReferenceError) -> ChannelReference {
        guard let first = segments.first else { throw .missingChannel }
        let login = first.lowercased()
        guard !twitchReservedPaths.contains(login) else { throw .unrecognizedPath }
        // Twitch logins: letters, digits and underscore, at most 25.
        guard (1...25).contains(login.utf8.count), login.utf8.allSatisfy({ isASCIIAlphanumeric($0) || $0 == UInt8(ascii: "_") }) else {
            throw .invalidLogin
        }
        return ChannelReference(platform: .twitch, kind: .login, value: login)
    }

    private static func isASCIIAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}

/// Why a pasted text is not a channel reference; `description` is shown to the user.
public enum ChannelReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case tooLong
    case invalidCharacters
    /// A bare name: which platform is meant cannot be told.
    case ambiguous
    case unsupportedScheme(String)
    case invalidURL
    case unsupportedHost(String)
    /// A platform's home page or a page that is not a channel's.
    case missingChannel
    case unrecognizedPath
    case videoNotChannel
    case legacyYouTubeURL
    case invalidHandle
    case invalidChannelID
    case invalidLogin
    case invalidName

    public var description: String {
        switch self {
        case .empty: return "enter a channel URL, a YouTube @handle or a YouTube channel id"
        case .tooLong: return "too long to be a channel reference"
        case .invalidCharacters: return "contains spaces or control characters"
        case .ambiguous: return "a bare name could be on any platform: paste the channel URL, or @handle for YouTube"
        case .unsupportedScheme(let scheme): return "only http and https URLs are accepted (got \(scheme))"
        case .invalidURL: return "not a channel URL (user names and ports are not part of one)"
        case .unsupportedHost(let host): return "\(host) is not YouTube, Twitch or Rumble"
        case .missingChannel: return "the URL does not name a channel"
        case .unrecognizedPath: return "the URL is not a channel page"
        case .videoNotChannel: return "this is a video link: paste the channel's URL or @handle"
        case .legacyYouTubeURL: return "legacy /c/ and /user/ YouTube URLs cannot be resolved: paste the @handle or /channel/UC… URL"
        case .invalidHandle: return "a YouTube handle has 3 to 30 letters, digits, _, - or ."
        case .invalidChannelID: return "a YouTube channel id is UC followed by 22 letters, digits, - or _"
        case .invalidLogin: return "a Twitch login has at most 25 letters, digits or _"
        case .invalidName: return "a Rumble channel name has letters, digits, _, - or ."
        }
    }
}
