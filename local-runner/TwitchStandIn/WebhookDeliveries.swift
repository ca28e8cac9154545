import Logging
import BlockingIO
import EventSub
import JSONValue

/// The three EventSub messages the stand-in sends, signed with the subscription's secret like
/// Twitch signs them (HMAC-SHA256 over message id + timestamp + body).
extension TwitchStandInServer {
    /// Sends the challenge and moves the subscription to `enabled` if the callback answers 2xx
    /// with exactly the challenge, else to `webhook_callback_verification_failed`.
    func verifyCallback(of subscription: StandInSubscription) async {
        let challenge = StandInIdentifiers.accessToken()
        let body: JSONValue = ["challenge": .string(challenge), "subscription": subscription.json]
        let delivery = SignedDelivery.signed(
            messageType: "webhook_callback_verification", type: subscription.type, version: subscription.version,
            body: JSONWriter.string(body), secret: subscription.secret, messageID: StandInIdentifiers.uuid(), timestamp: StandInState.now())
        let outcome = await deliverer.send(delivery, to: subscription.callback)
        let verified = outcome.isSuccess && outcome.body == Array(challenge.utf8)
        let status = verified ? "enabled" : "webhook_callback_verification_failed"
        state.setStatus(id: subscription.id, to: status, onlyFrom: "webhook_callback_verification_pending")
        logger.info("callback verification", metadata: [
            "subscription": "\(subscription.id)", "callback": "\(subscription.callback)", "status": "\(status)",
            "answer": "\(outcome.status.map(String.init) ?? outcome.failure ?? "none")",
        ])
    }

    /// `{"subscription":{…},"event":{…}}` as a `notification`.
    func sendNotification(event: JSONValue, subscription: StandInSubscription, to callback: String) async -> (messageID: String, DeliveryOutcome) {
        let body: JSONValue = ["subscription": subscription.json, "event": event]
        let messageID = StandInIdentifiers.uuid()
        let delivery = SignedDelivery.signed(
            messageType: "notification", type: subscription.type, version: subscription.version, body: JSONWriter.string(body),
            secret: subscription.secret, messageID: messageID, timestamp: StandInState.now())
        return (messageID, await deliverer.send(delivery, to: callback))
    }

    /// `{"subscription":{… "status":"<reason>" …}}` as a `revocation`.
    func sendRevocation(of subscription: StandInSubscription) async -> DeliveryOutcome {
        let delivery = SignedDelivery.signed(
            messageType: "revocation", type: subscription.type, version: subscription.version,
            body: JSONWriter.string(["subscription": subscription.json]), secret: subscription.secret,
            messageID: StandInIdentifiers.uuid(), timestamp: StandInState.now())
        return await deliverer.send(delivery, to: subscription.callback)
    }
}
