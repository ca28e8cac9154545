public import Postgres
import SecretSealing

/// Re-seals every creator token that is not sealed under the current key (the `reseal-tokens`
/// command), so an old key can leave `TOKEN_ENCRYPTION_KEYS`. Rotation without downtime: put the
/// new key first (it seals; the old one still opens), deploy, run this, then drop the old key.
public enum TokenResealing {
    public struct Report: Sendable, CustomStringConvertible {
        public var resealed = 0
        /// Sealed under a key the ring does not hold (nothing can be done without it).
        public var unopenable = 0
        public var description: String { "resealed=\(resealed) unopenable=\(unopenable)" }
    }

    /// Works in batches, each link in its own company's tenant scope and transaction (row locked).
    public static func run(tokens: CreatorTokens, on connection: PostgresConnection, batchSize: Int = 200) throws -> Report {
        var report = Report()
        var skipped: Set<String> = []
        while true {
            let rows = try connection.query("""
                SELECT company_id::text AS company_id, creator_id::text AS creator_id FROM creator_links_sealed_without($1, $2)
                """, [tokens.keys.currentKeyID, String(batchSize + skipped.count)]).rows
            let pending = try rows.map { (try $0.require("company_id"), try $0.require("creator_id")) }.filter { !skipped.contains($0.1) }
            guard !pending.isEmpty else { return report }
            for (company, creator) in pending {
                try connection.withTransaction {
                    try connection.setTenant(company)
                    guard let link = try CreatorLink.load(creatorID: creator, forUpdate: true, on: connection) else { return }
                    do {
                        if try tokens.reseal(link, on: connection) { report.resealed += 1 } else { skipped.insert(creator) }
                    } catch {
                        report.unopenable += 1
                        skipped.insert(creator)
                    }
                }
            }
        }
    }
}
