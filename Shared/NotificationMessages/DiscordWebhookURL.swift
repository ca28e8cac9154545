/// A pasted Discord webhook URL (`https://discord.com/api/webhooks/{id}/{token}`, with or
/// without `/v{n}`, `discordapp.com`, `ptb.`/`canary.`), taken apart so it can be sent to a
/// pinned API version: a path without a version goes to Discord's default, which is a
/// deprecated one.
///
/// The scheme and authority are kept as pasted (the local stand-in is not discord.com);
/// whether a non-Discord host is acceptable is the caller's policy (`isDiscordHost`).
public struct DiscordWebhookURL: Sendable, Hashable {
    /// The API version deliveries use.
    public static let apiVersion = 10

    /// `scheme://authority` as pasted, e.g. `https://discord.com`.
    public let origin: String
    /// The webhook's id (a snowflake): the rate-limit bucket key for webhook execution.
    public let webhookID: String
    /// The webhook's token (a secret: store it sealed, never log it).
    public let token: String
    /// `thread_id` from the pasted URL, to post into a thread or forum post.
    public let threadID: String?

    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public static func parse(_ text: String) -> Result<DiscordWebhookURL, ParseError> {
        func fail() -> Result<DiscordWebhookURL, ParseError> {
            .failure(ParseError(reason: "not a Discord webhook URL (https://discord.com/api/webhooks/{id}/{token})"))
        }
        guard let schemeEnd = text.firstRange(of: "://") else { return fail() }
        let afterScheme = text[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        guard authorityEnd > afterScheme.startIndex else { return fail() }
        let origin = String(text[..<authorityEnd])
        var rest = text[authorityEnd...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var segments = rest.split(separator: "/", omittingEmptySubsequences: true)
        guard segments.first == "api" else { return fail() }
        segments.removeFirst()
        if let version = segments.first, version.hasPrefix("v"), version.dropFirst().allSatisfy(\.isNumber), version.count > 1 {
            segments.removeFirst()
        }
        guard segments.count == 3, segments[0] == "webhooks" else { return fail() }
        let id = segments[1]
        let token = segments[2]
        guard (1...20).contains(id.count), id.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              (1...200).contains(token.count), token.utf8.allSatisfy(isTokenCharacter)
        else { return fail() }
        var threadID: String?
        for pair in query.split(separator: "&") where pair.hasPrefix("thread_id=") {
            let value = pair.dropFirst("thread_id=".count)
            guard (1...20).contains(value.count), value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return fail() }
            threadID = String(value)
        }
        return .success(DiscordWebhookURL(origin: origin, webhookID: String(id), token: String(token), threadID: threadID))
    }

    /// Execute Webhook at the pinned version with `wait=true` (Discord then answers 200 with
    /// the message, or an error; without it a message that is not saved returns no error).
    public var executeURL: String {
        var url = "\(origin)/api/v\(Self.apiVersion)/webhooks/\(webhookID)/\(token)?wait=true"
        if let threadID { url += "&thread_id=\(threadID)" }
        return url
    }

    /// The webhook itself (GET needs no authorization: a cheap "is it still there?").
    public var webhookURL: String { "\(origin)/api/v\(Self.apiVersion)/webhooks/\(webhookID)/\(token)" }

    /// True for Discord's own hosts (discord.com, discordapp.com, their ptb. and canary.).
    public var isDiscordHost: Bool {
        let lowered = origin.lowercased()
        return ["https://discord.com", "https://discordapp.com", "https://ptb.discord.com", "https://canary.discord.com",
                "https://ptb.discordapp.com", "https://canary.discordapp.com"].contains(lowered)
    }

    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}
