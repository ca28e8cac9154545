/// Response bodies by company, each valid only at the data version it was built at
/// (`TenantDatabase.readVersioned`). A lookup with any other version misses, so an entry is never
/// served after a change; a newer page replaces it. Bounded by bytes (`ByteBoundedCache`).
public final class VersionedPageCache: Sendable {
    private let pages: ByteBoundedCache<(version: Int64, page: [UInt8])>

    public var byteBudget: Int { pages.byteBudget }

    /// `byteBudget`: at 1,000 companies × 20 creators a creator list is ~25 KB, 25 MB for all.
    public init(byteBudget: Int = 64 << 20) {
        pages = ByteBoundedCache(byteBudget: byteBudget)
    }

    public func page(company: String, version: Int64) -> [UInt8]? {
        guard let entry = pages.value(company), entry.version == version else { return nil }
        return entry.page
    }

    public func store(_ page: [UInt8], company: String, version: Int64) {
        pages.store((version, page), bytes: page.count, key: company)
    }

    public var count: Int { pages.count }
}
