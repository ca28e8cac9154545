import EventSub
import JSONValue
import TestSupport
import Testing

@Suite struct NormalizerTests {
    static func delivery(_ type: String) -> EventSubDelivery {
        EventSubDelivery(messageID: "m-1", timestamp: "2026-01-01T00:00:00Z", timestampSeconds: 1_767_225_600,
                         messageType: .notification, subscriptionType: type, subscriptionVersion: "1")
    }

    static func normalize(_ body: String) throws -> NormalizedNotification {
        let envelope = try EventSubEnvelope.parse(Array(body.utf8))
        return try EventSubNormalizer.normalize(envelope, delivery: delivery(envelope.subscription.type), rawBody: Array(body.utf8))
    }

    @Test func raidIsRoutedToBothChannels() throws {
        let n = try Self.normalize(#"{"subscription":{"id":"s","type":"channel.raid","version":"1","status":"enabled","condition":{}},"event":{"from_broadcaster_user_id":"1","from_broadcaster_user_login":"a","from_broadcaster_user_name":"A","to_broadcaster_user_id":"2","to_broadcaster_user_login":"b","to_broadcaster_user_name":"B","viewers":9001}}"#)
        #expect(n.routingUserIDs == ["2", "1"])
        #expect(n.broadcaster?.id == "2")
        #expect(n.data["viewers"] == .int(9001))
        #expect(n.data["from"]?["login"] == .string("a"))
    }

    @Test func followUsesItsOwnTimestampAndFields() throws {
        let n = try Self.normalize(#"{"subscription":{"id":"s","type":"channel.follow","version":"2","status":"enabled","condition":{}},"event":{"user_id":"9","user_login":"fan","user_name":"Fan","broadcaster_user_id":"5","broadcaster_user_login":"b","broadcaster_user_name":"B","followed_at":"2020-07-15T18:16:11.17106713Z"}}"#)
        #expect(n.occurredAt == "2020-07-15T18:16:11.171067Z")
        #expect(n.data["user"]?["login"] == .string("fan"))
        #expect(n.routingUserIDs == ["5"])
    }

    @Test func knownTypeWithoutItsBroadcasterIsRefused() {
        #expect(throws: EventSubEnvelope.Invalid.self) {
            try Self.normalize(#"{"subscription":{"id":"s","type":"stream.online","version":"1","status":"enabled","condition":{}},"event":{"id":"1"}}"#)
        }
        #expect(throws: EventSubEnvelope.Invalid.self) {
            try Self.normalize(#"{"subscription":{"id":"s","type":"stream.online","version":"1","status":"enabled","condition":{}}}"#)
        }
    }

    @Test func unknownTypeKeepsRoutingFromItsCondition() throws {
        let n = try Self.normalize(#"{"subscription":{"id":"s","type":"channel.shoutout.create","version":"1","status":"enabled","condition":{"broadcaster_user_id":"77"}},"event":{"to_broadcaster_user_id":"3"}}"#)
        #expect(n.routingUserIDs == ["77"])
        #expect(n.data == [:])
    }

    @Test func anonymousGiftHasNoUser() throws {
        let n = try Self.normalize(#"{"subscription":{"id":"s","type":"channel.subscription.gift","version":"1","status":"enabled","condition":{}},"event":{"user_id":null,"user_login":null,"user_name":null,"broadcaster_user_id":"5","broadcaster_user_login":"b","broadcaster_user_name":"B","total":2,"tier":"1000","cumulative_total":null,"is_anonymous":true}}"#)
        #expect(n.data["user"] == .null)
        #expect(n.data["isAnonymous"] == .bool(true))
    }

    /// Every documented notification example Twitch publishes (../shared) normalizes, and the
    /// product's supported types yield a broadcaster to route by.
    @Test func twitchDocumentedExamples() throws {
        guard try Prerequisite.available(SharedResearch.missing) else { return }
        let files = SharedResearch.exampleFiles()
        try #require(!files.isEmpty, "no example files in ../shared/research/twitch-eventsub-examples")
        var checked = 0
        for file in files {
            let document = try JSONParser.parse(try #require(SharedResearch.read(file)))
            for example in document["notification_examples"]?.arrayValue ?? [] {
                guard let body = example["body"] else { continue }
                let text = JSONWriter.string(body)
                let n = try Self.normalize(text)
                if EventSubNormalizer.supportedTypes.contains(n.subscriptionType) {
                    #expect(!n.routingUserIDs.isEmpty, "\(file): no routing id")
                }
                checked += 1
            }
        }
        #expect(checked >= 15)
    }
}
