import Testing
import WebSub

/// YouTube's push bodies: the documented entry shape, tombstones, and what is refused.
@Suite struct AtomNotificationTests {
    /// The shape of the example in Google's push guide, with real-looking ids in place of its
    /// VIDEO_ID / CHANNEL_ID placeholders (which are not ids and are refused, below).
    static let documentedEntry = """
        <feed xmlns:yt="http://www.youtube.com/xml/schemas/2015"
                 xmlns="http://www.w3.org/2005/Atom">
          <link rel="hub" href="https://pubsubhubbub.appspot.com"/>
          <link rel="self" href="https://www.youtube.com/xml/feeds/videos.xml?channel_id=UC_x5XG1OV2P6uZZ5FSM9Ttw"/>
          <title>YouTube video feed</title>
          <updated>2015-04-01T19:05:24.552394234+00:00</updated>
          <entry>
            <id>yt:video:dQw4w9WgXcQ</id>
            <yt:videoId>dQw4w9WgXcQ</yt:videoId>
            <yt:channelId>UC_x5XG1OV2P6uZZ5FSM9Ttw</yt:channelId>
            <title>Video title</title>
            <link rel="alternate" href="http://www.youtube.com/watch?v=dQw4w9WgXcQ"/>
            <author>
             <name>Channel title</name>
             <uri>http://www.youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw</uri>
            </author>
            <published>2015-03-06T21:40:57+00:00</published>
            <updated>2015-03-09T19:05:24.552394234+00:00</updated>
          </entry>
        </feed>
        """

    /// A deletion as deliveries carry it (RFC 6721 tombstone; not in Google's guide).
    static let deletedEntry = """
        <?xml version='1.0' encoding='UTF-8'?>
        <feed xmlns:at="http://purl.org/atompub/tombstones/1.0" xmlns="http://www.w3.org/2005/Atom">
          <at:deleted-entry ref="yt:video:dQw4w9WgXcQ" when="2015-03-10T19:05:24.552394234+00:00">
            <link href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"/>
            <at:by>
              <name>Channel title</name>
              <uri>https://www.youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw</uri>
            </at:by>
          </at:deleted-entry>
        </feed>
        """

    @Test func theDocumentedEntryParses() throws {
        let notification = try YouTubeNotification.parse(Array(Self.documentedEntry.utf8))
        #expect(notification.deletions.isEmpty)
        #expect(notification.videos == [YouTubeVideoEntry(
            videoID: "dQw4w9WgXcQ", channelID: "UC_x5XG1OV2P6uZZ5FSM9Ttw", title: "Video title",
            link: "http://www.youtube.com/watch?v=dQw4w9WgXcQ", authorName: "Channel title",
            published: "2015-03-06T21:40:57+00:00", updated: "2015-03-09T19:05:24.552394234+00:00")])
    }

    @Test func aDeletedEntryParses() throws {
        let notification = try YouTubeNotification.parse(Array(Self.deletedEntry.utf8))
        #expect(notification.videos.isEmpty)
        #expect(notification.deletions == [YouTubeDeletedEntry(
            ref: "yt:video:dQw4w9WgXcQ", videoID: "dQw4w9WgXcQ", when: "2015-03-10T19:05:24.552394234+00:00",
            channelID: "UC_x5XG1OV2P6uZZ5FSM9Ttw")])
    }

    /// Other prefixes for the same namespaces are the same document; the `yt` prefix bound to
    /// another namespace is not YouTube's element.
    @Test func elementsAreMatchedByNamespaceURI() throws {
        let renamed = """
            <atom:feed xmlns:atom="http://www.w3.org/2005/Atom" xmlns:y="http://www.youtube.com/xml/schemas/2015">
              <atom:entry><y:videoId>dQw4w9WgXcQ</y:videoId><y:channelId>UC_x5XG1OV2P6uZZ5FSM9Ttw</y:channelId>
              <atom:title>Caf&#233; &amp; live</atom:title><atom:link href="https://youtu.be/dQw4w9WgXcQ"/></atom:entry>
            </atom:feed>
            """
        let video = try #require(try YouTubeNotification.parse(Array(renamed.utf8)).videos.first)
        #expect(video.title == "Café & live")
        #expect(video.link == "https://youtu.be/dQw4w9WgXcQ")
        #expect(video.published == nil)

        let wrongNamespace = """
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:yt="http://example.com/not-youtube">
              <entry><yt:videoId>dQw4w9WgXcQ</yt:videoId><yt:channelId>UC_x5XG1OV2P6uZZ5FSM9Ttw</yt:channelId></entry>
            </feed>
            """
        #expect(throws: YouTubeFeedError.missingField("entry 1: yt:videoId")) { try YouTubeNotification.parse(Array(wrongNamespace.utf8)) }
        #expect(throws: YouTubeFeedError.notAnAtomFeed("feed")) { try YouTubeNotification.parse(Array("<feed/>".utf8)) }
        #expect(throws: YouTubeFeedError.notAnAtomFeed("{http://www.w3.org/2005/Atom}entry")) {
            try YouTubeNotification.parse(Array("<entry xmlns='http://www.w3.org/2005/Atom'/>".utf8))
        }
    }

    @Test func entriesWithoutValidIDsAreRefused() {
        let placeholders = Self.documentedEntry.replacing("dQw4w9WgXcQ", with: "VIDEO_ID")
        #expect(throws: YouTubeFeedError.invalidVideoID("VIDEO_ID")) { try YouTubeNotification.parse(Array(placeholders.utf8)) }
        let badChannel = Self.documentedEntry.replacing("<yt:channelId>UC_x5XG1OV2P6uZZ5FSM9Ttw", with: "<yt:channelId>CHANNEL_ID")
        #expect(throws: YouTubeFeedError.invalidChannelID("CHANNEL_ID")) { try YouTubeNotification.parse(Array(badChannel.utf8)) }
        let noChannel = Self.documentedEntry.replacing("<yt:channelId>UC_x5XG1OV2P6uZZ5FSM9Ttw</yt:channelId>", with: "")
        #expect(throws: YouTubeFeedError.missingField("entry 1: yt:channelId")) { try YouTubeNotification.parse(Array(noChannel.utf8)) }
        let noRef = Self.deletedEntry.replacing(" ref=\"yt:video:dQw4w9WgXcQ\"", with: "")
        #expect(throws: YouTubeFeedError.missingField("deleted-entry 1: ref")) { try YouTubeNotification.parse(Array(noRef.utf8)) }
    }

    @Test func hostileBodiesAreRefusedAsXML() {
        let xxe = "<!DOCTYPE feed [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>" + Self.documentedEntry.replacing("Video title", with: "&x;")
        #expect(throws: YouTubeFeedError.xml(SafeXML.Error(.doctypeForbidden, offset: 0))) { try YouTubeNotification.parse(Array(xxe.utf8)) }
        let small = SafeXML.Limits(maximumBytes: 100)
        #expect(throws: YouTubeFeedError.xml(SafeXML.Error(.tooLarge(bytes: Self.documentedEntry.utf8.count, limit: 100), offset: 0))) {
            try YouTubeNotification.parse(Array(Self.documentedEntry.utf8), limits: small)
        }
    }

    @Test func topicURLs() {
        #expect(YouTubeTopic.url(channelID: "UC_x5XG1OV2P6uZZ5FSM9Ttw") == "https://www.youtube.com/xml/feeds/videos.xml?channel_id=UC_x5XG1OV2P6uZZ5FSM9Ttw")
        #expect(YouTubeTopic.channelID(inTopic: "https://www.youtube.com/xml/feeds/videos.xml?channel_id=UC_x5XG1OV2P6uZZ5FSM9Ttw") == "UC_x5XG1OV2P6uZZ5FSM9Ttw")
        #expect(YouTubeTopic.channelID(inTopic: "https://www.youtube.com/feeds/videos.xml?channel_id=UC_x5XG1OV2P6uZZ5FSM9Ttw") == "UC_x5XG1OV2P6uZZ5FSM9Ttw")
        #expect(YouTubeTopic.channelID(inTopic: "https://www.youtube.com/xml/feeds/videos.xml?channel_id=UC_x5XG1OV2P6uZZ5FSM9Ttw&x=1") == nil)
        #expect(YouTubeTopic.channelID(inTopic: "https://evil.example/xml/feeds/videos.xml?channel_id=UC_x5XG1OV2P6uZZ5FSM9Ttw") == nil)
    }
}
