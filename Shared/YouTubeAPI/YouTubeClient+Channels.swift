import WebSub

extension YouTubeClient {
    /// `channels.list?part=snippet&forHandle=@handle` (1 unit); nil when no channel has the handle.
    public func channel(handle: String) async throws(YouTubeAPIError) -> YouTubeChannel? {
        let bare = handle.hasPrefix("@") ? String(handle.dropFirst()) : handle
        guard !bare.isEmpty, bare.utf8.count <= 100 else { throw .invalidArgument("not a YouTube handle: \(handle.prefix(64))") }
        return try await channel(query: [("part", "snippet"), ("forHandle", "@" + bare)])
    }

    /// `channels.list?part=snippet&id=UC…` (1 unit); nil when there is no such channel.
    public func channel(id: String) async throws(YouTubeAPIError) -> YouTubeChannel? {
        guard YouTubeIdentifiers.isChannelID(id) else { throw .invalidArgument("not a YouTube channel id: \(id.prefix(64))") }
        return try await channel(query: [("part", "snippet"), ("id", id)])
    }

    private func channel(query: [(String, String)]) async throws(YouTubeAPIError) -> YouTubeChannel? {
        let json = try await get("channels", query: query, cost: Cost.channelsList)
        guard let first = try Self.items(json, resource: "channels").first else { return nil }
        return try YouTubeChannel(json: first)
    }
}
