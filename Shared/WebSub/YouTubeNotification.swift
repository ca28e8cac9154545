import Settings

/// What one YouTube push says: videos that were uploaded or edited (title, description) and videos
/// that were deleted or made private. It says nothing about live state; that comes from the Data
/// API (`videos.list`), so a notification is a hint to look, not a fact to store.
public struct YouTubeNotification: Sendable, Equatable {
    public static let atomNamespace = "http://www.w3.org/2005/Atom"
    public static let youTubeNamespace = "http://www.youtube.com/xml/schemas/2015"
    public static let tombstonesNamespace = "http://purl.org/atompub/tombstones/1.0"

    public let videos: [YouTubeVideoEntry]
    public let deletions: [YouTubeDeletedEntry]

    public init(videos: [YouTubeVideoEntry], deletions: [YouTubeDeletedEntry]) {
        self.videos = videos
        self.deletions = deletions
    }

    /// Parses a notification body with `SafeXML` (hostile documents are refused there). Elements
    /// are matched by namespace URI, never by prefix; unknown elements are ignored. An entry
    /// without a valid `yt:videoId` and `yt:channelId` fails the whole document: a body that does
    /// not look like YouTube's is not half-used.
    public static func parse(_ body: some Collection<UInt8>, limits: SafeXML.Limits = SafeXML.Limits()) throws(YouTubeFeedError) -> YouTubeNotification {
        let root: SafeXML.Element
        do {
            root = try SafeXML.parse(body, limits: limits)
        } catch {
            throw .xml(error)
        }
        guard root.name == SafeXML.Name(atomNamespace, "feed") else { throw .notAnAtomFeed(root.name.description) }
        var videos: [YouTubeVideoEntry] = []
        for (position, entry) in root.elements(atomNamespace, "entry").enumerated() {
            videos.append(try YouTubeVideoEntry(entry, position: position + 1))
        }
        var deletions: [YouTubeDeletedEntry] = []
        for (position, entry) in root.elements(tombstonesNamespace, "deleted-entry").enumerated() {
            deletions.append(try YouTubeDeletedEntry(entry, position: position + 1))
        }
        return YouTubeNotification(videos: videos, deletions: deletions)
    }
}

/// An `entry`: a video was uploaded, or its title or description changed.
public struct YouTubeVideoEntry: Sendable, Equatable {
    public let videoID: String
    public let channelID: String
    public let title: String
    /// The `link rel="alternate"` (the watch page), if present.
    public let link: String?
    /// The channel's name (`author/name`), if present.
    public let authorName: String?
    /// RFC 3339 as sent (`2015-03-06T21:40:57+00:00`), if present.
    public let published: String?
    public let updated: String?

    public init(videoID: String, channelID: String, title: String, link: String?, authorName: String?, published: String?, updated: String?) {
        self.videoID = videoID
        self.channelID = channelID
        self.title = title
        self.link = link
        self.authorName = authorName
        self.published = published
        self.updated = updated
    }

    init(_ entry: SafeXML.Element, position: Int) throws(YouTubeFeedError) {
        let atom = YouTubeNotification.atomNamespace
        let yt = YouTubeNotification.youTubeNamespace
        guard let videoID = entry.element(yt, "videoId")?.text.trimmingWhitespace() else {
            throw .missingField("entry \(position): yt:videoId")
        }
        guard YouTubeIdentifiers.isVideoID(videoID) else { throw .invalidVideoID(videoID.prefix(64).description) }
        guard let channelID = entry.element(yt, "channelId")?.text.trimmingWhitespace() else {
            throw .missingField("entry \(position): yt:channelId")
        }
        guard YouTubeIdentifiers.isChannelID(channelID) else { throw .invalidChannelID(channelID.prefix(64).description) }
        // Atom: a link without rel is rel="alternate" (RFC 4287 §4.2.7.2).
        let link = entry.elements(atom, "link").first { ($0.attribute("rel") ?? "alternate") == "alternate" }?.attribute("href")
        self.init(
            videoID: videoID, channelID: channelID,
            title: entry.element(atom, "title")?.text ?? "",
            link: link,
            authorName: entry.element(atom, "author")?.element(atom, "name")?.text.trimmingWhitespace(),
            published: entry.element(atom, "published")?.text.trimmingWhitespace(),
            updated: entry.element(atom, "updated")?.text.trimmingWhitespace())
    }
}

/// An `at:deleted-entry` (RFC 6721 tombstone): the video was deleted or made private. YouTube's
/// guide does not document it; the shape is the one seen in deliveries (`ref="yt:video:ID"`,
/// `when`, `link`, `at:by/name|uri`, no `yt:channelId`).
public struct YouTubeDeletedEntry: Sendable, Equatable {
    /// As sent: `yt:video:VIDEO_ID`.
    public let ref: String
    /// The video id taken from `ref`, nil when `ref` has another shape.
    public let videoID: String?
    /// RFC 3339 as sent.
    public let when: String
    /// From `at:by/uri` (`https://www.youtube.com/channel/UC…`), when present and valid.
    public let channelID: String?

    public init(ref: String, videoID: String?, when: String, channelID: String?) {
        self.ref = ref
        self.videoID = videoID
        self.when = when
        self.channelID = channelID
    }

    init(_ entry: SafeXML.Element, position: Int) throws(YouTubeFeedError) {
        guard let ref = entry.attribute("ref") else { throw .missingField("deleted-entry \(position): ref") }
        guard let when = entry.attribute("when") else { throw .missingField("deleted-entry \(position): when") }
        let videoPrefix = "yt:video:"
        let videoID = ref.hasPrefix(videoPrefix) ? String(ref.dropFirst(videoPrefix.count)) : nil
        let channelURI = entry.element(YouTubeNotification.tombstonesNamespace, "by")?
            .element(YouTubeNotification.atomNamespace, "uri")?.text.trimmingWhitespace()
        let channelID = channelURI.flatMap { uri -> String? in
            guard let slash = uri.lastIndex(of: "/") else { return nil }
            let id = uri[uri.index(after: slash)...]
            return YouTubeIdentifiers.isChannelID(id) ? String(id) : nil
        }
        self.init(ref: ref, videoID: videoID.flatMap { YouTubeIdentifiers.isVideoID($0) ? $0 : nil }, when: when, channelID: channelID)
    }
}

/// Why a notification body was not used. The webhook answers 2xx either way (a hub retrying a body
/// we cannot read helps nobody) and counts it.
public enum YouTubeFeedError: Error, Sendable, Equatable, CustomStringConvertible {
    case xml(SafeXML.Error)
    /// The root is not an Atom `feed` (its expanded name).
    case notAnAtomFeed(String)
    case missingField(String)
    case invalidVideoID(String)
    case invalidChannelID(String)

    public var description: String {
        switch self {
        case .xml(let error): return error.description
        case .notAnAtomFeed(let name): return "root element \(name) is not an Atom feed"
        case .missingField(let field): return "missing \(field)"
        case .invalidVideoID(let id): return "invalid video id \(id)"
        case .invalidChannelID(let id): return "invalid channel id \(id)"
        }
    }
}
