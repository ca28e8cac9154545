import BlockingIO
import Files
import JSONValue
import NotificationMessages
import Processes
import Settings
import TestSupport
import Testing

/// Notifications out, without I/O: templates and their save-time limits, escaping of
/// Twitch-controlled text, the three payloads, Standard Webhooks signatures (the spec's vector
/// and the PyPI reference library both ways) and how each API's responses are read.
@Suite struct NotificationsTests {
    static let context = NotificationContext(
        eventID: "0e6f3c1a-1111-4222-8333-944455556666", eventType: "stream.online", occurredAt: "2026-05-04T03:02:01Z", creatorID: "c-1",
        values: [.creatorDisplayName: "Fixture_TV", .creatorLogin: "fixture_tv", .streamTitle: "Ranked grind *all* day",
                 .streamCategory: "Just Chatting", .eventViewers: "1200"])

    static let template = NotificationMessageTemplate(
        content: "<@&123> {creator.displayName} is live!", title: "{creator.displayName} is live on Twitch", description: "{stream.title}")

    /// A context where every value is hostile, longer than allowed, and made of `character`.
    static func worstCase(_ character: String) -> NotificationContext {
        var values: [NotificationPlaceholder: String] = [:]
        for placeholder in NotificationPlaceholder.allCases { values[placeholder] = String(repeating: character, count: 1000) }
        return NotificationContext(eventID: "e", eventType: "stream.online", occurredAt: "2026-05-04T03:02:01Z", values: values)
    }

    // MARK: - Templates

    @Test func parsesPlaceholders() {
        let template = NotificationTemplate("{{literal}} {creator.login} and {nope.name}, { not one }, {stream.url}}}")
        #expect(template.segments == [
            .literal("{literal} "), .placeholder(.creatorLogin), .literal(" and "), .unknown("nope.name"), .literal(", { not one }, "),
            .placeholder(.streamURL), .literal("}"),
        ])
        #expect(template.unknownPlaceholders == ["nope.name"])
        #expect(template.render(Self.context, escaping: .none) == "{literal} fixture_tv and , { not one }, https://www.twitch.tv/fixture_tv}")
        #expect(NotificationTemplate("no placeholders").segments == [.literal("no placeholders")])
        #expect(NotificationTemplate("{").segments == [.literal("{")])
        #expect(NotificationTemplate("{}").segments == [.literal("{}")])
    }

    @Test func rendersValuesForEachDestination() {
        let context = NotificationContext(eventID: "e", eventType: "channel.cheer", occurredAt: "", values: [
            .creatorDisplayName: "A&B <Co>", .cheerBits: "1,000 bits", .eventMessage: "line one\nline two\u{0}end",
        ])
        let template = NotificationTemplate("{creator.displayName}|{cheer.bits}|{event.message}")
        #expect(template.render(context, escaping: .none) == "A&B <Co>|1000|line one line two end")
        #expect(template.render(context, escaping: .slack) == "A&amp;B &lt;Co&gt;|1000|line one line two end")
        #expect(template.render(context, escaping: .discord) == "A&B \\<Co\\>|1000|line one line two end")
        // The stream URL stays a link on Discord (not escaped) but its login is.
        let url = NotificationTemplate("{stream.url} {creator.login}")
        #expect(url.render(Self.context, escaping: .discord) == "https://www.twitch.tv/fixture_tv fixture\\_tv")
        // Values are cut at their documented longest length.
        let long = NotificationContext(eventID: "e", eventType: "stream.online", occurredAt: "", values: [.streamTitle: String(repeating: "x", count: 500)])
        let title = NotificationTemplate("{stream.title}").render(long, escaping: .none)
        #expect(title.count == 140 && title.hasSuffix("…"))
        // No login, no URL; a login that is not a login makes no URL either.
        #expect(NotificationContext(eventID: "e", eventType: "t", occurredAt: "", values: [:])[.streamURL] == nil)
        #expect(NotificationContext(eventID: "e", eventType: "t", occurredAt: "", values: [.creatorLogin: "a/b"])[.streamURL] == nil)
        #expect(NotificationContext(eventID: "e", eventType: "t", occurredAt: "", values: [:])[.eventType] == "t")
    }

    @Test func truncatesByUTF16Length() {
        #expect(NotificationLimits.truncate("abc", to: 3) == "abc")
        #expect(NotificationLimits.truncate("abcd", to: 3) == "ab…")
        let emoji = NotificationLimits.truncate(String(repeating: "😀", count: 100), to: 25)
        #expect(NotificationLimits.length(emoji) <= 25)
        #expect(emoji.hasSuffix("…") && emoji.dropLast().allSatisfy { $0 == "😀" })
        #expect(NotificationLimits.truncate("abc", to: 0) == "")
        // Escaped values are cut after escaping, never inside an escape sequence.
        let underscores = NotificationTextEscaping.discord.escape(String(repeating: "_", count: 200), limit: 140)
        #expect(underscores == String(repeating: "\\_", count: 69) + "…")
        let ampersands = NotificationTextEscaping.slack.escape(String(repeating: "&", count: 200), limit: 140)
        #expect(ampersands == String(repeating: "&amp;", count: 27) + "…")
        #expect(NotificationTextEscaping.discord.escape("short", limit: 140) == "short")
    }

    // MARK: - Escaping

    @Test func neutralisesDiscordMentionsAndMarkdown() {
        let cases: [(String, String)] = [
            ("@everyone", "@\u{200B}everyone"),
            ("@here", "@\u{200B}here"),
            ("<@&123>", "\\<@\u{200B}&123\\>"),
            ("<@456>", "\\<@\u{200B}456\\>"),
            ("<@!456>", "\\<@\u{200B}!456\\>"),
            ("<#789>", "\\<\\#789\\>"),
            ("**bold**", "\\*\\*bold\\*\\*"),
            ("[click](https://evil.example)", "\\[click\\]\\(https://evil.example\\)"),
            ("a_b ~~c~~ `d` ||e||", "a\\_b \\~\\~c\\~\\~ \\`d\\` \\|\\|e\\|\\|"),
            ("# Head", "\\# Head"), ("- item", "\\- item"), ("> quote", "\\> quote"), ("back\\slash", "back\\\\slash"),
            ("<t:1700000000:R> <:emoji:1>", "\\<t:1700000000:R\\> \\<:emoji:1\\>"),
            ("plain title 123", "plain title 123"),
        ]
        for (input, expected) in cases {
            #expect(NotificationTextEscaping.discord.escape(input) == expected, "\(input)")
        }
        let hostile = "@everyone @here <@&999> <@1> <#2> ||x|| **y** [z](https://e.vil) `w` \\@everyone"
        let escaped = NotificationTextEscaping.discord.escape(hostile)
        #expect(!escaped.contains("@everyone") && !escaped.contains("@here"))
        let scalars = Array(escaped.unicodeScalars)
        for (index, scalar) in scalars.enumerated() where scalar == "<" || scalar == "*" || scalar == "|" || scalar == "[" || scalar == "`" {
            #expect(index > 0 && scalars[index - 1] == "\\", "unescaped \(scalar) at \(index) in \(escaped)")
        }
        for (index, scalar) in scalars.enumerated() where scalar == "@" {
            #expect(index + 1 < scalars.count && scalars[index + 1] == "\u{200B}")
        }
    }

    @Test func escapesSlackControlCharacters() {
        #expect(NotificationTextEscaping.slack.escape("a & b <!channel> <https://evil|click> >") == "a &amp; b &lt;!channel&gt; &lt;https://evil|click&gt; &gt;")
        #expect(NotificationTextEscaping.slack.escape("&amp;") == "&amp;amp;")
        #expect(NotificationTextEscaping.slack.escape("nothing to do *bold*") == "nothing to do *bold*")
        #expect(NotificationTextEscaping.none.escape("<@&1> & @everyone") == "<@&1> & @everyone")
    }

    @Test func allowsOnlyTheTemplatesOwnMentions() throws {
        let mentions = DiscordAllowedMentions(literalText: "<@&123> <@456> <@!789> @here <@&123> <@&> <@abc> <@&5")
        #expect(mentions == DiscordAllowedMentions(everyone: true, roles: ["123"], users: ["456", "789"]))
        #expect(mentions.json == ["parse": ["everyone"], "roles": ["123"], "users": ["456", "789"]])
        #expect(DiscordAllowedMentions(literalText: "no mentions here").json == ["parse": []])
        #expect(DiscordAllowedMentions(literalText: "ping <@&123>").json == ["parse": [], "roles": ["123"]])

        // A hostile title mentions nobody: escaped, and its ids are not on the list.
        let hostile = NotificationContext(eventID: "e", eventType: "stream.online", occurredAt: "", values: [
            .creatorDisplayName: "<@&999>", .streamTitle: "@everyone <@&999> <@42> free nitro", .creatorLogin: "x",
        ])
        let body = DiscordPayload.body(Self.template, context: hostile)
        #expect(body["allowed_mentions"] == ["parse": [], "roles": ["123"]])
        let content = try #require(body["content"]?.stringValue)
        #expect(content == "<@&123> \\<@\u{200B}&999\\> is live!")
        let description = try #require(body["embeds"]?.arrayValue?.first?["description"]?.stringValue)
        #expect(!description.contains("@everyone") && !description.contains("<@&999>") && !description.contains("<@42>"))
        // Placeholders never contribute mentions, even when the template wraps one in mention syntax.
        let wrapped = NotificationMessageTemplate(content: "<@&{raid.viewers}>", title: "t")
        let raid = NotificationContext(eventID: "e", eventType: "channel.raid", occurredAt: "", values: [.raidViewers: "123"])
        #expect(DiscordPayload.body(wrapped, context: raid)["allowed_mentions"] == ["parse": []])
    }

    // MARK: - Validation at save time

    @Test func validatesTemplates() {
        let unknown = NotificationMessageTemplate(content: "{creator.name} hi", title: "{foo} {creator.login}")
        let errors = unknown.validate(for: .discord)
        #expect(errors["content"]?.hasPrefix("unknown placeholder {creator.name}; known: {creator.displayName}, {creator.login}") == true, "\(errors)")
        #expect(errors["title"]?.hasPrefix("unknown placeholder {foo}") == true)
        #expect(unknown.validate(for: .webhook).keys.sorted() == ["content", "title"])

        let twiceTitle = NotificationMessageTemplate(title: "{stream.title} {stream.title}")
        #expect(twiceTitle.validate(for: .discord) == ["title": "can reach 281 characters with the longest values; a Discord embed title allows 256"])
        #expect(twiceTitle.validate(for: .slack) == [:])
        #expect(twiceTitle.validate(for: .webhook) == [:])

        let longContent = NotificationMessageTemplate(content: NotificationTemplate(String(repeating: "a", count: 1990) + "{creator.login}"), title: "t")
        #expect(longContent.validate(for: .discord) == ["content": "can reach 2015 characters with the longest values; Discord's message content allows 2000"])
        #expect(longContent.validate(for: .webhook) == [:])

        let longDescription = NotificationMessageTemplate(title: "t", description: NotificationTemplate(String(repeating: "a", count: 4000) + "{stream.title}"))
        #expect(longDescription.validate(for: .discord)["description"] == "can reach 4140 characters with the longest values; a Discord embed description allows 4096")
        #expect(longDescription.validate(for: .slack)["description"] == "can reach 4140 characters with the longest values; a Slack section allows 3000")

        let slackTotal = NotificationMessageTemplate(title: "{stream.title}", description: NotificationTemplate(String(repeating: "a", count: 2900)))
        #expect(slackTotal.validate(for: .slack)
            == ["description": "the Slack message can reach 3167 characters with the longest values; Slack allows 3000 per section"])
        #expect(slackTotal.validate(for: .discord) == [:])

        #expect(NotificationMessageTemplate(title: "").validate(for: .slack) == ["title": "a title or a content text is required"])
        #expect(NotificationMessageTemplate(content: "only content", title: "").validate(for: .discord) == [:])
        #expect(NotificationMessageTemplate(title: "t", color: 0x1000000).validate(for: .discord) == ["color": "the colour must be 0 to 16777215 (0xFFFFFF)"])
        #expect(NotificationMessageTemplate(title: "t", color: -1).validate(for: .discord)["color"] != nil)

        let manyRoles = NotificationMessageTemplate(content: NotificationTemplate((0..<101).map { "<@&\($0 + 1000)>" }.joined()), title: "t")
        #expect(manyRoles.validate(for: .discord) == ["content": "at most 100 role and 100 user mentions"])

        for eventType in ["stream.online", "stream.offline", "channel.raid", "channel.subscribe", "channel.subscription.gift", "channel.cheer", "x.y"] {
            for kind in NotificationKind.allCases {
                #expect(NotificationMessageTemplate.standard(for: eventType).validate(for: kind) == [:], "\(eventType) \(kind)")
            }
        }
    }

    /// What validation promises: a template it accepts never renders over a limit, whatever the
    /// values (each longer than allowed and made of the characters that grow most when escaped).
    @Test func validatedTemplatesStayWithinLimits() throws {
        let placeholders = NotificationPlaceholder.allCases.map(\.token).joined(separator: " ")
        let longest = NotificationMessageTemplate(
            content: NotificationTemplate(String(repeating: "c", count: 2000 - 140) + "{stream.title}"),
            title: NotificationTemplate(String(repeating: "t", count: 256 - 50) + "{creator.displayName}"),
            description: NotificationTemplate(String(repeating: "d", count: 4096 - 4 * 140 - 2) + "{stream.title}{stream.title}\n\n{stream.title}{stream.title}"))
        #expect(longest.content.maximumRenderedLength == 2000 && longest.title.maximumRenderedLength == 256)
        #expect(longest.description.maximumRenderedLength == 4096)
        #expect(longest.validate(for: .discord) == [:])
        let everything = NotificationMessageTemplate(content: NotificationTemplate(placeholders), title: "{creator.displayName}",
                                                     description: NotificationTemplate(placeholders))
        #expect(everything.validate(for: .discord) == [:])
        for character in ["_", "@", "<", "x", "😀"] {
            let context = Self.worstCase(character)
            for template in [longest, everything] {
                let body = DiscordPayload.body(template, context: context)
                let content = body["content"]?.stringValue ?? ""
                let embed = try #require(body["embeds"]?.arrayValue?.first)
                let title = embed["title"]?.stringValue ?? ""
                let description = embed["description"]?.stringValue ?? ""
                #expect(NotificationLimits.length(content) <= template.content.maximumRenderedLength)
                #expect(NotificationLimits.length(content) <= NotificationLimits.discordContent)
                #expect(NotificationLimits.length(title) <= NotificationLimits.discordEmbedTitle)
                #expect(NotificationLimits.length(description) <= NotificationLimits.discordEmbedDescription)
                #expect(NotificationLimits.length(description) <= template.description.maximumRenderedLength)
                let fields = embed["fields"]?.arrayValue ?? []
                let total = NotificationLimits.length(title) + NotificationLimits.length(description) + fields.reduce(0) {
                    $0 + NotificationLimits.length($1["name"]?.stringValue ?? "") + NotificationLimits.length($1["value"]?.stringValue ?? "")
                }
                #expect(total <= NotificationLimits.discordEmbedTotal)
            }
        }
        let slack = NotificationMessageTemplate(content: "{event.message}", title: "{stream.title}", description: NotificationTemplate(String(repeating: "d", count: 1000)))
        #expect(slack.validate(for: .slack) == [:])
        for character in ["&", "<", "x"] {
            let body = SlackPayload.body(slack, context: Self.worstCase(character))
            let section = try #require(body["blocks"]?.arrayValue?.first)
            let text = try #require(section["text"]?["text"]?.stringValue)
            #expect(NotificationLimits.length(text) <= NotificationLimits.slackSectionText)
            #expect(!text.contains("&&") && !text.contains("<<"), "values must be escaped")
            for field in section["fields"]?.arrayValue ?? [] {
                #expect(NotificationLimits.length(field["text"]?.stringValue ?? "") <= NotificationLimits.slackFieldText)
            }
        }
    }

    // MARK: - Payloads

    @Test func buildsTheDiscordBody() {
        let body = DiscordPayload.body(Self.template, context: Self.context)
        let expected: JSONValue = [
            "content": "<@&123> Fixture\\_TV is live!",
            "embeds": [[
                "title": "Fixture\\_TV is live on Twitch",
                "url": "https://www.twitch.tv/fixture_tv",
                "description": "Ranked grind \\*all\\* day",
                "fields": [
                    ["name": "Category", "value": "Just Chatting", "inline": true],
                    ["name": "Viewers", "value": "1200", "inline": true],
                ],
                "timestamp": "2026-05-04T03:02:01Z",
                "color": 9_520_895,
            ]],
            "allowed_mentions": ["parse": [], "roles": ["123"]],
        ]
        #expect(body == expected, "\(JSONWriter.string(body))")
        // Without content and with a colour and a bot name; no fields when turned off.
        let plain = NotificationMessageTemplate(title: "{creator.login}", color: 0xFF0000, showsFields: false)
        let other = DiscordPayload.body(plain, context: Self.context, username: "Agency Bot")
        #expect(other["content"] == nil)
        #expect(other["username"] == "Agency Bot")
        #expect(other["embeds"]?.arrayValue?.first?["color"] == 0xFF0000)
        #expect(other["embeds"]?.arrayValue?.first?["fields"] == nil)
        #expect(other["allowed_mentions"] == ["parse": []])
    }

    @Test func buildsTheSlackBody() {
        let template = NotificationMessageTemplate(title: "{creator.displayName} is live on Twitch", description: "{stream.title}")
        let expected: JSONValue = [
            "text": "Fixture_TV is live on Twitch",
            "blocks": [[
                "type": "section",
                "text": ["type": "mrkdwn", "text": "*<https://www.twitch.tv/fixture_tv|Fixture_TV is live on Twitch>*\nRanked grind *all* day"],
                "fields": [
                    ["type": "mrkdwn", "text": "*Category*\nJust Chatting"],
                    ["type": "mrkdwn", "text": "*Viewers*\n1200"],
                ],
            ]],
        ]
        let body = SlackPayload.body(template, context: Self.context)
        #expect(body == expected, "\(JSONWriter.string(body))")
        let hostile = NotificationContext(eventID: "e", eventType: "stream.online", occurredAt: "", values: [
            .creatorDisplayName: "<!channel> & co", .creatorLogin: "x",
        ])
        let withContent = NotificationMessageTemplate(content: "<!here> {creator.displayName}", title: "{creator.displayName}", showsFields: false)
        let other = SlackPayload.body(withContent, context: hostile)
        #expect(other["text"] == "<!here> &lt;!channel&gt; &amp; co")
        #expect(other["blocks"]?.arrayValue?.first?["text"]?["text"]
            == "<!here> &lt;!channel&gt; &amp; co\n*<https://www.twitch.tv/x|&lt;!channel&gt; &amp; co>*")
    }

    @Test func buildsTheWebhookBody() {
        let body = WebhookPayload.body(Self.template, context: Self.context)
        let expected: JSONValue = [
            "type": "stream.online",
            "timestamp": "2026-05-04T03:02:01Z",
            "data": [
                "eventId": "0e6f3c1a-1111-4222-8333-944455556666",
                "creator": ["id": "c-1", "displayName": "Fixture_TV", "login": "fixture_tv"],
                "stream": ["title": "Ranked grind *all* day", "category": "Just Chatting", "url": "https://www.twitch.tv/fixture_tv", "platform": "Twitch"],
                "event": ["type": "stream.online", "viewers": 1200],
                "message": ["content": "<@&123> Fixture_TV is live!", "title": "Fixture_TV is live on Twitch", "description": "Ranked grind *all* day"],
            ],
        ]
        #expect(body == expected, "\(JSONWriter.string(body))")
    }

    @Test func parsesDiscordWebhookURLs() throws {
        let cases: [(String, String, Bool)] = [
            ("https://discord.com/api/webhooks/123456789012345678/abc-DEF_123",
             "https://discord.com/api/v10/webhooks/123456789012345678/abc-DEF_123?wait=true", true),
            ("https://discordapp.com/api/v6/webhooks/1/tok", "https://discordapp.com/api/v10/webhooks/1/tok?wait=true", true),
            ("https://canary.discord.com/api/v9/webhooks/1/tok/", "https://canary.discord.com/api/v10/webhooks/1/tok?wait=true", true),
            ("https://discord.com/api/webhooks/1/tok?thread_id=55", "https://discord.com/api/v10/webhooks/1/tok?wait=true&thread_id=55", true),
            ("http://127.0.0.1:4000/api/webhooks/1/tok", "http://127.0.0.1:4000/api/v10/webhooks/1/tok?wait=true", false),
        ]
        for (text, execute, official) in cases {
            let url = try DiscordWebhookURL.parse(text).get()
            #expect(url.executeURL == execute)
            #expect(url.isDiscordHost == official, "\(text)")
        }
        #expect(try DiscordWebhookURL.parse("https://discord.com/api/webhooks/42/secret").get().webhookID == "42")
        for text in ["https://discord.com/api/webhooks/abc/tok", "https://discord.com/webhooks/1/tok", "https://discord.com/api/webhooks/1",
                     "https://discord.com/api/webhooks/1/tok/extra", "https://discord.com/api/webhooks/1/to%6B", "discord.com/api/webhooks/1/tok",
                     "https://discord.com/api/webhooks/1/tok?thread_id=x", "https:///api/webhooks/1/tok"] {
            #expect((try? DiscordWebhookURL.parse(text).get()) == nil, "\(text)")
        }
    }

    // MARK: - Standard Webhooks signatures

    static let vectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let vectorID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let vectorTimestamp: Int64 = 1_614_265_330
    static let vectorBody = Array(#"{"test": 2432232314}"#.utf8)
    static let vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    /// The verifier's failure, or nil when it accepts.
    static func failure(_ check: () throws(StandardWebhookVerifier.Failure) -> Void) -> StandardWebhookVerifier.Failure? {
        do { try check() } catch { return error }
        return nil
    }

    /// The spec's reference libraries' known answer (standard-webhooks `TestWebhookSign`).
    @Test func signsTheKnownAnswerVector() throws {
        let secret = try #require(WebhookSecret(Self.vectorSecret))
        #expect(secret.bytes.count == 24)
        let signer = StandardWebhookSigner(secret: secret)
        #expect(signer.signature(messageID: Self.vectorID, timestamp: Self.vectorTimestamp, body: Self.vectorBody) == Self.vectorSignature)
        let headers = signer.headers(messageID: Self.vectorID, timestamp: Self.vectorTimestamp, body: Self.vectorBody)
        #expect(headers.map(\.0) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(headers.map(\.1) == [Self.vectorID, "1614265330", Self.vectorSignature])
        let verifier = StandardWebhookVerifier(secrets: [secret])
        let lookup = Dictionary(uniqueKeysWithValues: headers.map { ($0.0, $0.1) })
        func check(now: Int64) -> StandardWebhookVerifier.Failure? {
            Self.failure { () throws(StandardWebhookVerifier.Failure) in try verifier.verify(headers: lookup, body: Self.vectorBody, now: now) }
        }
        #expect(check(now: Self.vectorTimestamp) == nil)
        #expect(check(now: Self.vectorTimestamp + 300) == nil)
        #expect(check(now: Self.vectorTimestamp + 301) == .staleTimestamp)
        #expect(check(now: Self.vectorTimestamp - 301) == .futureTimestamp)
        // The unprefixed (and unpadded) form decodes to the same key.
        #expect(WebhookSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == secret)
    }

    @Test func verifierRefusesWhatIsNotSigned() throws {
        let secret = try #require(WebhookSecret(Self.vectorSecret))
        func verify(_ headers: [String: String], body: [UInt8] = Self.vectorBody, secrets: [WebhookSecret] = [secret]) -> StandardWebhookVerifier.Failure? {
            Self.failure { () throws(StandardWebhookVerifier.Failure) in
                try StandardWebhookVerifier(secrets: secrets).verify(headers: headers, body: body, now: Self.vectorTimestamp)
            }
        }
        func signed(_ id: String = Self.vectorID, _ timestamp: String = "1614265330", _ signature: String = Self.vectorSignature) -> [String: String] {
            ["Webhook-Id": id, "Webhook-Timestamp": timestamp, "Webhook-Signature": signature]
        }
        #expect(verify(signed()) == nil)
        var tampered = Self.vectorBody
        tampered[3] ^= 1
        #expect(verify(signed(), body: tampered) == .noMatchingSignature)
        #expect(verify(signed("msg_other")) == .noMatchingSignature)
        #expect(verify(signed(Self.vectorID, "1614265331")) == .noMatchingSignature)
        #expect(verify(signed(Self.vectorID, "16142653x0")) == .invalidTimestamp)
        #expect(verify(signed(Self.vectorID, "-1614265330")) == .invalidTimestamp)
        #expect(verify(signed(Self.vectorID, "1614265330", "v2," + Self.vectorSignature.dropFirst(3))) == .noMatchingSignature)
        #expect(verify(signed(Self.vectorID, "1614265330", "v1,!!!! v1a,abc")) == .noMatchingSignature)
        #expect(verify(signed(Self.vectorID, "1614265330", "v1a,c29tZQ== " + Self.vectorSignature + " v1,AAAA")) == nil)
        #expect(verify(signed(Self.vectorID, "1614265330", String(Self.vectorSignature.dropLast(4)) + "AAA=")) == .noMatchingSignature)
        #expect(verify(["webhook-id": Self.vectorID, "webhook-signature": Self.vectorSignature]) == .missingHeader("webhook-timestamp"))
        #expect(verify([:]) == .missingHeader("webhook-id"))
        #expect(verify(signed(), secrets: [WebhookSecret.generate()]) == .noMatchingSignature)
    }

    @Test func rotatesKeys() throws {
        let old = WebhookSecret.generate()
        let new = WebhookSecret.generate()
        #expect(old != new)
        let body = Array(#"{"type":"stream.online"}"#.utf8)
        let signature = StandardWebhookSigner(secrets: [new, old]).signature(messageID: "msg_1", timestamp: 1_700_000_000, body: body)
        let parts = signature.split(separator: " ")
        #expect(parts.count == 2 && parts.allSatisfy { $0.hasPrefix("v1,") })
        func verify(_ signature: String, secrets: [WebhookSecret]) -> StandardWebhookVerifier.Failure? {
            let headers = ["webhook-id": "msg_1", "webhook-timestamp": "1700000000", "webhook-signature": signature]
            return Self.failure { () throws(StandardWebhookVerifier.Failure) in
                try StandardWebhookVerifier(secrets: secrets).verify(headers: headers, body: body, now: 1_700_000_000)
            }
        }
        for receiver in [[old], [new], [WebhookSecret.generate(), old]] { #expect(verify(signature, secrets: receiver) == nil) }
        #expect(verify(signature, secrets: [WebhookSecret.generate()]) == .noMatchingSignature)
        // After the rotation window the old key no longer signs.
        let newOnly = StandardWebhookSigner(secret: new).signature(messageID: "msg_1", timestamp: 1_700_000_000, body: body)
        #expect(verify(newOnly, secrets: [old]) == .noMatchingSignature)
    }

    @Test func makesSecretsAndMessageIDs() throws {
        let secret = WebhookSecret.generate()
        #expect(secret.bytes.count == 32)
        #expect(secret.encoded.hasPrefix("whsec_"))
        #expect(WebhookSecret(secret.encoded) == secret)
        #expect("\(secret)" == "whsec_<redacted>")
        #expect(WebhookSecret("whsec_") == nil)
        #expect(WebhookSecret("whsec_!!!!") == nil)
        let id = StandardWebhookSigner.messageID(eventID: "event-1", destinationID: "destination-1")
        #expect(id == StandardWebhookSigner.messageID(eventID: "event-1", destinationID: "destination-1"), "the same across retries")
        #expect(id.hasPrefix("msg_") && id.count == 28 && !id.contains("."))
        #expect(id != StandardWebhookSigner.messageID(eventID: "event-1", destinationID: "destination-2"))
        #expect(StandardWebhookSigner.messageID(eventID: "ab", destinationID: "c") != StandardWebhookSigner.messageID(eventID: "a", destinationID: "bc"))
    }

    /// The PyPI `standardwebhooks` library (pinned in Tests/requirements.txt) verifies our
    /// signatures and signs what we verify, so we do not only agree with ourselves.
    @Test func agreesWithTheReferencePythonLibrary() async throws {
        let missing = await Self.pythonLibraryMissing()
        guard try Prerequisite.available(missing) else { return }
        let old = WebhookSecret.generate()
        let new = WebhookSecret.generate()
        let hostile = NotificationContext(eventID: "e-1", eventType: "stream.online", occurredAt: "2026-05-04T03:02:01Z", values: [
            .creatorDisplayName: "Zoë 🎮 \"quoted\" <@&1>", .creatorLogin: "zoe", .streamTitle: "über ranked\\grind & more",
        ])
        let body = Array(JSONWriter.string(WebhookPayload.body(.standard(for: "stream.online"), context: hostile)).utf8)
        let id = StandardWebhookSigner.messageID(eventID: "e-1", destinationID: "d-1")
        let now = Int64(wallClockSeconds())
        let signature = StandardWebhookSigner(secrets: [new, old]).signature(messageID: id, timestamp: now, body: body)
        for secret in [new, old] {
            let result = try await Self.python("verify", secret: secret, id: id, timestamp: now, body: body, signature: signature)
            #expect(result.status == 0 && result.output == "ok", "\(result.output)")
        }
        var tampered = body
        tampered[tampered.count - 2] ^= 1
        let refused = try await Self.python("verify", secret: new, id: id, timestamp: now, body: tampered, signature: signature)
        #expect(refused.status != 0 && refused.output.contains("No matching signature"), "\(refused.output)")
        // The other way: Python signs, we verify.
        let signed = try await Self.python("sign", secret: new, id: id, timestamp: now, body: body, signature: "")
        #expect(signed.status == 0 && signed.output.hasPrefix("v1,"), "\(signed.output)")
        #expect(signed.output == String(signature.split(separator: " ")[0]))
        #expect(throws: Never.self) {
            try StandardWebhookVerifier(secrets: [new]).verify(
                headers: ["webhook-id": id, "webhook-timestamp": String(now), "webhook-signature": signed.output], body: body, now: now)
        }
    }

    static let pythonScript = """
        import os, sys
        from datetime import datetime, timezone
        from standardwebhooks.webhooks import Webhook
        hook = Webhook(os.environ["SW_SECRET"])
        body = bytes.fromhex(os.environ["SW_BODY"]).decode("utf-8")
        if sys.argv[1] == "sign":
            print(hook.sign(os.environ["SW_ID"], datetime.fromtimestamp(int(os.environ["SW_TS"]), tz=timezone.utc), body))
        else:
            try:
                hook.verify(body, {"webhook-id": os.environ["SW_ID"], "webhook-timestamp": os.environ["SW_TS"],
                                   "webhook-signature": os.environ["SW_SIG"]})
                print("ok")
            except Exception as error:
                print(type(error).__name__, error)
                sys.exit(1)
        """

    static func pythonLibraryMissing() async -> String? {
        let status = try? await ChildProcess.run("python3", ["-c", "import standardwebhooks"], environment: Environment().all, outputPath: "/dev/null")
        return status == 0 ? nil : "python3 cannot import standardwebhooks: python3 -m pip install -r Tests/requirements.txt (local-runner/test does this)"
    }

    static func python(_ mode: String, secret: WebhookSecret, id: String, timestamp: Int64, body: [UInt8], signature: String) async throws
        -> (status: Int32, output: String)
    {
        let directory = try FileSystem.temporaryDirectory(prefix: "ccr-standardwebhooks")
        defer { FileSystem.removeTree(directory) }
        var environment = Environment().all
        let hex = body.map { byte in String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16) }.joined()
        environment.merge(["SW_SECRET": secret.encoded, "SW_ID": id, "SW_TS": String(timestamp), "SW_BODY": hex, "SW_SIG": signature]) { $1 }
        let status = try await ChildProcess.run("python3", ["-c", pythonScript, mode], environment: environment, outputPath: directory + "/out")
        let output = (FileSystem.readText(directory + "/out") ?? "").trimmingWhitespace()
        return (status, output)
    }

    // MARK: - Reading responses

    static let cases: [(NotificationKind, Int, [String: String], String, DeliveryDecision, String)] = [
        // Discord
        (.discord, 204, [:], "", .delivered, "Discord 204"),
        (.discord, 200, [:], #"{"id":"1"}"#, .delivered, "Discord 200"),
        (.discord, 429, ["X-RateLimit-Scope": "user"], #"{"message":"You are being rate limited.","retry_after":0.75,"global":false}"#,
         .rateLimited(retryAfterSeconds: 0.75, global: false), "Discord 429 scope user: retry after 0.75 s"),
        (.discord, 429, ["X-RateLimit-Global": "true", "X-RateLimit-Scope": "global", "Retry-After": "3"],
         #"{"message":"You are being rate limited.","retry_after":2.5,"global":true}"#,
         .rateLimited(retryAfterSeconds: 2.5, global: true), "Discord 429 global scope global: retry after 2.5 s"),
        (.discord, 429, ["X-RateLimit-Scope": "shared", "Retry-After": "40"], #"{"message":"You are being rate limited.","retry_after":40.1,"global":false}"#,
         .rateLimited(retryAfterSeconds: 40.1, global: false), "scope shared"),
        (.discord, 429, ["Retry-After": "3"], "<html>slow down</html>", .rateLimited(retryAfterSeconds: 3, global: false), "retry after 3 s"),
        (.discord, 429, [:], "<html>error 1015</html>", .rateLimited(retryAfterSeconds: 60, global: true), "Cloudflare"),
        (.discord, 404, [:], #"{"message":"Unknown Webhook","code":10015}"#, .disableDestination,
         "Discord 404 Unknown Webhook (10015): the webhook was deleted"),
        (.discord, 401, [:], #"{"message":"Invalid Webhook Token","code":50027}"#, .disableDestination,
         "Discord 401 Invalid Webhook Token (50027): the webhook's token is no longer valid"),
        (.discord, 403, [:], #"{"message":"Missing Permissions","code":50013}"#, .disableDestination, "Discord 403 Missing Permissions (50013)"),
        (.discord, 400, [:], #"{"message":"Webhooks posted to forum channels must have a thread_name or thread_id","code":220001}"#, .deadLetter,
         "Discord 400 Webhooks posted to forum channels"),
        (.discord, 400, [:], #"{"message":"Invalid Form Body","code":50035,"errors":{}}"#, .deadLetter, "Discord 400 Invalid Form Body (50035)"),
        (.discord, 413, [:], "", .deadLetter, "Discord 413"),
        (.discord, 500, [:], "", .retry(afterSeconds: nil), "Discord 500"),
        (.discord, 502, [:], "<html>bad gateway</html>", .retry(afterSeconds: nil), "Discord 502"),
        (.discord, 503, ["Retry-After": "5"], "", .retry(afterSeconds: 5), "Discord 503"),
        (.discord, 301, ["Location": "https://elsewhere.example/"], "", .deadLetter, "redirect not followed"),
        // Slack
        (.slack, 200, [:], "ok", .delivered, "Slack 200"),
        (.slack, 429, ["Retry-After": "1"], "", .rateLimited(retryAfterSeconds: 1, global: false), "Slack 429: retry after 1 s"),
        (.slack, 429, [:], "", .rateLimited(retryAfterSeconds: 30, global: false), "Slack 429: retry after 30 s"),
        (.slack, 404, [:], "no_service", .disableDestination, "Slack 404 no_service: the webhook was disabled or removed"),
        (.slack, 404, [:], "channel_not_found", .disableDestination, "Slack 404 channel_not_found: the channel no longer exists"),
        (.slack, 410, [:], "channel_is_archived", .disableDestination, "Slack 410 channel_is_archived: the channel is archived"),
        (.slack, 403, [:], "action_prohibited", .disableDestination, "Slack 403 action_prohibited: the workspace does not allow"),
        (.slack, 400, [:], "invalid_token", .disableDestination, "Slack 400 invalid_token"),
        (.slack, 400, [:], "invalid_payload", .deadLetter, "Slack 400 invalid_payload"),
        (.slack, 400, [:], "no_text", .deadLetter, "Slack 400 no_text"),
        (.slack, 400, [:], "too_many_attachments", .deadLetter, "Slack 400 too_many_attachments"),
        (.slack, 500, [:], "rollup_error", .retry(afterSeconds: nil), "Slack 500 rollup_error"),
        (.slack, 302, ["Location": "https://x.example/"], "", .deadLetter, "redirect not followed"),
        // Standard Webhooks endpoints
        (.webhook, 200, [:], "", .delivered, "HTTP 200"),
        (.webhook, 202, [:], "queued", .delivered, "HTTP 202"),
        (.webhook, 204, [:], "", .delivered, "HTTP 204"),
        (.webhook, 410, [:], "", .disableDestination, "HTTP 410 Gone"),
        (.webhook, 429, ["Retry-After": "10"], "", .rateLimited(retryAfterSeconds: 10, global: false), "HTTP 429: retry after 10 s"),
        (.webhook, 429, ["Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"], "", .rateLimited(retryAfterSeconds: 30, global: false), "HTTP 429"),
        (.webhook, 502, [:], "", .retry(afterSeconds: nil), "HTTP 502"),
        (.webhook, 504, [:], "", .retry(afterSeconds: nil), "HTTP 504"),
        (.webhook, 503, ["Retry-After": "120"], "maintenance", .retry(afterSeconds: 120), "HTTP 503: maintenance"),
        (.webhook, 408, [:], "", .retry(afterSeconds: nil), "HTTP 408"),
        (.webhook, 302, ["Location": "https://new.example/hook"], "", .deadLetter, "HTTP 302 redirect to https://new.example/hook not followed"),
        (.webhook, 307, [:], "", .deadLetter, "HTTP 307 redirect not followed"),
        (.webhook, 400, [:], "bad signature\nline two", .deadLetter, "HTTP 400: bad signature line two"),
        (.webhook, 401, [:], "", .deadLetter, "HTTP 401"),
        (.webhook, 404, [:], "", .deadLetter, "HTTP 404"),
        (.webhook, 422, [:], "", .deadLetter, "HTTP 422"),
    ]

    @Test func classifiesResponses() {
        for (kind, status, headers, body, decision, reason) in Self.cases {
            let verdict = DeliveryResponse(kind: kind, status: status, headers: headers, body: Array(body.utf8)).verdict
            #expect(verdict.decision == decision, "\(kind) \(status) \(body): \(verdict)")
            #expect(verdict.reason.contains(reason), "\(kind) \(status): \(verdict.reason)")
            #expect(!verdict.reason.contains("\n") && verdict.reason.count <= 200)
        }
        #expect(DeliveryVerdict.transportFailure("timed out", retryable: true).decision == .retry(afterSeconds: nil))
        #expect(DeliveryVerdict.transportFailure("blocked: 10.0.0.1 is private", retryable: false).decision == .disableDestination)
    }

    @Test func readsDiscordRateLimitBuckets() throws {
        let headers = ["X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000001.250",
                       "X-RateLimit-Reset-After": "1.25", "X-RateLimit-Bucket": "abcd1234"]
        let verdict = DeliveryResponse(kind: .discord, status: 204, headers: headers, body: []).verdict
        #expect(verdict.decision == .delivered)
        let state = try #require(verdict.rateLimit)
        #expect(state == DiscordRateLimit(bucket: "abcd1234", limit: 5, remaining: 0, resetAfterSeconds: 1.25, resetAtUnixSeconds: 1_700_000_001.25))
        #expect(state.waitBeforeNextRequestSeconds == 1.25)
        let open = try #require(DiscordRateLimit(headers: ["x-ratelimit-remaining": "3", "x-ratelimit-reset-after": "0.5"]))
        #expect(open.waitBeforeNextRequestSeconds == 0)
        #expect(DiscordRateLimit(headers: ["content-type": "application/json"]) == nil)
        #expect(DeliveryResponse(kind: .slack, status: 200, headers: headers, body: Array("ok".utf8)).verdict.rateLimit == nil)
        let limited = DeliveryResponse(kind: .discord, status: 429, headers: ["X-RateLimit-Global": "true"],
                                       body: Array(#"{"retry_after":1.5,"global":true}"#.utf8)).verdict
        #expect(limited.rateLimit?.isGlobal == true)
        #expect(limited.decision == .rateLimited(retryAfterSeconds: 1.5, global: true))
    }
}
