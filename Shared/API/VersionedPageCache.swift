import NIOConcurrencyHelpers

/// Response bodies by key (a company's page), each valid only at the data version it was built
/// at (`TenantDatabase.readVersioned`). A lookup with any other version misses, so an entry is
/// never served after a change; a newer page replaces it. Bounded by bytes: when full, arbitrary
/// entries are dropped (a miss costs one rebuild, never a wrong answer).
public final class VersionedPageCache: Sendable {
    private struct Entry {
        let version: String
        let page: [UInt8]
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var bytes = 0
    }

    private let state = NIOLockedValueBox(State())
    public let byteBudget: Int

    /// `byteBudget`: at 1,000 companies × 20 creators a creator list is ~25 KB, 25 MB for all; an
    /// events page of 50 is ~20 KB.
    public init(byteBudget: Int = 64 << 20) {
        self.byteBudget = byteBudget
    }

    public func page(key: String, version: String) -> [UInt8]? {
        state.withLockedValue { state in
            guard let entry = state.entries[key], entry.version == version else { return nil }
            return entry.page
        }
    }

    public func store(_ page: [UInt8], key: String, version: String) {
        guard page.count <= byteBudget else { return }
        state.withLockedValue { state in
            if let old = state.entries.updateValue(Entry(version: version, page: page), forKey: key) {
                state.bytes -= old.page.count
            }
            state.bytes += page.count
            while state.bytes > byteBudget, let victim = state.entries.first(where: { $0.key != key }) {
                state.entries[victim.key] = nil
                state.bytes -= victim.value.page.count
            }
        }
    }

    public var count: Int { state.withLockedValue { $0.entries.count } }
}
