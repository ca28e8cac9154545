import Crypto
import NIOConcurrencyHelpers
public import JSONValue

/// Recording what the endpoints accepted.
extension DiscordStandInState {
    enum WebhookLookup {
        case found(StandInWebhook)
        case unknown
        case invalidToken
    }

    func lookUp(webhookID: String, token: String) -> WebhookLookup {
        guard let webhook = webhook(id: webhookID) else { return .unknown }
        // Digests compare in constant time (swift-crypto), whatever the tokens' lengths.
        return SHA256.hash(data: Array(webhook.token.utf8)) == SHA256.hash(data: Array(token.utf8)) ? .found(webhook) : .invalidToken
    }

    func recordMessage(webhook: StandInWebhook, body: JSONValue, rawBody: [UInt8], threadID: String?, mentions: ResolvedMentions) -> ReceivedMessage {
        let now = clock()
        let message = ReceivedMessage(id: StandInIdentifiers.snowflake(now: now), webhookID: webhook.id, channelID: webhook.channelID,
                                      receivedAt: now, body: body, rawBody: rawBody, threadID: threadID, mentions: mentions)
        store.withLockedValue { store in
            store.messages.append(message)
            store.counters[.webhook(webhook.id), default: TrafficCounters()].accepted += 1
        }
        return message
    }

    func recordSlackMessage(hook: StandInSlackHook, body: JSONValue, rawBody: [UInt8]) {
        let message = SlackMessage(hookID: hook.hookID, receivedAt: clock(), body: body, rawBody: rawBody)
        store.withLockedValue { store in
            store.slackMessages.append(message)
            store.counters[.slack(hook.hookID), default: TrafficCounters()].accepted += 1
        }
    }

    @discardableResult
    func recordDelivery(receiver: String, messageID: String, timestamp: Int64, rawBody: [UInt8]) -> ReceiverDelivery {
        let now = clock()
        return store.withLockedValue { store in
            let isDuplicate = !store.acceptedDeliveryIDs[receiver, default: []].insert(messageID).inserted
            let delivery = ReceiverDelivery(receiver: receiver, messageID: messageID, timestamp: timestamp, receivedAt: now, rawBody: rawBody,
                                            isDuplicate: isDuplicate)
            store.deliveries.append(delivery)
            store.counters[.receiver(receiver), default: TrafficCounters()].accepted += 1
            if isDuplicate { store.counters[.receiver(receiver), default: TrafficCounters()].duplicates += 1 }
            return delivery
        }
    }
}
