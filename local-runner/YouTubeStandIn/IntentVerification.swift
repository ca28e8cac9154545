import Logging
import URLEncoding

/// WebSub §5.2–5.3: the hub's verification of intent (or its denial) to the subscriber's
/// callback, and what follows from the answer.
extension YouTubeStandInServer {
    /// Verifies `request` with the callback and applies it: subscribe activates (replacing an
    /// earlier subscription of the same callback and topic, new secret included) only when the
    /// callback answers 2xx with exactly the challenge; unsubscribe removes likewise. A topic
    /// that is not a known channel's feed is denied instead. Returns whether it took effect.
    @discardableResult
    func verifyIntent(_ request: SubscriptionRequest) async -> Bool {
        guard let channelID = SubscriptionRequest.channelID(ofTopic: request.topic), state.channel(id: channelID) != nil else {
            if request.mode == .subscribe { await deny(request) }
            return false
        }
        let challenge = YouTubeIdentifiers.challenge()
        var parameters = [("hub.mode", request.mode.rawValue), ("hub.topic", request.topic), ("hub.challenge", challenge)]
        if request.mode == .subscribe { parameters.append(("hub.lease_seconds", String(request.leaseSeconds))) }
        if let token = request.verifyToken { parameters.append(("hub.verify_token", token)) }
        let answer = await callbacks.get(PercentEncoding.appendingQuery(parameters, to: request.callback))
        let verified = answer.isSuccess && answer.body == Array(challenge.utf8)
        state.record(HubVerification(mode: request.mode.rawValue, callback: request.callback, topic: request.topic,
                                     outcome: verified ? "verified" : "failed", status: answer.status, error: answer.failure, at: state.now))
        logger.info("verification of intent", metadata: [
            "mode": "\(request.mode.rawValue)", "topic": "\(request.topic)", "verified": "\(verified)",
            "answer": "\(answer.status.map(String.init) ?? answer.failure ?? "none")",
        ])
        guard verified else { return false }
        switch request.mode {
        case .subscribe:
            // The lease counts from the verification (WebSub §5.3.1).
            state.activate(HubSubscription(callback: request.callback, topic: request.topic, channelID: channelID, secret: request.secret,
                                           leaseSeconds: request.leaseSeconds, verifiedAt: state.now))
        case .unsubscribe:
            state.removeSubscription(callback: request.callback, topic: request.topic)
        }
        return true
    }

    /// `GET callback?hub.mode=denied&hub.topic=…&hub.reason=…`; the answer does not matter.
    private func deny(_ request: SubscriptionRequest) async {
        let reason = SubscriptionRequest.channelID(ofTopic: request.topic) == nil
            ? "The topic is not a YouTube channel feed (\(YouTubeChannel.topicPrefix)CHANNEL_ID)."
            : "The channel of this topic does not exist."
        let answer = await callbacks.get(PercentEncoding.appendingQuery(
            [("hub.mode", "denied"), ("hub.topic", request.topic), ("hub.reason", reason)], to: request.callback))
        state.record(HubVerification(mode: "denied", callback: request.callback, topic: request.topic, outcome: "denied",
                                     status: answer.status, error: answer.failure, at: state.now))
    }
}
