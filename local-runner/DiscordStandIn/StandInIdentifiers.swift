import NIOConcurrencyHelpers

/// Ids and tokens in the services' formats.
enum StandInIdentifiers {
    /// Discord's epoch (2015-01-01) in Unix milliseconds.
    static let discordEpochMilliseconds: UInt64 = 1_420_070_400_000
    private static let increment = NIOLockedValueBox<UInt64>(0)

    /// A Discord snowflake: milliseconds since Discord's epoch << 22, worker 1, process 0, and a
    /// 12-bit increment.
    static func snowflake(now: Double) -> String {
        let milliseconds = UInt64(max(0, now * 1000)) &- discordEpochMilliseconds
        let next = increment.withLockedValue { value in
            value &+= 1
            return value & 0xFFF
        }
        return String((milliseconds << 22) | (1 << 17) | next)
    }

    /// A Discord webhook token: 68 characters of base64url's alphabet.
    static func webhookToken() -> String { random(68, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") }

    /// Slack's `T…`/`B…` ids and 24-character hook secrets.
    static func slackID(prefix: String) -> String { prefix + random(10, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") }
    static func slackToken() -> String { random(24, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") }

    private static func random(_ count: Int, _ alphabet: String) -> String {
        let characters = Array(alphabet)
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in characters[Int.random(in: 0..<characters.count, using: &generator)] })
    }
}
