import Testing
import YouTubeAPI

/// What an agency pastes, read into (platform, kind, value) or refused with a reason.
@Suite struct ChannelReferenceTests {
    static let good: [(String, ChannelPlatform, ChannelReference.Kind, String)] = [
        ("https://www.youtube.com/@GoogleDevelopers", .youtube, .handle, "GoogleDevelopers"),
        ("youtube.com/@GoogleDevelopers/live", .youtube, .handle, "GoogleDevelopers"),
        ("https://m.youtube.com/@google.dev-team_1/videos?si=abc#x", .youtube, .handle, "google.dev-team_1"),
        ("HTTP://WWW.YOUTUBE.COM/@Caps", .youtube, .handle, "Caps"),
        ("https://www.youtube.com/@%E3%81%82%E3%81%84%E3%81%86", .youtube, .handle, "あいう"),
        ("  @GoogleDevelopers  ", .youtube, .handle, "GoogleDevelopers"),
        ("@日本語チャンネル", .youtube, .handle, "日本語チャンネル"),
        ("https://www.youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw", .youtube, .channelID, "UC_x5XG1OV2P6uZZ5FSM9Ttw"),
        ("www.youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw/streams", .youtube, .channelID, "UC_x5XG1OV2P6uZZ5FSM9Ttw"),
        ("UC_x5XG1OV2P6uZZ5FSM9Ttw", .youtube, .channelID, "UC_x5XG1OV2P6uZZ5FSM9Ttw"),
        ("https://rumble.com/c/TheDailyChannel", .rumble, .channel, "TheDailyChannel"),
        ("rumble.com/c/some-name_2", .rumble, .channel, "some-name_2"),
        ("https://www.rumble.com/user/someone?e9s=src", .rumble, .user, "someone"),
        ("https://www.twitch.tv/TwitchDev", .twitch, .login, "twitchdev"),
        ("twitch.tv/shroud/videos", .twitch, .login, "shroud"),
        ("https://m.twitch.tv/some_user_123", .twitch, .login, "some_user_123"),
    ]

    static let bad: [(String, ChannelReferenceError)] = [
        ("", .empty),
        ("   ", .empty),
        (String(repeating: "a", count: 600), .tooLong),
        ("https://www.youtube.com/@a b", .invalidCharacters),
        ("shroud", .ambiguous),
        ("ftp://youtube.com/@x", .unsupportedScheme("ftp")),
        ("javascript://youtube.com/@x", .unsupportedScheme("javascript")),
        ("https://youtube.com.evil.example/@handle", .unsupportedHost("youtube.com.evil.example")),
        ("https://youtube.com@evil.example/@handle", .invalidURL),
        ("https://www.youtube.com:8443/@handle", .invalidURL),
        ("https://example.com/c/name", .unsupportedHost("example.com")),
        ("https://youtu.be/dQw4w9WgXcQ", .videoNotChannel),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", .videoNotChannel),
        ("https://www.youtube.com/live/dQw4w9WgXcQ", .videoNotChannel),
        ("https://www.youtube.com/c/LegacyName", .legacyYouTubeURL),
        ("https://www.youtube.com/user/LegacyUser", .legacyYouTubeURL),
        ("https://www.youtube.com/", .missingChannel),
        ("https://www.youtube.com/channel/", .missingChannel),
        ("https://www.youtube.com/feed/trending", .unrecognizedPath),
        ("https://www.youtube.com/channel/UC123", .invalidChannelID),
        ("https://www.youtube.com/channel/XX_x5XG1OV2P6uZZ5FSM9Ttw", .invalidChannelID),
        ("@ab", .invalidHandle),
        ("@" + String(repeating: "a", count: 31), .invalidHandle),
        ("@bad!handle", .invalidHandle),
        ("https://www.youtube.com/@bad%3Chandle", .invalidHandle),
        ("https://www.youtube.com/@bad%ZZ", .invalidHandle),
        ("https://rumble.com/v4abc-some-video.html", .unrecognizedPath),
        ("https://rumble.com/c/", .missingChannel),
        ("https://rumble.com/c/bad%20name", .invalidName),
        ("https://rumble.com/", .missingChannel),
        ("https://www.twitch.tv/directory", .unrecognizedPath),
        ("https://www.twitch.tv/", .missingChannel),
        ("https://www.twitch.tv/not-a-login", .invalidLogin),
        ("https://www.twitch.tv/" + String(repeating: "a", count: 26), .invalidLogin),
        ("UC_x5XG1OV2P6uZZ5FSM9Tt", .ambiguous),
    ]

    @Test(arguments: good.indices) func accepted(_ index: Int) throws {
        let (input, platform, kind, value) = Self.good[index]
        #expect(try ChannelReference(parsing: input) == ChannelReference(platform: platform, kind: kind, value: value), "\(input)")
    }

    @Test(arguments: bad.indices) func refused(_ index: Int) {
        let (input, error) = Self.bad[index]
        #expect(throws: error, "\(input.prefix(60))") { try ChannelReference(parsing: input) }
    }

    @Test func errorsAreReadable() {
        #expect(ChannelReferenceError.unsupportedHost("example.com").description == "example.com is not YouTube, Twitch or Rumble")
        #expect(ChannelReferenceError.ambiguous.description.contains("@handle"))
    }
}
