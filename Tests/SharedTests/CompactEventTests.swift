import JSONValue
import Rooms
import Testing

/// `CompactEvent.jsonText` is written field by field for speed; it must stay byte-identical to
/// the generic writer's output of `json` (what every reader parses and tests compare).
@Suite struct CompactEventTests {
    static let events: [CompactEvent] = [
        CompactEvent(id: 1, companyID: "2f1c7a52-8d4e-4a67-9f30-5b6f0e1d2c3a", creatorID: nil, type: "channel.follow", version: "2",
                     source: "webhook", occurredAt: "2026-12-06T01:02:03.000004Z", receivedAt: "2026-12-06T01:02:03.100000Z",
                     broadcasterUserID: nil, data: [:]),
        CompactEvent(id: 9_007_199_254_740_993, companyID: "c", creatorID: "cr\"eator", type: "t\\y\npe", version: "1",
                     source: "poll", occurredAt: "o", receivedAt: "r", broadcasterUserID: "</script>\u{2028}",
                     data: ["z": .array([.int(-1), .double(1.5), .bool(true), .null]), "a": ["nested": .string("é 😀 \u{0001}")],
                            "title": .string("@everyone <b>")]),
    ]

    @Test(arguments: events)
    func writtenTextEqualsTheGenericWriter(event: CompactEvent) throws {
        #expect(event.jsonText == JSONWriter.string(event.json))
        #expect(CompactEvent(json: try JSONParser.parse(event.jsonText)) == event)
    }
}
