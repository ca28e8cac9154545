import URLEncoding

/// A validated `POST /subscribe`: the hub's parameters, checked the way the reference hub
/// (pubsubhubbub/PubSubHubbub `hub/main.py`) checks them, each failure one plain-text line.
struct SubscriptionRequest: Sendable {
    enum Mode: String, Sendable { case subscribe, unsubscribe }

    let mode: Mode
    let callback: String
    let topic: String
    /// Granted: the requested value capped at the maximum, or the default.
    let leaseSeconds: Int
    let secret: String?
    /// `hub.verify=sync` (PuSH 0.3): verify before answering (204, or 409 on failure).
    let synchronous: Bool
    /// `hub.verify_token` (PuSH 0.3), echoed in the verification request.
    let verifyToken: String?

    /// WebSub §5.1: the secret is less than 200 bytes.
    static let maximumSecretBytes = 199

    /// The request, or the 400 line. As in the reference hub, the later checks win when several
    /// fail (lease, mode, verify, topic, callback, in that order of precedence).
    static func parse(_ parameters: QueryItems, configuration: YouTubeStandInConfiguration) -> Result<SubscriptionRequest, StandInResponse> {
        let callback = parameters.first("hub.callback") ?? ""
        let topic = parameters.first("hub.topic") ?? ""
        let modeText = (parameters.first("hub.mode") ?? "").lowercased()
        let verifyTypes = parameters.values("hub.verify").map { $0.lowercased() }
        let leaseText = parameters.first("hub.lease_seconds")
        let secret = parameters.first("hub.secret")

        var lease = configuration.defaultLeaseSeconds
        if let leaseText, !leaseText.isEmpty {
            guard let requested = Int(leaseText), String(requested) == leaseText else {
                return .failure(.text(400, "Invalid value for hub.lease_seconds: \(leaseText)"))
            }
            // Hubs must not grant perpetual leases; a zero or negative request gets the default.
            lease = requested > 0 ? min(requested, configuration.maximumLeaseSeconds) : configuration.defaultLeaseSeconds
        }
        guard let mode = Mode(rawValue: modeText) else { return .failure(.text(400, "Invalid value for hub.mode: \(modeText)")) }
        let supported = verifyTypes.first { $0 == "sync" || $0 == "async" }
        if !verifyTypes.isEmpty, supported == nil {
            return .failure(.text(400, "Invalid values for hub.verify: \(verifyTypes)"))
        }
        guard isValidURL(topic) else { return .failure(.text(400, "Invalid parameter: hub.topic")) }
        guard isValidURL(callback) else { return .failure(.text(400, "Invalid parameter: hub.callback")) }
        if let secret, secret.utf8.count > maximumSecretBytes {
            return .failure(.text(400, "Invalid value for hub.secret: must be less than 200 bytes"))
        }
        return .success(SubscriptionRequest(
            mode: mode, callback: callback, topic: topic, leaseSeconds: lease, secret: secret.flatMap { $0.isEmpty ? nil : $0 },
            synchronous: supported == "sync", verifyToken: parameters.first("hub.verify_token")))
    }

    /// An absolute http(s) URL with a host and no fragment. The reference hub also limits
    /// callback ports outside its development mode; the stand-in, being local, does not.
    static func isValidURL(_ text: String) -> Bool {
        let lowered = text.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else { return false }
        guard !text.contains("#"), !text.contains(" ") else { return false }
        let afterScheme = text.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        return afterScheme.count >= 3 && !afterScheme[2].isEmpty
    }

    /// The channel of a YouTube channel-feed topic, nil for any other topic.
    static func channelID(ofTopic topic: String) -> String? {
        guard topic.hasPrefix(YouTubeChannel.topicPrefix) else { return nil }
        let id = String(topic.dropFirst(YouTubeChannel.topicPrefix.count))
        return YouTubeIdentifiers.isChannelID(id) ? id : nil
    }
}
