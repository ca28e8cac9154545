public import BlockingIO
public import EventSub
public import FunctionRuntime
public import FunctionServer
public import Ingest
import JSONValue
import Logging

/// `POST /webhooks/twitch`: Twitch EventSub webhook deliveries.
///
/// Verify (headers, HMAC over the raw body, timestamp window) → by message type: answer the
/// challenge, record a revocation, or normalize and ingest a notification (stored once per
/// company that tracks the broadcaster, then published to its rooms). 2xx only once durable.
public struct TwitchWebhookFunction: HTTPFunction {
    public static let path = "/webhooks/twitch"

    private let verifier: DeliveryVerifier
    private let ingestor: EventIngestor
    private let subscriptions: SubscriptionStatusStore
    private let revocations: AuthorizationRevocations?
    private let now: @Sendable () -> Double

    public init(
        verifier: DeliveryVerifier, ingestor: EventIngestor, subscriptions: SubscriptionStatusStore,
        revocations: AuthorizationRevocations? = nil, now: @escaping @Sendable () -> Double = wallClockSeconds
    ) {
        self.verifier = verifier
        self.ingestor = ingestor
        self.subscriptions = subscriptions
        self.revocations = revocations
        self.now = now
    }

    public func handle(_ request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        guard request.path == Self.path else { throw FunctionError(status: 404, code: "not_found", message: "no route for \(request.path)") }
        guard request.method == "POST" else { throw FunctionError.methodNotAllowed("use POST") }

        let delivery: EventSubDelivery
        switch verifier.verify(header: { request.header($0) }, body: request.body, now: now()) {
        case .success(let verified):
            delivery = verified
        case .failure(.unknownMessageType(let type)):
            throw FunctionError(status: 400, code: "unknown_message_type", message: "unknown message type \(type)")
        case .failure(let rejection):
            context.logger.notice("eventsub delivery refused", metadata: ["reason": "\(rejection)"])
            throw FunctionError(status: 403, code: "forbidden", message: "\(rejection)")
        }

        let envelope: EventSubEnvelope
        do {
            envelope = try EventSubEnvelope.parse(request.body)
        } catch {
            throw FunctionError(status: 400, code: "invalid_body", message: error.description)
        }

        switch delivery.messageType {
        case .webhookCallbackVerification:
            return try await answerChallenge(envelope, context: context)
        case .revocation:
            return try await recordRevocation(envelope, context: context)
        case .notification where envelope.subscription.type == EventSubCatalog.authorizationRevoke:
            return try await revokeAuthorization(envelope, delivery: delivery, context: context)
        case .notification:
            return try await ingest(envelope, delivery: delivery, body: request.body, context: context)
        }
    }

    /// Not an event of any channel: the creator took our app's access away. 2xx only once every
    /// link is marked (Twitch redelivers otherwise, and a redelivery is harmless).
    private func revokeAuthorization(_ envelope: EventSubEnvelope, delivery: EventSubDelivery, context: FunctionContext) async throws -> FunctionResponse {
        guard let userID = envelope.event?["user_id"]?.stringValue, !userID.isEmpty else {
            throw FunctionError(status: 400, code: "invalid_body", message: "user.authorization.revoke without event.user_id")
        }
        guard let revocations else { throw FunctionError.unavailable("authorization revocations are not handled here") }
        do {
            let count = try await revocations.revoke(twitchUserID: userID, messageID: delivery.messageID, logger: context.logger)
            context.logger.notice("creator revoked our authorization on twitch", metadata: ["twitchUserId": "\(userID)", "links": "\(count)"])
        } catch {
            context.logger.error("could not record an authorization revocation", metadata: ["error": "\(error)"])
            throw FunctionError.unavailable("link store unavailable, retry later")
        }
        return FunctionResponse(status: 204)
    }

    private func answerChallenge(_ envelope: EventSubEnvelope, context: FunctionContext) async throws -> FunctionResponse {
        guard let challenge = envelope.challenge, !challenge.isEmpty else {
            throw FunctionError(status: 400, code: "invalid_body", message: "missing field challenge")
        }
        do {
            try await subscriptions.record(envelope.subscription, status: "enabled")
        } catch {
            // Proving ownership of the callback matters more than our bookkeeping: answer anyway;
            // the renewal job re-reads every status from Helix.
            context.logger.warning("could not record subscription status", metadata: ["error": "\(error)"])
        }
        context.logger.info("eventsub subscription verified", metadata: [
            "subscriptionId": "\(envelope.subscription.id)", "type": "\(envelope.subscription.type)"])
        return FunctionResponse(status: 200, headers: [("content-type", "text/plain")], body: Array(challenge.utf8))
    }

    private func recordRevocation(_ envelope: EventSubEnvelope, context: FunctionContext) async throws -> FunctionResponse {
        do {
            try await subscriptions.record(envelope.subscription, status: envelope.subscription.status)
        } catch {
            context.logger.error("could not record revocation", metadata: ["error": "\(error)"])
            throw FunctionError.unavailable("subscription store unavailable, retry later")
        }
        context.logger.notice("eventsub subscription revoked", metadata: [
            "subscriptionId": "\(envelope.subscription.id)", "status": "\(envelope.subscription.status)"])
        return FunctionResponse(status: 204)
    }

    private func ingest(
        _ envelope: EventSubEnvelope, delivery: EventSubDelivery, body: [UInt8], context: FunctionContext
    ) async throws -> FunctionResponse {
        let notification: NormalizedNotification
        do {
            notification = try EventSubNormalizer.normalize(envelope, delivery: delivery, rawBody: body)
        } catch {
            throw FunctionError(status: 400, code: "invalid_body", message: error.description)
        }
        let outcome: IngestOutcome
        do {
            outcome = try await ingestor.ingest(notification)
        } catch {
            context.logger.error("notification not stored", metadata: ["error": "\(error)", "messageId": "\(delivery.messageID)"])
            throw FunctionError.unavailable("event store unavailable, retry later")
        }
        context.logger.debug("notification ingested", metadata: [
            "messageId": "\(delivery.messageID)", "type": "\(notification.subscriptionType)",
            "stored": "\(outcome.stored.count)", "duplicate": "\(outcome.duplicate)", "unrouted": "\(outcome.unrouted)"])
        return FunctionResponse(status: 204)
    }
}
