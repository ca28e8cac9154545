/// The shapes of YouTube's identifiers, checked wherever one arrives from outside (a push body, a
/// pasted URL) before it is used in a topic, a query or a database row.
public enum YouTubeIdentifiers {
    /// `UC` and 22 characters of the base64url alphabet (a channel id is 24 characters).
    public static func isChannelID(_ text: some StringProtocol) -> Bool {
        text.utf8.count == 24 && text.hasPrefix("UC") && text.utf8.allSatisfy(isIDCharacter)
    }

    /// 11 characters of the base64url alphabet.
    public static func isVideoID(_ text: some StringProtocol) -> Bool {
        text.utf8.count == 11 && text.utf8.allSatisfy(isIDCharacter)
    }

    static func isIDCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }
}

/// The WebSub topic of a channel's uploads feed. Google's guide gives the `/xml/feeds/` form; some
/// localized copies show `/feeds/` without `/xml/`, which community reports say is not delivered,
/// so we subscribe with the `/xml/` form and read either.
public enum YouTubeTopic {
    public static let prefix = "https://www.youtube.com/xml/feeds/videos.xml?channel_id="
    static let alternatePrefix = "https://www.youtube.com/feeds/videos.xml?channel_id="

    public static func url(channelID: String) -> String {
        prefix + channelID
    }

    /// The channel of a topic URL in either form, nil for anything else.
    public static func channelID(inTopic topic: String) -> String? {
        for candidate in [prefix, alternatePrefix] where topic.hasPrefix(candidate) {
            let id = topic.dropFirst(candidate.count)
            return YouTubeIdentifiers.isChannelID(id) ? String(id) : nil
        }
        return nil
    }
}
