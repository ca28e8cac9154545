extension HelixClient {
    /// `GET /streams` for any number of users: 100 ids per request (repeated `user_id`), each batch
    /// paged with its cursor. Only live users are returned. A stream that shows up twice while the
    /// list shifts during paging is kept once.
    ///
    /// `pageSize` is Twitch's `first` (1–100); the default takes a whole batch in one page.
    public func streams(userIDs: [String], pageSize: Int = 100, maximumPagesPerBatch: Int = 20) async throws(HelixError) -> [HelixStream] {
        guard (1...Self.maximumItemsPerRequest).contains(pageSize) else { throw .invalidArgument("pageSize must be 1...100 (got \(pageSize))") }
        var streams: [HelixStream] = []
        var seen: Set<String> = []
        var start = 0
        while start < userIDs.count {
            let batch = userIDs[start..<min(start + Self.maximumItemsPerRequest, userIDs.count)]
            start += Self.maximumItemsPerRequest
            var cursor: String?
            var pages = 0
            repeat {
                pages += 1
                guard pages <= maximumPagesPerBatch else { throw .paginationLimitExceeded(pages: maximumPagesPerBatch) }
                var query = batch.map { ("user_id", $0) }
                query.append(("first", String(pageSize)))
                if let cursor { query.append(("after", cursor)) }
                let json = try await send(.get, "/streams", query: query).json()
                for item in try Self.dataArray(json) {
                    let stream = try HelixStream(json: item)
                    if seen.insert(stream.id).inserted { streams.append(stream) }
                }
                let next = Self.cursor(json)
                // An empty page with a cursor, or the same cursor again, would loop forever.
                if next == cursor { break }
                cursor = next
            } while cursor != nil
        }
        return streams
    }
}
