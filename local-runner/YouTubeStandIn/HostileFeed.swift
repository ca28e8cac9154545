import MarkupEscaping

/// Bodies no real hub should send, for tests of the receiver: hostile XML (correctly signed, so
/// the receiver's parser is what is exercised), an oversized document, a wrong or missing
/// signature on a valid feed, and an entry for a channel other than the subscribed one.
public enum HostileFeed: String, Sendable, CaseIterable {
    /// Nested entities expanding to 10^9 characters ("billion laughs").
    case billionLaughs = "billion-laughs"
    /// An external entity naming a local file (XXE).
    case externalEntity = "xxe"
    /// A valid feed padded past any sane size cap (`oversizedBytes`).
    case oversized
    /// A valid feed signed with a secret that is not the subscription's.
    case badSignature = "bad-signature"
    /// A valid feed without `X-Hub-Signature` although the subscription has a secret.
    case unsigned
    /// A valid, correctly signed feed whose `yt:channelId` is another channel.
    case foreignChannel = "foreign-channel"

    /// Size of the `oversized` body: over 1 MiB, more than any Atom notification needs.
    public static let oversizedBytes = 2 << 20

    /// The secret `badSignature` signs with.
    static let wrongSecret = "not-the-subscription-secret"

    /// Whether the body is signed with the subscription's own secret.
    var signsWithSubscriptionSecret: Bool { self != .badSignature && self != .unsigned }

    func body(channelID: String, topic: String, hubURL: String, now: Double) -> String {
        switch self {
        case .billionLaughs:
            var entities = "<!ENTITY lol \"lol\">\n"
            for level in 1...9 {
                let previous = level == 1 ? "lol" : "lol\(level - 1)"
                entities += "<!ENTITY lol\(level) \"" + String(repeating: "&\(previous);", count: 10) + "\">\n"
            }
            return wrap(doctype: "<!DOCTYPE feed [\n\(entities)]>", title: "&lol9;", channelID: channelID, topic: topic, hubURL: hubURL, now: now)
        case .externalEntity:
            return wrap(doctype: "<!DOCTYPE feed [\n<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>", title: "&xxe;", channelID: channelID,
                        topic: topic, hubURL: hubURL, now: now)
        case .oversized:
            return AtomFeed.entry(videoID: "AAAAAAAAAAA", channelID: channelID, title: String(repeating: "x", count: Self.oversizedBytes),
                                  channelTitle: "Oversized", topic: topic, hubURL: hubURL, published: now, updated: now, now: now)
        case .badSignature, .unsigned:
            return AtomFeed.entry(videoID: "BBBBBBBBBBB", channelID: channelID, title: "Signed wrongly", channelTitle: "Unknown", topic: topic,
                                  hubURL: hubURL, published: now, updated: now, now: now)
        case .foreignChannel:
            return AtomFeed.entry(videoID: "CCCCCCCCCCC", channelID: "UCforeignforeignforeignA", title: "Not this channel", channelTitle: "Foreign",
                                  topic: topic, hubURL: hubURL, published: now, updated: now, now: now)
        }
    }

    private func wrap(doctype: String, title: String, channelID: String, topic: String, hubURL: String, now: Double) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        \(doctype)
        <feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom">
          <link rel="hub" href="\(Markup.escape(hubURL))"/>
          <link rel="self" href="\(Markup.escape(topic))"/>
          <title>YouTube video feed</title>
          <updated>\(YouTubeTime.feedPrecise(now))</updated>
          <entry>
            <id>yt:video:DDDDDDDDDDD</id>
            <yt:videoId>DDDDDDDDDDD</yt:videoId>
            <yt:channelId>\(channelID)</yt:channelId>
            <title>\(title)</title>
            <link rel="alternate" href="https://www.youtube.com/watch?v=DDDDDDDDDDD"/>
            <author><name>Hostile</name><uri>https://www.youtube.com/channel/\(channelID)</uri></author>
            <published>\(YouTubeTime.feed(now))</published>
            <updated>\(YouTubeTime.feedPrecise(now))</updated>
          </entry>
        </feed>

        """
    }
}
