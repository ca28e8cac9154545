import BlockingIO
import Crypto
public import JSONValue
import NIOConcurrencyHelpers
public import NotificationMessages

/// A refused control input (unknown webhook, bad limit).
public struct StandInInputError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Everything the stand-in knows, in memory behind one lock: Discord webhooks and their
/// messages, Slack hooks, Standard Webhooks receivers, rate-limit windows, queued forced answers
/// and counters. Tests call these methods directly; the control API calls the same ones.
public final class DiscordStandInState: Sendable {
    let store: NIOLockedValueBox<Store>
    /// Unix seconds (the rate-limit windows and `X-RateLimit-Reset` use it).
    let clock: @Sendable () -> Double

    /// Rate limits, counters and forced answers are kept per traffic key.
    enum TrafficKey: Hashable {
        case webhook(String)
        case slack(String)
        case receiver(String)
        /// The global limit's key: the client IP (webhook execution is unauthenticated).
        case global(String)
    }

    struct Store {
        var configuration: DiscordStandInConfiguration
        var webhooks: [String: StandInWebhook] = [:]
        var slackHooks: [String: StandInSlackHook] = [:]
        var receivers: [String: StandInReceiver] = [:]
        var messages: [ReceivedMessage] = []
        var slackMessages: [SlackMessage] = []
        var deliveries: [ReceiverDelivery] = []
        var acceptedDeliveryIDs: [String: Set<String>] = [:]
        var windows: [TrafficKey: RateWindow] = [:]
        /// Per-key limits set through the control API (else the configuration's).
        var limits: [TrafficKey: (limit: Int, windowSeconds: Double)] = [:]
        /// The end of the window the last 429 announced (`now + retry_after`).
        var announced: [TrafficKey: Double] = [:]
        var forced: [TrafficKey: [ForcedResponse]] = [:]
        var counters: [TrafficKey: TrafficCounters] = [:]
    }

    /// `clock`: Unix seconds; nil for the wall clock (tests of time-bound checks pass a fixed one).
    public init(configuration: DiscordStandInConfiguration = DiscordStandInConfiguration(), clock: (@Sendable () -> Double)? = nil) {
        self.store = NIOLockedValueBox(Store(configuration: configuration))
        self.clock = clock ?? { wallClockSeconds() }
    }

    public var configuration: DiscordStandInConfiguration { store.withLockedValue { $0.configuration } }

    /// The stand-in's clock (Unix seconds): what signed timestamps are checked against.
    public var currentTime: Double { clock() }

    /// Forgets everything: webhooks, hooks, receivers, messages, windows, counters, forced answers.
    /// The limits go back to `configuration` (the current one when nil).
    public func reset(configuration: DiscordStandInConfiguration? = nil) {
        store.withLockedValue { store in store = Store(configuration: configuration ?? store.configuration) }
    }

    // MARK: Discord webhooks

    @discardableResult
    public func createWebhook(name: String = "Stand-in", channelID: String? = nil, guildID: String? = nil) -> StandInWebhook {
        let now = clock()
        let webhook = StandInWebhook(id: StandInIdentifiers.snowflake(now: now), token: StandInIdentifiers.webhookToken(), name: name,
                                     channelID: channelID ?? StandInIdentifiers.snowflake(now: now),
                                     guildID: guildID ?? StandInIdentifiers.snowflake(now: now))
        store.withLockedValue { $0.webhooks[webhook.id] = webhook }
        return webhook
    }

    /// Deletes a webhook, as a server admin would: later requests get 404 `Unknown Webhook`.
    /// Its messages stay readable.
    @discardableResult
    public func deleteWebhook(id: String) -> Bool {
        store.withLockedValue { $0.webhooks.removeValue(forKey: id) != nil }
    }

    public func webhook(id: String) -> StandInWebhook? { store.withLockedValue { $0.webhooks[id] } }
    public var webhooks: [StandInWebhook] { store.withLockedValue { Array($0.webhooks.values) } }

    /// Messages in arrival order; one webhook's, or all.
    public func messages(webhookID: String? = nil) -> [ReceivedMessage] {
        store.withLockedValue { store in webhookID.map { id in store.messages.filter { $0.webhookID == id } } ?? store.messages }
    }

    /// Groups of messages to one webhook with byte-identical bodies (more than one each). A
    /// sender that renders two events identically shows up here too; tests that need an exact
    /// answer compare a per-event field of the content.
    public func identicalMessages(webhookID: String? = nil) -> [[ReceivedMessage]] {
        var groups: [String: [ReceivedMessage]] = [:]
        var order: [String] = []
        for message in messages(webhookID: webhookID) {
            let key = message.webhookID + "\u{0}" + String(decoding: message.rawBody, as: UTF8.self)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(message)
        }
        return order.compactMap { groups[$0] }.filter { $0.count > 1 }
    }

    // MARK: Slack

    @discardableResult
    public func createSlackHook(channel: String = "#general", teamID: String? = nil) -> StandInSlackHook {
        let hook = StandInSlackHook(teamID: teamID ?? StandInIdentifiers.slackID(prefix: "T"), hookID: StandInIdentifiers.slackID(prefix: "B"),
                                    token: StandInIdentifiers.slackToken(), channel: channel)
        store.withLockedValue { $0.slackHooks[hook.hookID] = hook }
        return hook
    }

    /// Removes a hook (Slack: the app was uninstalled): later posts get 404 `no_service`.
    @discardableResult
    public func deleteSlackHook(id: String) -> Bool {
        store.withLockedValue { $0.slackHooks.removeValue(forKey: id) != nil }
    }

    public func slackHook(id: String) -> StandInSlackHook? { store.withLockedValue { $0.slackHooks[id] } }

    public func slackMessages(hookID: String? = nil) -> [SlackMessage] {
        store.withLockedValue { store in hookID.map { id in store.slackMessages.filter { $0.hookID == id } } ?? store.slackMessages }
    }

    // MARK: Standard Webhooks receivers

    /// Registers (or replaces) a receiver; without a secret, a fresh one.
    @discardableResult
    public func registerReceiver(name: String, secret: WebhookSecret? = nil) throws(StandInInputError) -> StandInReceiver {
        guard StandInReceiver.isValidName(name) else { throw StandInInputError("a receiver name is 1-64 of A-Z, a-z, 0-9, - and _") }
        let receiver = StandInReceiver(name: name, secret: secret ?? WebhookSecret.generate())
        store.withLockedValue { $0.receivers[name] = receiver }
        return receiver
    }

    @discardableResult
    public func removeReceiver(name: String) -> Bool {
        store.withLockedValue { $0.receivers.removeValue(forKey: name) != nil }
    }

    public func receiver(name: String) -> StandInReceiver? { store.withLockedValue { $0.receivers[name] } }

    /// Accepted deliveries in arrival order; one receiver's, or all.
    public func deliveries(receiver: String? = nil) -> [ReceiverDelivery] {
        store.withLockedValue { store in receiver.map { name in store.deliveries.filter { $0.receiver == name } } ?? store.deliveries }
    }

    // MARK: Limits and forced answers

    /// New default limits for every webhook, hook and the global one; open windows start over.
    public func setLimits(_ configuration: DiscordStandInConfiguration) {
        store.withLockedValue { store in
            store.configuration = configuration
            store.windows = [:]
        }
    }

    /// One webhook's bucket (its open window starts over).
    public func setWebhookLimit(id: String, limit: Int, windowSeconds: Double) {
        setLimit(.webhook(id), limit: limit, windowSeconds: windowSeconds)
    }

    public func setSlackLimit(hookID: String, limit: Int, windowSeconds: Double) {
        setLimit(.slack(hookID), limit: limit, windowSeconds: windowSeconds)
    }

    private func setLimit(_ key: TrafficKey, limit: Int, windowSeconds: Double) {
        store.withLockedValue { store in
            store.limits[key] = (max(1, limit), max(0.001, windowSeconds))
            store.windows[key] = nil
        }
    }

    /// Queues answers for the next requests to a webhook (in order, one request each).
    public func force(_ responses: [ForcedResponse], webhookID: String) { force(responses, .webhook(webhookID)) }
    public func force(_ responses: [ForcedResponse], slackHookID: String) { force(responses, .slack(slackHookID)) }
    public func force(_ responses: [ForcedResponse], receiver: String) { force(responses, .receiver(receiver)) }

    private func force(_ responses: [ForcedResponse], _ key: TrafficKey) {
        store.withLockedValue { $0.forced[key, default: []].append(contentsOf: responses) }
    }

    // MARK: Counters

    public func counters(webhookID: String) -> TrafficCounters { counters(.webhook(webhookID)) }
    public func counters(slackHookID: String) -> TrafficCounters { counters(.slack(slackHookID)) }
    public func counters(receiver: String) -> TrafficCounters { counters(.receiver(receiver)) }

    private func counters(_ key: TrafficKey) -> TrafficCounters { store.withLockedValue { $0.counters[key] ?? TrafficCounters() } }

    /// Sums over every webhook, hook and receiver (the global limit's 429s are counted on the
    /// webhook that was asked).
    public var totals: (discord: TrafficCounters, slack: TrafficCounters, receivers: TrafficCounters) {
        store.withLockedValue { store in
            var discord = TrafficCounters()
            var slack = TrafficCounters()
            var receivers = TrafficCounters()
            for (key, counters) in store.counters {
                switch key {
                case .webhook: discord.add(counters)
                case .slack: slack.add(counters)
                case .receiver: receivers.add(counters)
                case .global: break
                }
            }
            return (discord, slack, receivers)
        }
    }

    var countersJSON: JSONValue {
        store.withLockedValue { store in
            var webhooks: [String: JSONValue] = [:]
            var slack: [String: JSONValue] = [:]
            var receivers: [String: JSONValue] = [:]
            for (key, counters) in store.counters {
                switch key {
                case .webhook(let id): webhooks[id] = counters.json
                case .slack(let id): slack[id] = counters.json
                case .receiver(let name): receivers[name] = counters.json
                case .global: break
                }
            }
            return ["webhooks": .object(webhooks), "slack": .object(slack), "receivers": .object(receivers)]
        }
    }
}
