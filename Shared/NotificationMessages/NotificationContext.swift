/// What one notification is about: the event and the values its template may use, all as
/// plain (unescaped) strings taken from the stored event. Escaping happens when rendering, for
/// the destination at hand.
public struct NotificationContext: Sendable, Hashable {
    /// The stored event's id (also the idempotency key's first half).
    public var eventID: String
    /// The EventSub type, e.g. `stream.online`.
    public var eventType: String
    /// When the event happened, RFC 3339 in UTC (Discord's embed `timestamp`, the webhook
    /// payload's `timestamp`).
    public var occurredAt: String
    /// The product's creator id, for the generic webhook payload (not a placeholder).
    public var creatorID: String?
    private var values: [NotificationPlaceholder: String]

    /// `{event.type}` is taken from `eventType`; without a `{stream.platform}` the event is
    /// Twitch's, and `{stream.url}` is made from `{creator.login}` when not given.
    public init(eventID: String, eventType: String, occurredAt: String, creatorID: String? = nil,
                values: [NotificationPlaceholder: String]) {
        self.eventID = eventID
        self.eventType = eventType
        self.occurredAt = occurredAt
        self.creatorID = creatorID
        var values = values.filter { !$0.value.isEmpty }
        values[.eventType] = eventType
        if values[.streamPlatform] == nil { values[.streamPlatform] = "Twitch" }
        if values[.streamURL] == nil, values[.streamPlatform] == "Twitch", let login = values[.creatorLogin],
           !login.isEmpty, login.utf8.allSatisfy({ Self.isLoginCharacter($0) }) {
            values[.streamURL] = "https://www.twitch.tv/\(login.lowercased())"
        }
        self.values = values
    }

    /// The raw value, or nil when the event has none.
    public subscript(_ placeholder: NotificationPlaceholder) -> String? { values[placeholder] }

    /// The value as rendered without escaping (JSON webhooks): `cleanValue` cut to the
    /// placeholder's longest length.
    public func renderedValue(_ placeholder: NotificationPlaceholder) -> String {
        NotificationLimits.truncate(cleanValue(placeholder), to: placeholder.maximumLength)
    }

    /// The value with digits only for numbers, and control characters (newlines included)
    /// turned into spaces so a title cannot start a new markdown block; not yet cut.
    func cleanValue(_ placeholder: NotificationPlaceholder) -> String {
        guard let raw = values[placeholder] else { return "" }
        var value = raw
        switch placeholder.format {
        case .number:
            value = String(String.UnicodeScalarView(raw.unicodeScalars.filter { $0.value >= 0x30 && $0.value <= 0x39 }))
        case .text, .url:
            if raw.unicodeScalars.contains(where: Self.isControl) {
                value = String(String.UnicodeScalarView(raw.unicodeScalars.map { Self.isControl($0) ? " " : $0 }))
            }
        }
        return value
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    private static func isLoginCharacter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }
}
