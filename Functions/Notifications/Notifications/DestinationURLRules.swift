public import NotificationMessages
public import OutboundHTTP
public import Settings

/// Which destination URLs may be saved. Every URL passes `OutboundURLPolicy` (https and a
/// public host, unless `OUTBOUND_ALLOW_PRIVATE`); the delivery job checks the address again at
/// connect time. Discord and Slack URLs must also be on their service's hosts, because a
/// "Discord" destination is sent Discord's payload with Discord's rate-limit handling. Their own
/// hosts are always allowed; the settings add more, which is how the local stand-ins
/// (`127.0.0.1:port`) are allowed.
public struct DestinationURLRules: Sendable {
    public var policy: OutboundURLPolicy
    /// `host` or `host:port` entries, lower case: the service's own, then the extra ones.
    public var discordHosts: [String]
    public var slackHosts: [String]

    public static let defaultDiscordHosts = ["discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"]
    public static let defaultSlackHosts = ["hooks.slack.com"]

    /// `extraDiscordHosts` / `extraSlackHosts` are allowed besides the services' own hosts.
    public init(policy: OutboundURLPolicy = .production, extraDiscordHosts: [String] = [], extraSlackHosts: [String] = []) {
        self.policy = policy
        self.discordHosts = Self.defaultDiscordHosts + extraDiscordHosts.map { $0.lowercased() }
        self.slackHosts = Self.defaultSlackHosts + extraSlackHosts.map { $0.lowercased() }
    }

    /// `OUTBOUND_ALLOW_PRIVATE` / `OUTBOUND_ALLOWED_PORTS` (see `OutboundURLPolicy`),
    /// `NOTIFY_DISCORD_HOSTS` and `NOTIFY_SLACK_HOSTS` (comma-separated `host` or `host:port`
    /// allowed besides Discord's and Slack's own hosts).
    public static func fromEnvironment(_ environment: Environment) throws -> DestinationURLRules {
        func hosts(_ name: String) throws -> [String] {
            guard let text = environment.optional(name) else { return [] }
            var entries: [String] = []
            for item in text.split(separator: ",") {
                let entry = item.trimmingWhitespace().lowercased()
                guard !entry.isEmpty, entry.utf8.allSatisfy({ isHostEntryCharacter($0) }) else {
                    throw ConfigurationError("\(name) must be comma-separated host or host:port entries (got \(text))")
                }
                entries.append(entry)
            }
            guard !entries.isEmpty else { throw ConfigurationError("\(name) lists no host") }
            return entries
        }
        return DestinationURLRules(policy: try OutboundURLPolicy.fromEnvironment(environment),
                                   extraDiscordHosts: try hosts("NOTIFY_DISCORD_HOSTS"), extraSlackHosts: try hosts("NOTIFY_SLACK_HOSTS"))
    }

    /// A URL that may be saved: `url` is what is sealed (canonical; a Discord URL at the pinned
    /// API version), `hint` what the API shows instead.
    public struct Accepted: Sendable, Hashable {
        public let url: String
        public let hint: String
    }

    /// The URL to store for a destination of `kind`, or why it is refused (a sentence for a 422).
    public func check(_ text: String, kind: NotificationKind) -> Result<Accepted, URLRefusal> {
        var candidate = text
        if kind == .discord {
            switch DiscordWebhookURL.parse(text) {
            case .failure(let error): return .failure(URLRefusal(error.reason, otherKind: true))
            case .success(let discord):
                candidate = discord.webhookURL + (discord.threadID.map { "?thread_id=\($0)" } ?? "")
            }
        }
        let url: OutboundURL
        switch policy.check(url: candidate) {
        case .failure(let refusal): return .failure(URLRefusal(refusal.reason))
        case .success(let checked): url = checked
        }
        switch kind {
        case .discord where !Self.host(url, isIn: discordHosts):
            return .failure(URLRefusal("\(url.hostText) is not a Discord host (allowed: \(discordHosts.joined(separator: ", ")))", otherKind: true))
        case .slack where !Self.host(url, isIn: slackHosts):
            return .failure(URLRefusal("\(url.hostText) is not a Slack webhook host (allowed: \(slackHosts.joined(separator: ", ")))", otherKind: true))
        default:
            break
        }
        return .success(Accepted(url: url.description, hint: Self.hint(url)))
    }

    static func host(_ url: OutboundURL, isIn entries: [String]) -> Bool {
        entries.contains(url.hostText) || entries.contains("\(url.hostText):\(url.port)")
    }

    /// Scheme, host (and port) and the last four characters: enough to tell two destinations
    /// apart, too little to use (a Discord or Slack webhook URL is itself the credential).
    static func hint(_ url: OutboundURL) -> String {
        let origin = "\(url.scheme)://\(url.hostText)\(url.explicitPort.map { ":\($0)" } ?? "")"
        let path = url.pathAndQuery
        guard path.count > 12 else { return origin + "/…" }
        return origin + "/…" + path.suffix(4)
    }

    private static func isHostEntryCharacter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "[")
            || byte == UInt8(ascii: "]")
    }
}

/// Why a destination URL cannot be saved.
public struct URLRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: String
    /// The URL may be fine, but not for this kind of destination (not Discord's or Slack's).
    public let otherKind: Bool
    public init(_ reason: String, otherKind: Bool = false) {
        self.reason = reason
        self.otherKind = otherKind
    }
    public var description: String { reason }
}
