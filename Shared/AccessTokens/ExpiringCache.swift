import NIOConcurrencyHelpers

/// Answers kept for a few seconds (verified tokens, members' roles, API key rows): an entry is
/// used only while younger than `seconds` (and never when the clock went backwards), the cache
/// is bounded (when full it starts over), and `seconds` 0 keeps nothing. The one cache of the
/// access path, so each of its users states only what it keeps and for how long.
public final class ExpiringCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        let value: Value
        let storedAt: Double
    }

    public let seconds: Double
    private let capacity: Int
    private let entries = NIOLockedValueBox<[Key: Entry]>([:])

    public init(seconds: Double, capacity: Int = 10_000) {
        self.seconds = seconds
        self.capacity = capacity
    }

    /// The value stored for `key` within the last `seconds`, else nil (an old entry is dropped).
    public func value(for key: Key, now: Double) -> Value? {
        guard seconds > 0 else { return nil }
        return entries.withLockedValue { entries in
            guard let entry = entries[key] else { return nil }
            guard now - entry.storedAt < seconds, now >= entry.storedAt else {
                entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    public func store(_ value: Value, for key: Key, now: Double) {
        guard seconds > 0 else { return }
        entries.withLockedValue { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(value: value, storedAt: now)
        }
    }

    public func remove(_ key: Key) {
        _ = entries.withLockedValue { $0.removeValue(forKey: key) }
    }

    public func removeAll() {
        entries.withLockedValue { $0.removeAll() }
    }
}
