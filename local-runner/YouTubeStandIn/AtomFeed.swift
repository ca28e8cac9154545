import MarkupEscaping

/// The bodies the hub posts, in YouTube's documented push format (Atom with the `yt` namespace)
/// and the tombstone form seen for deleted or privated videos.
enum AtomFeed {
    /// A feed with one `entry` for `video` (upload, title or description change).
    static func entry(video: YouTubeVideo, channel: YouTubeChannel, topic: String, hubURL: String, now: Double) -> String {
        entry(videoID: video.id, channelID: video.channelID, title: video.title, channelTitle: channel.title, topic: topic, hubURL: hubURL,
              published: video.publishedAt, updated: video.updatedAt, now: now)
    }

    static func entry(videoID: String, channelID: String, title: String, channelTitle: String, topic: String, hubURL: String,
                      published: Double, updated: Double, now: Double) -> String {
        """
        <?xml version='1.0' encoding='UTF-8'?>
        <feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom">
          <link rel="hub" href="\(Markup.escape(hubURL))"/>
          <link rel="self" href="\(Markup.escape(topic))"/>
          <title>YouTube video feed</title>
          <updated>\(YouTubeTime.feedPrecise(now))</updated>
          <entry>
            <id>yt:video:\(Markup.escape(videoID))</id>
            <yt:videoId>\(Markup.escape(videoID))</yt:videoId>
            <yt:channelId>\(Markup.escape(channelID))</yt:channelId>
            <title>\(Markup.escape(title))</title>
            <link rel="alternate" href="https://www.youtube.com/watch?v=\(Markup.escape(videoID))"/>
            <author>
              <name>\(Markup.escape(channelTitle))</name>
              <uri>https://www.youtube.com/channel/\(Markup.escape(channelID))</uri>
            </author>
            <published>\(YouTubeTime.feed(published))</published>
            <updated>\(YouTubeTime.feedPrecise(updated))</updated>
          </entry>
        </feed>

        """
    }

    /// A feed with an `at:deleted-entry` (no `yt:channelId`: the channel is in `at:by/uri`).
    static func deletedEntry(videoID: String, channel: YouTubeChannel, topic: String, hubURL: String, now: Double) -> String {
        """
        <?xml version='1.0' encoding='UTF-8'?>
        <feed xmlns:at="http://purl.org/atompub/tombstones/1.0" xmlns="http://www.w3.org/2005/Atom">
          <link rel="hub" href="\(Markup.escape(hubURL))"/>
          <link rel="self" href="\(Markup.escape(topic))"/>
          <title>YouTube video feed</title>
          <updated>\(YouTubeTime.feedPrecise(now))</updated>
          <at:deleted-entry ref="yt:video:\(Markup.escape(videoID))" when="\(YouTubeTime.feedPrecise(now))">
            <link href="https://www.youtube.com/watch?v=\(Markup.escape(videoID))"/>
            <at:by>
              <name>\(Markup.escape(channel.title))</name>
              <uri>https://www.youtube.com/channel/\(Markup.escape(channel.id))</uri>
            </at:by>
          </at:deleted-entry>
        </feed>

        """
    }
}
