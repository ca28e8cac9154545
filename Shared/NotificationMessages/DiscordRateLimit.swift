/// Discord's per-route rate-limit state from a response's `X-RateLimit-*` headers. Discord asks
/// clients not to hard-code limits but to follow these: keep the latest state per bucket (for
/// webhooks, per webhook id) and wait `waitBeforeNextRequestSeconds` before the next request,
/// so a 429 is the exception rather than the signal.
public struct DiscordRateLimit: Sendable, Hashable {
    /// `X-RateLimit-Bucket`: an opaque id shared by routes with one limit.
    public let bucket: String?
    /// `X-RateLimit-Limit`: requests per window.
    public let limit: Int?
    /// `X-RateLimit-Remaining`: requests left in the window.
    public let remaining: Int?
    /// `X-RateLimit-Reset-After`: seconds (with decimals) until the window resets.
    public let resetAfterSeconds: Double?
    /// `X-RateLimit-Reset`: the reset as Unix seconds (with decimals).
    public let resetAtUnixSeconds: Double?
    /// `X-RateLimit-Global: true` on a 429: the limit is the whole client's (for webhooks,
    /// the egress IP's), not this route's.
    public let isGlobal: Bool
    /// `X-RateLimit-Scope` on a 429: `user`, `global` or `shared` (a shared resource's limit,
    /// which does not count toward Cloudflare's invalid-request ban).
    public let scope: String?

    public init(bucket: String? = nil, limit: Int? = nil, remaining: Int? = nil, resetAfterSeconds: Double? = nil,
                resetAtUnixSeconds: Double? = nil, isGlobal: Bool = false, scope: String? = nil) {
        self.bucket = bucket
        self.limit = limit
        self.remaining = remaining
        self.resetAfterSeconds = resetAfterSeconds
        self.resetAtUnixSeconds = resetAtUnixSeconds
        self.isGlobal = isGlobal
        self.scope = scope
    }

    /// The state in `headers` (names in lower case), or nil when there is none.
    public init?(headers: [String: String]) {
        func header(_ name: String) -> String? { headers[name].map { $0.trimmingSpaces() }.flatMap { $0.isEmpty ? nil : $0 } }
        let bucket = header("x-ratelimit-bucket")
        let limit = header("x-ratelimit-limit").flatMap { Int($0) }
        let remaining = header("x-ratelimit-remaining").flatMap { Int($0) }
        let resetAfter = header("x-ratelimit-reset-after").flatMap(parseSeconds)
        let resetAt = header("x-ratelimit-reset").flatMap(parseSeconds)
        let isGlobal = header("x-ratelimit-global")?.lowercased() == "true"
        let scope = header("x-ratelimit-scope")
        guard bucket != nil || limit != nil || remaining != nil || resetAfter != nil || resetAt != nil || isGlobal || scope != nil else { return nil }
        self.init(bucket: bucket, limit: limit, remaining: remaining, resetAfterSeconds: resetAfter, resetAtUnixSeconds: resetAt,
                  isGlobal: isGlobal, scope: scope)
    }

    /// Seconds to wait before the next request on this bucket: the reset when nothing remains,
    /// else zero.
    public var waitBeforeNextRequestSeconds: Double {
        guard let remaining, remaining <= 0 else { return 0 }
        return max(0, resetAfterSeconds ?? 1)
    }
}

/// Non-negative decimal seconds (`1`, `0.5`, `64.57`); nil for anything else (an HTTP-date
/// `Retry-After` included: Discord and Slack send seconds).
func parseSeconds(_ text: String) -> Double? {
    let trimmed = text.trimmingSpaces()
    guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") }),
          let value = Double(trimmed), value.isFinite, value >= 0
    else { return nil }
    return value
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
