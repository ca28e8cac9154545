import JSONValue
import NotificationMessages
import URLEncoding

/// The `/_stand-in/` control surface (documented on `DiscordStandInServer`); each call is one of
/// `DiscordStandInState`'s methods.
extension DiscordStandInServer {
    func control(_ request: StandInRequest, segments: [String]) async -> StandInResponse {
        let path = Array(segments.dropFirst())
        var body: JSONValue = [:]
        if request.method == "POST", !request.body.isEmpty {
            guard let parsed = try? JSONParser.parse(request.body), parsed.objectValue != nil else {
                return .controlError(400, "invalid_json", "the body must be a JSON object")
            }
            body = parsed
        }
        do throws(StandInInputError) {
            switch (request.method, path) {
            case ("GET", ["messages.html"]):
                return messagesPage()
            case ("POST", ["reset"]):
                state.reset()
                return .noContent()
            case ("GET", ["stats"]):
                return .json(200, stats())
            case ("GET", ["limits"]):
                return .json(200, Self.json(state.configuration))
            case ("POST", ["limits"]):
                let configuration = try Self.configuration(body, base: state.configuration)
                state.setLimits(configuration)
                return .json(200, Self.json(configuration))
            case ("GET", ["messages"]):
                return .json(200, ["messages": .array(state.messages(webhookID: request.query.first("webhook_id")).map(\.json))])

            case ("POST", ["webhooks"]):
                let webhook = state.createWebhook(name: body["name"]?.stringValue ?? "Stand-in", channelID: body["channel_id"]?.stringValue,
                                                  guildID: body["guild_id"]?.stringValue)
                return .json(201, webhookJSON(webhook, request: request))
            case ("GET", ["webhooks"]):
                return .json(200, ["webhooks": .array(state.webhooks.map { webhookJSON($0, request: request) })])
            case ("GET", let path) where path.count == 2 && path[0] == "webhooks":
                guard let webhook = state.webhook(id: path[1]) else { return .controlError(404, "not_found", "no webhook \(path[1])") }
                return .json(200, webhookJSON(webhook, request: request))
            case ("DELETE", let path) where path.count == 2 && path[0] == "webhooks":
                return state.deleteWebhook(id: path[1]) ? .noContent() : .controlError(404, "not_found", "no webhook \(path[1])")
            case ("POST", let path) where path.count == 3 && path[0] == "webhooks" && path[2] == "limit":
                let (limit, window) = try Self.limit(body)
                state.setWebhookLimit(id: path[1], limit: limit, windowSeconds: window)
                return .noContent()
            case ("POST", let path) where path.count == 3 && path[0] == "webhooks" && path[2] == "force":
                state.force(try Self.forcedResponses(body), webhookID: path[1])
                return .noContent()

            case ("POST", ["slack", "hooks"]):
                let hook = state.createSlackHook(channel: body["channel"]?.stringValue ?? "#general")
                return .json(201, slackJSON(hook, request: request))
            case ("GET", ["slack", "messages"]):
                return .json(200, ["messages": .array(state.slackMessages(hookID: request.query.first("hook_id")).map(\.json))])
            case ("GET", let path) where path.count == 3 && path[0] == "slack" && path[1] == "hooks":
                guard let hook = state.slackHook(id: path[2]) else { return .controlError(404, "not_found", "no Slack hook \(path[2])") }
                return .json(200, slackJSON(hook, request: request))
            case ("DELETE", let path) where path.count == 3 && path[0] == "slack" && path[1] == "hooks":
                return state.deleteSlackHook(id: path[2]) ? .noContent() : .controlError(404, "not_found", "no Slack hook \(path[2])")
            case ("POST", let path) where path.count == 4 && path[0] == "slack" && path[1] == "hooks" && path[3] == "limit":
                let (limit, window) = try Self.limit(body)
                state.setSlackLimit(hookID: path[2], limit: limit, windowSeconds: window)
                return .noContent()
            case ("POST", let path) where path.count == 4 && path[0] == "slack" && path[1] == "hooks" && path[3] == "force":
                state.force(try Self.forcedResponses(body), slackHookID: path[2])
                return .noContent()

            case ("POST", ["receivers"]):
                guard let name = body["name"]?.stringValue else { throw StandInInputError("name is required") }
                var secret: WebhookSecret?
                if let text = body["secret"]?.stringValue {
                    guard let parsed = WebhookSecret(text) else { throw StandInInputError("secret must be whsec_ followed by base64") }
                    secret = parsed
                }
                let receiver = try state.registerReceiver(name: name, secret: secret)
                return .json(201, receiverJSON(receiver, request: request, includeSecret: true))
            case ("GET", let path) where path.count == 2 && path[0] == "receivers":
                guard let receiver = state.receiver(name: path[1]) else { return .controlError(404, "not_found", "no receiver \(path[1])") }
                return .json(200, receiverJSON(receiver, request: request, includeSecret: false))
            case ("DELETE", let path) where path.count == 2 && path[0] == "receivers":
                return state.removeReceiver(name: path[1]) ? .noContent() : .controlError(404, "not_found", "no receiver \(path[1])")
            case ("POST", let path) where path.count == 3 && path[0] == "receivers" && path[2] == "force":
                state.force(try Self.forcedResponses(body), receiver: path[1])
                return .noContent()
            default:
                return .controlError(404, "not_found", "no control endpoint \(request.method) \(request.path)")
            }
        } catch {
            return .controlError(400, "invalid_request", error.description)
        }
    }

    private func webhookJSON(_ webhook: StandInWebhook, request: StandInRequest) -> JSONValue {
        ["id": .string(webhook.id), "token": .string(webhook.token), "name": .string(webhook.name), "channel_id": .string(webhook.channelID),
         "guild_id": .string(webhook.guildID), "url": .string(webhook.url(baseURL: request.baseURL)), "path": .string(webhook.path),
         "counters": state.counters(webhookID: webhook.id).json]
    }

    private func slackJSON(_ hook: StandInSlackHook, request: StandInRequest) -> JSONValue {
        var object = hook.json(baseURL: request.baseURL).objectValue ?? [:]
        object["counters"] = state.counters(slackHookID: hook.hookID).json
        return .object(object)
    }

    private func receiverJSON(_ receiver: StandInReceiver, request: StandInRequest, includeSecret: Bool) -> JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(receiver.name), "url": .string(receiver.url(baseURL: request.baseURL)),
            "counters": state.counters(receiver: receiver.name).json,
            "deliveries": .array(state.deliveries(receiver: receiver.name).map(\.json)),
        ]
        // Shown when registered only, like a real endpoint's signing secret.
        if includeSecret { object["secret"] = .string(receiver.secret.encoded) }
        return .object(object)
    }

    private func stats() -> JSONValue {
        let totals = state.totals
        var object = state.countersJSON.objectValue ?? [:]
        object["totals"] = ["discord": totals.discord.json, "slack": totals.slack.json, "receivers": totals.receivers.json]
        return .object(object)
    }

    // MARK: Parsing control bodies

    static func forcedResponses(_ body: JSONValue) throws(StandInInputError) -> [ForcedResponse] {
        let entries = body["responses"]?.arrayValue ?? [body]
        var responses: [ForcedResponse] = []
        for entry in entries {
            let count = entry["count"]?.int64Value ?? 1
            guard (1...10_000).contains(count) else { throw StandInInputError("count must be 1-10000") }
            let response: ForcedResponse
            switch entry["kind"]?.stringValue {
            case "rate_limited":
                guard let seconds = number(entry["retry_after"]), seconds >= 0, seconds <= 3600 else {
                    throw StandInInputError("rate_limited needs retry_after in seconds (0-3600)")
                }
                response = .rateLimited(retryAfterSeconds: seconds, global: entry["global"]?.boolValue ?? false)
            case "status":
                guard let status = entry["status"]?.int64Value, (400...599).contains(status), status != 429 else {
                    throw StandInInputError("status needs a status 400-599 (429: use rate_limited)")
                }
                response = .status(Int(status))
            case "delay", "timeout":
                guard let seconds = number(entry["seconds"]), seconds >= 0, seconds <= 600 else {
                    throw StandInInputError("\(entry["kind"]?.stringValue ?? "") needs seconds (0-600)")
                }
                response = entry["kind"]?.stringValue == "delay" ? .delay(seconds: seconds) : .timeout(seconds: seconds)
            default:
                throw StandInInputError("kind must be rate_limited, status, delay or timeout")
            }
            responses += Array(repeating: response, count: Int(count))
        }
        return responses
    }

    static func limit(_ body: JSONValue) throws(StandInInputError) -> (Int, Double) {
        guard let limit = body["limit"]?.int64Value, (1...1_000_000).contains(limit),
              let window = number(body["window_seconds"]), window > 0, window <= 3600
        else { throw StandInInputError("limit (1-1000000) and window_seconds (0-3600) are required") }
        return (Int(limit), window)
    }

    static func configuration(_ body: JSONValue, base: DiscordStandInConfiguration) throws(StandInInputError) -> DiscordStandInConfiguration {
        var configuration = base
        func integer(_ key: String) throws(StandInInputError) -> Int? {
            guard let value = body[key] else { return nil }
            guard let number = value.int64Value, (1...1_000_000).contains(number) else { throw StandInInputError("\(key) must be 1-1000000") }
            return Int(number)
        }
        func seconds(_ key: String) throws(StandInInputError) -> Double? {
            guard let value = body[key] else { return nil }
            guard let number = number(value), number > 0, number <= 3600 else { throw StandInInputError("\(key) must be seconds (0-3600)") }
            return number
        }
        if let value = try integer("webhook_limit") { configuration.webhookLimit = value }
        if let value = try seconds("webhook_window_seconds") { configuration.webhookWindowSeconds = value }
        if let value = try integer("global_limit") { configuration.globalLimit = value }
        if let value = try seconds("global_window_seconds") { configuration.globalWindowSeconds = value }
        if let value = try integer("slack_limit") { configuration.slackLimit = value }
        if let value = try seconds("slack_window_seconds") { configuration.slackWindowSeconds = value }
        if let value = try integer("receiver_tolerance_seconds") { configuration.receiverToleranceSeconds = Int64(value) }
        return configuration
    }

    static func json(_ configuration: DiscordStandInConfiguration) -> JSONValue {
        ["webhook_limit": .int(Int64(configuration.webhookLimit)), "webhook_window_seconds": .double(configuration.webhookWindowSeconds),
         "global_limit": .int(Int64(configuration.globalLimit)), "global_window_seconds": .double(configuration.globalWindowSeconds),
         "slack_limit": .int(Int64(configuration.slackLimit)), "slack_window_seconds": .double(configuration.slackWindowSeconds),
         "receiver_tolerance_seconds": .int(configuration.receiverToleranceSeconds)]
    }

    private static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .int(let number): return Double(number)
        case .double(let number): return number.isFinite ? number : nil
        default: return nil
        }
    }
}
