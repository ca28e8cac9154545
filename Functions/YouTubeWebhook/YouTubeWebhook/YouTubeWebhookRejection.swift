public import FunctionRuntime
public import WebSub

/// Why the webhook refused a request, one status each. Pushes that are answered 2xx but not used
/// (a bad signature, unreadable XML, another channel's entries) are not refusals: WebSub wants 2xx
/// for them so the hub does not retry (`IgnoredPushes`).
public enum YouTubeWebhookRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not `/webhooks/youtube/<channel id>`: no subscription has this callback. 404.
    case unknownCallback(String)
    /// Neither GET (verification) nor POST (content). 405.
    case methodNotAllowed(String)
    /// A verification request whose query is malformed (a parameter missing, an unknown mode, a
    /// challenge or lease we will not read). 400.
    case invalidVerification(WebSubVerificationRefusal)
    /// A verification of something we did not ask for: no pending subscription for the callback,
    /// another topic or mode (§5.3.1: 404, so nobody can subscribe or unsubscribe us). 404.
    case notRequested(WebSubVerificationRefusal)
    /// A push for a channel we hold no subscription for: §7 asks the hub to drop it. 410.
    case gone(channelID: String)
    /// Postgres or Redis did not answer: the hub retries later. 503.
    case unavailable(String)

    public var status: Int {
        switch self {
        case .unknownCallback, .notRequested: return 404
        case .methodNotAllowed: return 405
        case .invalidVerification: return 400
        case .gone: return 410
        case .unavailable: return 503
        }
    }

    public var code: String {
        switch self {
        case .unknownCallback: return "not_found"
        case .methodNotAllowed: return "method_not_allowed"
        case .invalidVerification: return "invalid_verification"
        case .notRequested: return "not_requested"
        case .gone: return "subscription_gone"
        case .unavailable: return "unavailable"
        }
    }

    public var description: String {
        switch self {
        case .unknownCallback(let path): return "no subscription has the callback \(path.prefix(200))"
        case .methodNotAllowed(let method): return "\(method.prefix(16)) is not allowed: the hub verifies with GET and pushes with POST"
        case .invalidVerification(let refusal), .notRequested(let refusal): return refusal.description
        case .gone(let channel): return "no subscription for channel \(channel)"
        case .unavailable(let what): return "\(what) unavailable, retry later"
        }
    }

    public var functionError: FunctionError {
        FunctionError(status: status, code: code, message: description)
    }
}
