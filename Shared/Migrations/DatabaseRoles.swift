/// The two database roles the system uses. Migrations grant to these names.
public enum DatabaseRoles {
    /// Owns every table; runs migrations. Subject to row-level security too (FORCE), except where
    /// a policy names it explicitly (the reviewed cross-tenant lookup functions it owns).
    public static let owner = "ccr_owner"
    /// What the functions connect as: owns nothing, NOBYPASSRLS, only the grants migrations give it.
    public static let app = "ccr_app"
}
