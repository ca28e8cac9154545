import EventSub
import JSONValue
import URLEncoding

/// The `/_stand-in/` control surface (documented on `YouTubeStandInServer`).
extension YouTubeStandInServer {
    func control(_ request: StandInRequest) async -> StandInResponse {
        let segments = Array(request.path.split(separator: "/").map(String.init).dropFirst())
        if request.method == "GET" { return read(segments) }
        let body: JSONValue
        switch request.jsonObject() {
        case .success(let value): body = value
        case .failure(let response): return response
        }
        do throws(YouTubeStandInInputError) {
            switch (request.method, segments) {
            case ("POST", ["channels"]):
                let channel = try state.addChannel(
                    id: body["id"]?.stringValue, handle: try Self.required(body, "handle"), title: try Self.required(body, "title"),
                    description: body["description"]?.stringValue ?? "", username: body["username"]?.stringValue)
                return .json(201, channel.json)
            case ("POST", let path) where path.count == 3 && path[0] == "channels" && path[2] == "live":
                let published = try goLive(channelID: path[1], title: try Self.required(body, "title"),
                                           concurrentViewers: try Self.viewers(body) ?? 0)
                return .json(201, Self.json(published))
            case ("POST", let path) where path.count == 3 && path[0] == "channels" && path[2] == "offline":
                let ended = try endLive(channelID: path[1])
                return .json(200, ["ended": .array(ended.map(\.json))])
            case ("POST", ["videos"]):
                var scheduled: Double?
                if let text = body["scheduled_start_time"]?.stringValue {
                    guard let time = RFC3339.unixSeconds(text) else { throw YouTubeStandInInputError("scheduled_start_time must be RFC 3339") }
                    scheduled = time
                }
                let published = try publishVideo(
                    channelID: try Self.required(body, "channel_id"), title: try Self.required(body, "title"),
                    description: body["description"]?.stringValue ?? "", id: body["id"]?.stringValue, live: body["live"]?.boolValue ?? false,
                    scheduledStartTime: scheduled, concurrentViewers: try Self.viewers(body), notify: body["notify"]?.boolValue ?? true)
                return .json(201, Self.json(published))
            case ("POST", let path) where path.count == 2 && path[0] == "videos":
                let published = try updateVideo(videoID: path[1], title: body["title"]?.stringValue, description: body["description"]?.stringValue,
                                                notify: body["notify"]?.boolValue ?? true)
                return .json(200, Self.json(published))
            case ("POST", let path) where path.count == 3 && path[0] == "videos" && path[2] == "live":
                let published = try startBroadcast(videoID: path[1], concurrentViewers: try Self.viewers(body) ?? 0,
                                                   notify: body["notify"]?.boolValue ?? false)
                return .json(200, Self.json(published))
            case ("POST", let path) where path.count == 3 && path[0] == "videos" && path[2] == "end":
                return .json(200, Self.json(try endBroadcast(videoID: path[1], notify: body["notify"]?.boolValue ?? false)))
            case ("POST", let path) where path.count == 3 && path[0] == "videos" && path[2] == "viewers":
                guard let viewers = try Self.viewers(body) else { throw YouTubeStandInInputError("concurrent_viewers is required") }
                return .json(200, try setConcurrentViewers(videoID: path[1], viewers).json)
            case ("DELETE", let path) where path.count == 2 && path[0] == "videos":
                return .json(200, Self.json(try deleteVideo(videoID: path[1], notify: request.query.first("notify") != "false")))
            case ("POST", ["deliveries"]):
                return try await triggerDelivery(body)
            case ("POST", ["quota"]):
                if let limit = body["daily_limit"]?.int64Value { state.setDailyLimit(Int(limit)) }
                if let used = body["used"]?.int64Value {
                    state.setQuotaUsed(Int(used), key: body["key"]?.stringValue ?? YouTubeStandInConfiguration.defaultAPIKey)
                }
                return .json(200, state.quotaJSON)
            case ("POST", ["clock"]):
                let seconds: Double
                switch body["advance_seconds"] {
                case .int(let value)?: seconds = Double(value)
                case .double(let value)?: seconds = value
                default: throw YouTubeStandInInputError("advance_seconds (a number) is required")
                }
                configuration.clock.advance(by: seconds)
                return .json(200, ["now": .string(YouTubeTime.dataAPI(state.now))])
            default:
                return .controlError(404, "no such control endpoint: \(request.method) \(request.path)")
            }
        } catch {
            return .controlError(error.description.hasPrefix("unknown") ? 404 : 400, error.description)
        }
    }

    private func read(_ segments: [String]) -> StandInResponse {
        let now = state.now
        switch segments {
        case ["channels"]: return .json(200, ["channels": .array(state.channels.map(\.json))])
        case ["videos"]: return .json(200, ["videos": .array(state.videos.map(\.json))])
        case ["subscriptions"]: return .json(200, ["subscriptions": .array(state.subscriptions.map { $0.json(now: now) })])
        case ["verifications"]: return .json(200, ["verifications": .array(state.verifications.map(\.json))])
        case ["deliveries"]: return .json(200, ["deliveries": .array(state.deliveries.map(\.json))])
        case ["quota"]: return .json(200, state.quotaJSON)
        default: return .controlError(404, "no such control endpoint: GET /_stand-in/\(segments.joined(separator: "/"))")
        }
    }

    private func triggerDelivery(_ body: JSONValue) async throws(YouTubeStandInInputError) -> StandInResponse {
        let kindText = try Self.required(body, "kind")
        if kindText == "entry" {
            let videoID = try Self.required(body, "video_id")
            guard let video = state.video(id: videoID) else { throw YouTubeStandInInputError("unknown video \(videoID)") }
            let ids = pushEntry(video)
            await waitForDeliveries(ids)
            return .json(200, ["deliveries": .array(ids.compactMap { state.delivery(id: $0)?.json })])
        }
        guard let kind = HostileFeed(rawValue: kindText) else {
            throw YouTubeStandInInputError("kind must be entry or one of " + HostileFeed.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let deliveries = try await deliverHostile(kind, channelID: try Self.required(body, "channel_id"), callback: body["callback"]?.stringValue,
                                                  secret: body["secret"]?.stringValue)
        return .json(200, ["deliveries": .array(deliveries.map(\.json))])
    }

    private static func required(_ body: JSONValue, _ key: String) throws(YouTubeStandInInputError) -> String {
        guard let value = body[key]?.stringValue, !value.isEmpty else { throw YouTubeStandInInputError("\(key) is required") }
        return value
    }

    private static func viewers(_ body: JSONValue) throws(YouTubeStandInInputError) -> Int? {
        guard let value = body["concurrent_viewers"], !value.isNull else { return nil }
        guard let number = value.int64Value, number >= 0 else { throw YouTubeStandInInputError("concurrent_viewers must be a whole number ≥ 0") }
        return Int(number)
    }

    private static func json(_ published: Published) -> JSONValue {
        ["video": published.video.json, "delivery_ids": .array(published.deliveryIDs.map { .int(Int64($0)) })]
    }
}
