import WebSub

extension YouTubeClient {
    /// Ids per `videos.list` call (the SDKs' documented limit for `id`).
    public static let maximumVideosPerCall = 50

    /// `videos.list?part=snippet,liveStreamingDetails&id=…`, 50 ids per call and one unit each.
    /// Deleted and private videos are simply absent. Ids are checked first, so a bad one costs no quota.
    public func videos(ids: [String]) async throws(YouTubeAPIError) -> [YouTubeVideo] {
        var unique: [String] = []
        for id in ids where !unique.contains(id) {
            guard YouTubeIdentifiers.isVideoID(id) else { throw .invalidArgument("not a YouTube video id: \(id.prefix(64))") }
            unique.append(id)
        }
        var videos: [YouTubeVideo] = []
        var start = 0
        while start < unique.count {
            let batch = unique[start..<min(start + Self.maximumVideosPerCall, unique.count)]
            start += Self.maximumVideosPerCall
            let json = try await get("videos", query: [("part", "snippet,liveStreamingDetails"), ("id", batch.joined(separator: ","))],
                                     cost: Cost.videosList)
            for item in try Self.items(json, resource: "videos") { videos.append(try YouTubeVideo(json: item)) }
        }
        return videos
    }
}
