import NIOCore

/// Which rooms each recent event id was already broadcast to on one event loop.
///
/// Two jobs: (1) a socket in several rooms that one event is published to (its company room
/// and a creator room) gets it once, whatever order the channels' messages arrive in; (2) after a
/// Redis outage, events replayed from Postgres that were in fact delivered live before the outage
/// are not delivered twice. Bounded by count and age (15 minutes: nothing is recorded while Redis
/// is down, so the entries from just before an outage are still here when it ends).
struct RecentEvents {
    private var roomsByEvent: [Int64: [String]] = [:]
    private var order = CircularBuffer<(id: Int64, at: UInt64)>(initialCapacity: 1024)
    let capacity: Int
    let maxAgeNanoseconds: UInt64

    init(capacity: Int = 65_536, maxAgeSeconds: Int = 900) {
        self.capacity = capacity
        self.maxAgeNanoseconds = UInt64(maxAgeSeconds) * 1_000_000_000
    }

    var count: Int { roomsByEvent.count }

    /// Records that `eventID` is being broadcast to `room`. Returns the rooms it already went to
    /// (empty for a new event), or nil when it already went to this room (a duplicate to skip).
    mutating func record(_ eventID: Int64, room: String, now: UInt64) -> [String]? {
        evict(now: now)
        if var rooms = roomsByEvent[eventID] {
            if rooms.contains(room) { return nil }
            let earlier = rooms
            rooms.append(room)
            roomsByEvent[eventID] = rooms
            return earlier
        }
        roomsByEvent[eventID] = [room]
        order.append((eventID, now))
        return []
    }

    private mutating func evict(now: UInt64) {
        while let oldest = order.first, order.count > capacity || now &- oldest.at > maxAgeNanoseconds {
            order.removeFirst()
            roomsByEvent[oldest.id] = nil
        }
    }
}
