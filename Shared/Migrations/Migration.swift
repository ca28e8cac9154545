/// One versioned schema change. Applied once, in order, inside a transaction, and recorded with
/// a checksum so that editing an applied migration is caught instead of silently diverging.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Every migration, oldest first. Append only.
public enum Schema {
    public static let migrations: [Migration] = [
        Migration0001Tenancy.migration,
        Migration0002Members.migration,
        Migration0003Jobs.migration,
        Migration0004EventStream.migration,
        Migration0005StoreEvents.migration,
        Migration0006EnterTenant.migration,
        Migration0007Sessions.migration,
        Migration0008APIKeys.migration,
        Migration0009Invitations.migration,
        Migration0010CreatorLinks.migration,
        Migration0011Notifications.migration,
        Migration0012PlatformChannels.migration,
        Migration0013IngestPlatforms.migration,
        Migration0014StoreEventsOnce.migration,
        Migration0015CreatorListVersions.migration,
        Migration0016EventHistoryVersions.migration,
        Migration0017PlannedAccessFunctions.migration,
        Migration0018GenericPlans.migration,
        Migration0019EventKeysOnTheDeleteSide.migration,
        Migration0020StoreEventRows.migration,
    ]
}
