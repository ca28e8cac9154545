import NIOConcurrencyHelpers

/// Values by key within a byte budget, per process: when a store goes over it, other entries are
/// dropped (arbitrary ones: a dropped entry costs its owner one rebuild, never a wrong answer).
/// The caches of REST pages keep their rules of validity beside it (`VersionedPageCache`, the
/// Events function's newest pages).
public final class ByteBoundedCache<Value: Sendable>: Sendable {
    private struct State {
        var entries: [String: (value: Value, bytes: Int)] = [:]
        var bytes = 0
    }

    private let state = NIOLockedValueBox(State())
    public let byteBudget: Int

    public init(byteBudget: Int) {
        self.byteBudget = byteBudget
    }

    public func value(_ key: String) -> Value? {
        state.withLockedValue { $0.entries[key]?.value }
    }

    /// Keeps `value` (which takes `bytes`) under `key`, replacing what was there; a value larger
    /// than the whole budget is not kept.
    public func store(_ value: Value, bytes: Int, key: String) {
        guard bytes <= byteBudget else { return }
        state.withLockedValue { state in
            if let old = state.entries.updateValue((value, bytes), forKey: key) { state.bytes -= old.bytes }
            state.bytes += bytes
            while state.bytes > byteBudget, let victim = state.entries.first(where: { $0.key != key }) {
                state.entries[victim.key] = nil
                state.bytes -= victim.value.bytes
            }
        }
    }

    public var count: Int { state.withLockedValue { $0.entries.count } }
}
