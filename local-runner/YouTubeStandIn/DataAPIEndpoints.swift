import JSONValue
import URLEncoding

/// `GET /youtube/v3/videos` and `GET /youtube/v3/channels` (each 1 quota unit), after the key
/// check and the quota charge.
extension YouTubeStandInServer {
    static let videoParts: Set<String> = [
        "contentDetails", "fileDetails", "id", "liveStreamingDetails", "localizations", "paidProductPlacementDetails", "player",
        "processingDetails", "recordingDetails", "snippet", "statistics", "status", "suggestions", "topicDetails",
    ]
    static let channelParts: Set<String> = [
        "auditDetails", "brandingSettings", "contentDetails", "contentOwnerDetails", "id", "localizations", "snippet", "statistics",
        "status", "topicDetails",
    ]
    /// Ids per `videos.list` call (not in Google's reference; every SDK splits at 50).
    static let maximumIDs = 50

    /// Key, quota, then the method. Google charges requests with bad parameters too.
    func dataAPI(_ request: StandInRequest) -> StandInResponse {
        let method: String
        switch request.path {
        case "/youtube/v3/videos": method = "videos"
        case "/youtube/v3/channels": method = "channels"
        default: return DataAPIError.notFound(request.path)
        }
        guard request.method == "GET" else { return DataAPIError.notFound(request.path) }
        guard let key = request.query.first("key"), !key.isEmpty else { return DataAPIError.missingKey() }
        guard configuration.apiKeys.contains(key) else { return DataAPIError.invalidKey() }
        guard state.charge(key: key, cost: 1, method: method) else { return DataAPIError.quotaExceeded() }
        return method == "videos" ? listVideos(request) : listChannels(request)
    }

    private func parts(_ request: StandInRequest, known: Set<String>) -> Result<Set<String>, StandInResponse> {
        guard let text = request.query.first("part"), !text.isEmpty else { return .failure(DataAPIError.missingPart()) }
        var parts: Set<String> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map({ String($0).trimmingSpaces }) {
            guard known.contains(part) else { return .failure(DataAPIError.unknownPart(part)) }
            parts.insert(part)
        }
        return .success(parts)
    }

    private func listVideos(_ request: StandInRequest) -> StandInResponse {
        let parts: Set<String>
        switch self.parts(request, known: Self.videoParts) {
        case .success(let value): parts = value
        case .failure(let response): return response
        }
        let filters = ["chart", "id", "myRating"].filter { request.query.contains($0) }
        guard !filters.isEmpty else { return DataAPIError.noFilter(expected: ["myRating", "id", "chart"]) }
        guard filters.count == 1 else { return DataAPIError.incompatibleFilters(filters) }
        switch filters[0] {
        case "myRating": return DataAPIError.loginRequired()
        case "chart": return DataAPIError.invalidFilter("The stand-in serves videos.list by id only.")
        default: break
        }
        let ids = (request.query.first("id") ?? "").split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        guard ids.count <= Self.maximumIDs else {
            return DataAPIError.invalidFilter("The request specifies more than \(Self.maximumIDs) video ids.")
        }
        var items: [JSONValue] = []
        var seen: Set<String> = []
        for id in ids where seen.insert(id).inserted {
            guard let video = state.video(id: id) else { continue }
            items.append(video.resource(parts: parts, channelTitle: state.channel(id: video.channelID)?.title ?? ""))
        }
        return listResponse(kind: "youtube#videoListResponse", items: items, resultsPerPage: items.count, omitEmptyItems: false)
    }

    private func listChannels(_ request: StandInRequest) -> StandInResponse {
        let parts: Set<String>
        switch self.parts(request, known: Self.channelParts) {
        case .success(let value): parts = value
        case .failure(let response): return response
        }
        let known = ["categoryId", "forHandle", "forUsername", "id", "managedByMe", "mine", "mySubscribers"]
        let filters = known.filter { request.query.contains($0) }
        guard !filters.isEmpty else { return DataAPIError.noFilter(expected: known) }
        guard filters.count == 1 else { return DataAPIError.incompatibleFilters(filters) }
        let value = request.query.first(filters[0]) ?? ""
        var found: [YouTubeChannel] = []
        switch filters[0] {
        case "forHandle":
            if let channel = state.channel(handle: value) { found = [channel] }
        case "forUsername":
            if let channel = state.channel(username: value) { found = [channel] }
        case "id":
            var seen: Set<String> = []
            for id in value.split(separator: ",").map({ String($0).trimmingSpaces }) where seen.insert(id).inserted {
                if let channel = state.channel(id: id) { found.append(channel) }
            }
        case "categoryId":
            return DataAPIError.invalidFilter("The stand-in does not serve guide categories.")
        default:
            return DataAPIError.loginRequired()
        }
        // channels.list reports its default page size (5) and leaves `items` out when nothing matches.
        return listResponse(kind: "youtube#channelListResponse", items: found.map { $0.resource(parts: parts) }, resultsPerPage: 5,
                            omitEmptyItems: true)
    }

    private func listResponse(kind: String, items: [JSONValue], resultsPerPage: Int, omitEmptyItems: Bool) -> StandInResponse {
        var object: [String: JSONValue] = [
            "kind": .string(kind),
            "pageInfo": ["totalResults": .int(Int64(items.count)), "resultsPerPage": .int(Int64(resultsPerPage))],
        ]
        if !(omitEmptyItems && items.isEmpty) { object["items"] = .array(items) }
        object["etag"] = .string(YouTubeIdentifiers.etag(JSONWriter.string(.object(object))))
        return .json(200, .object(object))
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
