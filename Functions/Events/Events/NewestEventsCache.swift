import API
import JSONValue

/// Each company's newest events, rendered, by company and page size (`EventsRoutes.listEvents`),
/// per instance, within a byte budget (`ByteBoundedCache`: a 50-event page is ~20 KB, 20 MB for
/// 1,000 companies).
typealias NewestEventsCache = ByteBoundedCache<NewestEvents>

/// What a company's newest page is built from: its newest events and the history version they
/// were read at (migration 16).
struct NewestEvents: Sendable {
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
