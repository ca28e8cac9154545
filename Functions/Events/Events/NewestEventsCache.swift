import JSONValue
import NIOConcurrencyHelpers

/// Each company's newest events, rendered, by company and page size (`EventsRoutes.listEvents`),
/// per instance. Bounded by bytes: when full, other entries are dropped (a dropped entry costs
/// one whole read, never a wrong answer).
final class NewestEventsCache: Sendable {
    struct Entry: Sendable {
        /// The company's history version the events were read at (migration 16).
        let history: Int64
        /// Newest first, at most one more than the page (which says whether an older page exists).
        let events: [(id: Int64, bytes: [UInt8])]

        /// The highest id read: every later event has a higher one.
        var head: Int64 { events.first?.id ?? 0 }

        var byteCount: Int { events.reduce(0) { $0 + $1.bytes.count + 16 } }

        /// The cursor of the page after this one, if there is one.
        func next(limit: Int) -> JSONValue {
            events.count > limit ? ["before": .int(events[limit - 1].id)] : .null
        }
    }

    private struct State {
        var entries: [String: (entry: Entry, bytes: Int)] = [:]
        var bytes = 0
    }

    private let state = NIOLockedValueBox(State())
    let byteBudget: Int

    /// `byteBudget`: a page of 50 events is ~20 KB, 20 MB for 1,000 companies.
    init(byteBudget: Int = 64 << 20) {
        self.byteBudget = byteBudget
    }

    func entry(_ key: String) -> Entry? {
        state.withLockedValue { $0.entries[key]?.entry }
    }

    func store(_ entry: Entry, key: String) {
        let size = entry.byteCount
        guard size <= byteBudget else { return }
        state.withLockedValue { state in
            if let old = state.entries.updateValue((entry, size), forKey: key) { state.bytes -= old.bytes }
            state.bytes += size
            while state.bytes > byteBudget, let victim = state.entries.first(where: { $0.key != key }) {
                state.entries[victim.key] = nil
                state.bytes -= victim.value.bytes
            }
        }
    }
}
