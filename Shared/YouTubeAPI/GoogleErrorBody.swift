import JSONValue

/// Google's JSON error body: `{"error": {"code", "message", "errors": [{"domain", "reason",
/// "message"}], "status", "details": [{"@type", "reason"}]}}`. Newer answers carry the reason in
/// `details[].reason` (`API_KEY_INVALID`) as well as or instead of `errors[].reason`.
struct GoogleErrorBody: Equatable {
    let message: String
    let reasons: [String]

    init(status: Int, body: [UInt8]) {
        let error = (try? JSONParser.parse(body))?["error"]
        var reasons = (error?["errors"]?.arrayValue ?? []).compactMap { $0["reason"]?.stringValue }
        reasons += (error?["details"]?.arrayValue ?? []).compactMap { $0["reason"]?.stringValue }
        self.reasons = reasons
        if let message = error?["message"]?.stringValue, !message.isEmpty {
            self.message = String(message.prefix(300))
        } else {
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            self.message = text.isEmpty ? "HTTP \(status)" : text
        }
    }

    /// The typed error for a non-success answer.
    static func error(status: Int, body: [UInt8]) -> YouTubeAPIError {
        let parsed = GoogleErrorBody(status: status, body: body)
        let reasons = Set(parsed.reasons)
        if !reasons.isDisjoint(with: ["quotaExceeded", "dailyLimitExceeded"]) { return .quotaExceeded(parsed.message) }
        if !reasons.isDisjoint(with: ["keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_EXPIRED", "accessNotConfigured",
                                      "ipRefererBlocked", "API_KEY_SERVICE_BLOCKED", "API_KEY_IP_ADDRESS_BLOCKED"]) {
            return .keyInvalid(parsed.message)
        }
        if status == 429 || !reasons.isDisjoint(with: ["rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"]) {
            return .rateLimited(parsed.message)
        }
        return .requestFailed(status: status, reason: parsed.reasons.first, message: parsed.message)
    }
}
