import Logging
public import Redis

/// Pushes answered 2xx but not used, counted per reason in one Redis hash (shared by every
/// webhook instance; read by tests and metrics), each also logged. WebSub wants 2xx for a body
/// whose signature does not match (§7.1.2), and a hub retrying a document we refuse to read
/// would only send it again.
public struct IgnoredPushes: Sendable {
    public enum Reason: String, Sendable, CaseIterable {
        /// `X-Hub-Signature` does not match any accepted secret of the topic (or is malformed).
        case badSignature = "bad_signature"
        /// No `X-Hub-Signature` although every subscription of ours has a secret.
        case missingSignature = "missing_signature"
        /// A method other than sha1/sha256/sha384/sha512.
        case unsupportedAlgorithm = "unsupported_algorithm"
        /// Refused by the safe Atom reader: a DTD or entity (billion laughs, XXE), too deep, not
        /// an Atom feed, an entry without valid ids.
        case unreadable
        /// Signed and readable, but every entry is another channel's (the callback's channel is
        /// the only one its subscription is about).
        case foreignChannel = "foreign_channel"
    }

    public static let defaultKey = "youtube:webhook:ignored"

    let redis: RedisClient
    public let key: String

    /// `key` separates counters sharing one Redis (tests).
    public init(redis: RedisClient, key: String = IgnoredPushes.defaultKey) {
        self.redis = redis
        self.key = key
    }

    /// Counts one push. Best effort: the answer is 2xx whether or not Redis counted it.
    func record(_ reason: Reason, channelID: String, detail: String, logger: Logger) async {
        logger.notice("youtube push ignored", metadata: ["reason": "\(reason.rawValue)", "channelId": "\(channelID)", "detail": "\(detail.prefix(300))"])
        do {
            _ = try await redis.send(["HINCRBY", key, reason.rawValue, "1"])
        } catch {
            logger.warning("could not count an ignored youtube push", metadata: ["error": "\(error)"])
        }
    }

    /// Every reason's count (0 when never counted).
    public func counts() async throws -> [Reason: Int] {
        let reply = try await redis.send(["HGETALL", key])
        var counts = Dictionary(uniqueKeysWithValues: Reason.allCases.map { ($0, 0) })
        let fields = reply.array ?? []
        var index = 0
        while index + 1 < fields.count {
            if let name = fields[index].string, let reason = Reason(rawValue: name), let value = fields[index + 1].string.flatMap({ Int($0) }) {
                counts[reason] = value
            }
            index += 2
        }
        return counts
    }
}
