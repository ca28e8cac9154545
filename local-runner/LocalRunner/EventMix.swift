/// The share of each EventSub type in a benchmark's traffic, parsed from
/// `type=weight,type=weight` (weights are relative, e.g. percentages).
public struct EventMix: Sendable, CustomStringConvertible {
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// A live channel: mostly follows and chat, some cheers and subs, a few go-lives.
    public static let live = "channel.follow=45,channel.chat.message=45,channel.cheer=4,channel.subscribe=4,stream.online=2"

    /// The types the benchmark can generate (each shaped like Twitch's documented example).
    public static var knownTypes: [String] { NotificationTemplates.types }

    public let entries: [(type: String, weight: Int)]
    private let total: Int

    public init(parsing text: String) throws(Invalid) {
        var entries: [(type: String, weight: Int)] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", omittingEmptySubsequences: false)
            guard pair.count == 2, let weight = Int(pair[1]), weight >= 0 else {
                throw Invalid(description: "--types: expected type=weight (a whole number), got '\(part)'")
            }
            let type = String(pair[0])
            guard NotificationTemplates.types.contains(type) else {
                throw Invalid(description: "--types: unknown event type '\(type)' (known: \(Self.knownTypes.joined(separator: ", ")))")
            }
            guard !entries.contains(where: { $0.type == type }) else { throw Invalid(description: "--types: '\(type)' given twice") }
            if weight > 0 { entries.append((type, weight)) }
        }
        guard !entries.isEmpty else { throw Invalid(description: "--types: need at least one type with a weight above 0") }
        self.entries = entries
        self.total = entries.reduce(0) { $0 + $1.weight }
    }

    /// The type for a uniform draw `roll` in 0..<1.
    public func type(at roll: Double) -> String {
        var remaining = roll * Double(total)
        for entry in entries {
            remaining -= Double(entry.weight)
            if remaining < 0 { return entry.type }
        }
        return entries[entries.count - 1].type
    }

    public var description: String {
        entries.map { "\($0.type)=\($0.weight)" }.joined(separator: ",")
    }
}
