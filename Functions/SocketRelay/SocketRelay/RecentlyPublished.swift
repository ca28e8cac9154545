import NIOCore
import Synchronization

/// The event ids this relay received through Redis (or replayed) in the last few minutes, so the
/// unpublished-event check (`UnpublishedEventCheck`) only fetches what really never came.
/// Shared by the broadcaster task (inserts) and the check (lookups): one small lock.
final class RecentlyPublished: Sendable {
    private struct State {
        var ids = Set<Int64>()
        var order = CircularBuffer<(id: Int64, at: UInt64)>(initialCapacity: 1024)
    }

    private let state = Mutex(State())
    let retentionNanoseconds: UInt64
    let capacity: Int

    init(retentionSeconds: Int = 120, capacity: Int = 500_000) {
        self.retentionNanoseconds = UInt64(retentionSeconds) * 1_000_000_000
        self.capacity = capacity
    }

    func insert(_ id: Int64, now: UInt64) {
        state.withLock { state in
            guard state.ids.insert(id).inserted else { return }
            state.order.append((id, now))
            while let oldest = state.order.first, state.order.count > capacity || now &- oldest.at > retentionNanoseconds {
                state.order.removeFirst()
                state.ids.remove(oldest.id)
            }
        }
    }

    /// The ids of `candidates` not seen.
    func missing(_ candidates: [Int64]) -> [Int64] {
        state.withLock { state in candidates.filter { !state.ids.contains($0) } }
    }
}
