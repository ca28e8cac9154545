import JSONValue

/// A `channels.list?part=snippet` item: what a pasted reference resolves to.
public struct YouTubeChannel: Sendable, Equatable {
    public let id: String
    public let title: String
    /// The handle without `@` (from `snippet.customUrl`, which is `@handle` for channels with one).
    public let handle: String?

    public init(id: String, title: String, handle: String?) {
        self.id = id
        self.title = title
        self.handle = handle
    }

    init(json: JSONValue) throws(YouTubeAPIError) {
        guard let id = json["id"]?.stringValue else { throw .invalidResponse("channel without an id") }
        let snippet = json["snippet"]
        let customURL = snippet?["customUrl"]?.stringValue
        self.init(id: id, title: snippet?["title"]?.stringValue ?? "",
                  handle: customURL.flatMap { $0.hasPrefix("@") ? String($0.dropFirst()) : nil })
    }
}
