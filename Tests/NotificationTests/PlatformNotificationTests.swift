import JSONValue
import NotificationMessages
import NotificationStore
import Testing

/// A YouTube or Rumble go-live is announced as what it is: the standard template names the
/// platform, and the link is the stream's own page (not a Twitch URL made from a login the
/// creator may not have).
@Suite struct PlatformNotificationTests {
    static let creator = NotificationEventContext.Creator(login: nil, displayName: "Tube Star", title: "an old Twitch title")

    @Test func aYouTubeGoLiveNamesYouTubeAndLinksTheStream() {
        let context = NotificationEventContext.make(
            eventID: "7", eventType: "stream.online", occurredAt: "2026-12-06T15:00:00Z", creatorID: "c",
            data: ["streamId": "abcdefghijk", "title": "Live now", "url": "https://www.youtube.com/watch?v=abcdefghijk"],
            creator: Self.creator, platform: "youtube")
        let embed = DiscordPayload.body(NotificationMessageTemplate.standard(for: "stream.online"), context: context)["embeds"]?.arrayValue?.first
        #expect(embed?["title"] == "Tube Star is live on YouTube")
        #expect(embed?["url"] == "https://www.youtube.com/watch?v=abcdefghijk")
        #expect(embed?["description"] == "Live now", "the stream's own title, not the creator's Twitch status")
    }

    @Test func aRumbleGoLiveNamesRumbleAndANonHTTPSURLIsNotLinked() {
        let context = NotificationEventContext.make(
            eventID: "8", eventType: "stream.online", occurredAt: "2026-12-06T15:00:00Z", creatorID: "c",
            data: ["streamId": "r1", "title": "Rumbling", "url": "javascript:alert(1)"], creator: Self.creator, platform: "rumble")
        #expect(context[.streamPlatform] == "Rumble")
        #expect(context[.streamURL] == nil)
        let embed = DiscordPayload.body(NotificationMessageTemplate.standard(for: "stream.online"), context: context)["embeds"]?.arrayValue?.first
        #expect(embed?["title"] == "Tube Star is live on Rumble")
        #expect(embed?["url"] == nil)
    }

    @Test func twitchStaysTheDefault() {
        let context = NotificationEventContext.make(
            eventID: "9", eventType: "stream.online", occurredAt: "2026-12-06T15:00:00Z", creatorID: "c", data: [:],
            creator: .init(login: "fixture", displayName: "Fixture", title: "Ranked"))
        #expect(context[.streamPlatform] == "Twitch")
        #expect(context[.streamURL] == "https://www.twitch.tv/fixture")
    }
}
