import NIOConcurrencyHelpers

/// Tokens whose signature and claims verified recently, by SHA-256 of the token (a forged token
/// never gets in: only a full verification stores). Entries live `seconds` at most, so a key
/// taken out of the key set stops verifying within that time; the times inside a token (`exp`,
/// `nbf`, `iat`) are checked on every use. Bounded: when full, it starts over.
final class VerifiedTokenCache: Sendable {
    struct Entry: Sendable {
        let claims: AccessClaims
        let notBefore: Double?
        let issuedAt: Double?
        let verifiedAt: Double
    }

    static let capacity = 10_000
    private let seconds: Double
    private let entries = NIOLockedValueBox<[[UInt8]: Entry]>([:])

    init(seconds: Double) {
        self.seconds = seconds
    }

    func entry(for digest: [UInt8], now: Double) -> Entry? {
        guard seconds > 0 else { return nil }
        return entries.withLockedValue { entries in
            guard let entry = entries[digest] else { return nil }
            guard now - entry.verifiedAt < seconds, now >= entry.verifiedAt else {
                entries[digest] = nil
                return nil
            }
            return entry
        }
    }

    func store(_ entry: Entry, for digest: [UInt8]) {
        guard seconds > 0 else { return }
        entries.withLockedValue { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[digest] = entry
        }
    }
}
