import JSONValue

/// What to do after one delivery attempt.
public enum DeliveryDecision: Sendable, Hashable {
    /// The destination accepted the message.
    case delivered
    /// Rate limited: send again after `retryAfterSeconds` (not a failed attempt: waiting is the
    /// answer, never hammering). `global`: the limit is the sender's as a whole (for Discord
    /// webhooks, the egress IP's), so every destination of the kind should pause.
    case rateLimited(retryAfterSeconds: Double, global: Bool)
    /// A transient failure (5xx, timeout, connection): retry with backoff, not before
    /// `afterSeconds` when the server named a time.
    case retry(afterSeconds: Double?)
    /// The destination is gone or refuses us for good (deleted webhook, reset token, archived
    /// channel, address no longer allowed): disable it and tell the agency why.
    case disableDestination
    /// This message will never be accepted (malformed, refused), but the destination may still
    /// work: dead-letter the delivery, keep the destination.
    case deadLetter
}

/// A decision with a short reason for the delivery log and, for Discord, the route's
/// rate-limit state to obey before the next request.
public struct DeliveryVerdict: Sendable, Hashable {
    public let decision: DeliveryDecision
    /// One line, e.g. "Discord 404 Unknown Webhook (10015): the webhook was deleted".
    public let reason: String
    /// Discord's `X-RateLimit-*` state from this response (nil for other kinds or without headers).
    public let rateLimit: DiscordRateLimit?

    public init(decision: DeliveryDecision, reason: String, rateLimit: DiscordRateLimit? = nil) {
        self.decision = decision
        self.reason = reason
        self.rateLimit = rateLimit
    }

    /// No HTTP response at all. `retryable` comes from the HTTP client (DNS failures, timeouts,
    /// refused connections pass; an invalid or blocked URL does not, and disables the
    /// destination, since every later attempt would be refused the same way).
    public static func transportFailure(_ reason: String, retryable: Bool) -> DeliveryVerdict {
        DeliveryVerdict(decision: retryable ? .retry(afterSeconds: nil) : .disableDestination, reason: reason)
    }
}

/// A destination's HTTP response, read the way each API documents it.
public struct DeliveryResponse: Sendable, Hashable {
    public let kind: NotificationKind
    public let status: Int
    /// Header names in lower case.
    public let headers: [String: String]
    public let body: [UInt8]

    public init(kind: NotificationKind, status: Int, headers: [String: String], body: [UInt8]) {
        self.kind = kind
        self.status = status
        var lowered: [String: String] = [:]
        for (name, value) in headers { lowered[name.lowercased()] = value }
        self.headers = lowered
        self.body = body
    }

    /// Without a wait the server named, a rate limit waits this long (Slack and webhooks).
    public static let defaultRateLimitWaitSeconds = 30.0
    /// A Discord 429 without `retry_after` or any rate-limit header is most likely a Cloudflare
    /// ban of the egress IP (HTML body): wait long and pause every Discord destination.
    public static let unexplainedDiscordLimitWaitSeconds = 60.0

    public var verdict: DeliveryVerdict {
        switch kind {
        case .discord: return discordVerdict()
        case .slack: return slackVerdict()
        case .webhook: return webhookVerdict()
        }
    }

    // MARK: - Discord

    private func discordVerdict() -> DeliveryVerdict {
        let rateLimit = DiscordRateLimit(headers: headers)
        let json = try? JSONParser.parse(body)
        let code = json?["code"]?.int64Value
        let message = json?["message"]?.stringValue
        func verdict(_ decision: DeliveryDecision, _ text: String) -> DeliveryVerdict {
            DeliveryVerdict(decision: decision, reason: text, rateLimit: rateLimit)
        }
        let detail = [message, code.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
        let prefix = "Discord \(status)" + (detail.isEmpty ? "" : " \(excerpt(detail))")
        switch status {
        case 200..<300:
            return verdict(.delivered, "Discord \(status)")
        case 429:
            let isGlobal = json?["global"]?.boolValue == true || rateLimit?.isGlobal == true || rateLimit?.scope == "global"
            let wait = json?["retry_after"].flatMap(Self.seconds) ?? header("retry-after").flatMap(parseSeconds)
                ?? rateLimit?.resetAfterSeconds
            guard let wait else {
                return verdict(.rateLimited(retryAfterSeconds: Self.unexplainedDiscordLimitWaitSeconds, global: true),
                               "Discord 429 without retry_after (a Cloudflare ban of this IP?)")
            }
            let scope = rateLimit?.scope.map { " scope \($0)" } ?? ""
            return verdict(.rateLimited(retryAfterSeconds: wait, global: isGlobal),
                           "Discord 429\(isGlobal ? " global" : "")\(scope): retry after \(Self.format(wait)) s")
        case 404:
            return verdict(.disableDestination, "\(prefix): the webhook was deleted")
        case 401:
            return verdict(.disableDestination, "\(prefix): the webhook's token is no longer valid")
        case 403:
            // Repeated 401/403s count toward Discord's invalid-request ban of the whole IP.
            return verdict(.disableDestination, "\(prefix): Discord refuses this webhook")
        case 408, 500..<600:
            return verdict(.retry(afterSeconds: header("retry-after").flatMap(parseSeconds)), prefix)
        case 300..<400:
            return verdict(.deadLetter, "Discord \(status) redirect not followed: check the webhook URL")
        default:
            return verdict(.deadLetter, prefix)
        }
    }

    // MARK: - Slack

    /// Slack's error codes that mean the webhook will never work again (removed, disabled,
    /// revoked, archived or forbidden channel), whatever the status they come with.
    static let slackGoneCodes: Set<String> = [
        "no_service", "no_service_id", "no_team", "team_disabled", "invalid_token", "no_active_hooks", "channel_not_found",
        "channel_is_archived", "action_prohibited", "posting_to_general_channel_denied", "invalid_team", "team_not_found",
    ]

    private func slackVerdict() -> DeliveryVerdict {
        let text = String(decoding: body.prefix(256), as: UTF8.self).trimmingSpaces()
        let code = text.isEmpty ? "" : " \(excerpt(text))"
        switch status {
        case 200..<300:
            return DeliveryVerdict(decision: .delivered, reason: text == "ok" || text.isEmpty ? "Slack \(status)" : "Slack \(status)\(code)")
        case 429:
            let wait = header("retry-after").flatMap(parseSeconds) ?? Self.defaultRateLimitWaitSeconds
            // Slack may disable an app that keeps posting after a 429.
            return DeliveryVerdict(decision: .rateLimited(retryAfterSeconds: wait, global: false), reason: "Slack 429: retry after \(Self.format(wait)) s")
        case 408, 500..<600:
            return DeliveryVerdict(decision: .retry(afterSeconds: header("retry-after").flatMap(parseSeconds)), reason: "Slack \(status)\(code)")
        case 403, 404, 410:
            return DeliveryVerdict(decision: .disableDestination, reason: "Slack \(status)\(code): \(slackGoneExplanation(text))")
        case 300..<400:
            return DeliveryVerdict(decision: .deadLetter, reason: "Slack \(status) redirect not followed: check the webhook URL")
        default:
            // Only named codes: `no_text` or `invalid_payload` are about this message, not the webhook.
            if Self.slackGoneCodes.contains(text) {
                return DeliveryVerdict(decision: .disableDestination, reason: "Slack \(status)\(code): \(slackGoneExplanation(text))")
            }
            return DeliveryVerdict(decision: .deadLetter, reason: "Slack \(status)\(code)")
        }
    }

    private func slackGoneExplanation(_ code: String) -> String {
        switch code {
        case "no_service", "no_service_id", "no_active_hooks": return "the webhook was disabled or removed"
        case "channel_is_archived": return "the channel is archived"
        case "channel_not_found": return "the channel no longer exists"
        case "action_prohibited", "posting_to_general_channel_denied": return "the workspace does not allow this webhook to post"
        case "invalid_token", "team_disabled", "no_team", "invalid_team", "team_not_found": return "the webhook's workspace or token is no longer valid"
        default: return "the webhook no longer accepts messages"
        }
    }

    // MARK: - Standard Webhooks endpoints

    private func webhookVerdict() -> DeliveryVerdict {
        switch status {
        case 200..<300:
            return DeliveryVerdict(decision: .delivered, reason: "HTTP \(status)")
        case 410:
            // The spec: 410 Gone means the endpoint was removed on purpose; disable it.
            return DeliveryVerdict(decision: .disableDestination, reason: "HTTP 410 Gone: the endpoint was removed")
        case 429:
            let wait = header("retry-after").flatMap(parseSeconds) ?? Self.defaultRateLimitWaitSeconds
            return DeliveryVerdict(decision: .rateLimited(retryAfterSeconds: wait, global: false), reason: "HTTP 429: retry after \(Self.format(wait)) s")
        case 408, 425, 500..<600:
            return DeliveryVerdict(decision: .retry(afterSeconds: header("retry-after").flatMap(parseSeconds)), reason: "HTTP \(status)\(bodyExcerpt())")
        case 300..<400:
            // The spec counts a redirect as a failure: following it would let an endpoint
            // send us anywhere; the agency should update the URL.
            let location = header("location").map { " to \(excerpt($0))" } ?? ""
            return DeliveryVerdict(decision: .deadLetter, reason: "HTTP \(status) redirect\(location) not followed: update the URL")
        default:
            return DeliveryVerdict(decision: .deadLetter, reason: "HTTP \(status)\(bodyExcerpt())")
        }
    }

    // MARK: - Helpers

    private func header(_ name: String) -> String? { headers[name] }

    private func bodyExcerpt() -> String {
        let text = String(decoding: body.prefix(256), as: UTF8.self).trimmingSpaces()
        return text.isEmpty ? "" : ": \(excerpt(text))"
    }

    /// At most 100 characters on one line (a response body is the endpoint's text, not ours).
    private func excerpt(_ text: String) -> String {
        let line = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
        return NotificationLimits.truncate(line, to: 100)
    }

    private static func seconds(_ value: JSONValue) -> Double? {
        switch value {
        case .double(let number) where number.isFinite && number >= 0: return number
        case .int(let number) where number >= 0: return Double(number)
        default: return nil
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? String(Int64(seconds)) : String((seconds * 1000).rounded() / 1000)
    }
}
