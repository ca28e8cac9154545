import NIOConcurrencyHelpers

/// Response bodies by company, each valid only at the data version it was built at
/// (`TenantDatabase.readVersioned`). A lookup with any other version misses, so an entry is never
/// served after a change; a newer page replaces it. Bounded by bytes: when full, arbitrary
/// entries are dropped (a miss costs one rebuild, never a wrong answer).
public final class VersionedPageCache: Sendable {
    private struct Entry {
        let version: Int64
        let page: [UInt8]
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var bytes = 0
    }

    private let state = NIOLockedValueBox(State())
    public let byteBudget: Int

    /// `byteBudget`: at 1,000 companies × 20 creators a creator list is ~25 KB, 25 MB for all.
    public init(byteBudget: Int = 64 << 20) {
        self.byteBudget = byteBudget
    }

    public func page(company: String, version: Int64) -> [UInt8]? {
        state.withLockedValue { state in
            guard let entry = state.entries[company], entry.version == version else { return nil }
            return entry.page
        }
    }

    public func store(_ page: [UInt8], company: String, version: Int64) {
        guard page.count <= byteBudget else { return }
        state.withLockedValue { state in
            if let old = state.entries.updateValue(Entry(version: version, page: page), forKey: company) {
                state.bytes -= old.page.count
            }
            state.bytes += page.count
            while state.bytes > byteBudget, let victim = state.entries.first(where: { $0.key != company }) {
                state.entries[victim.key] = nil
                state.bytes -= victim.value.page.count
            }
        }
    }

    public var count: Int { state.withLockedValue { $0.entries.count } }
}
