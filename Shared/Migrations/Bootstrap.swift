import Postgres

/// One-time provisioning that needs a superuser: the owner and app roles and the database.
/// In production a DBA or the platform (Cloud SQL users, Terraform) does this; `local-runner`
/// and the tests call it against their own clusters. Idempotent; passwords are (re)set each call.
public enum Bootstrap {
    public static func provision(superuserURL: String, database: String, ownerPassword: String, appPassword: String) throws {
        let admin = try PostgresConnection(url: superuserURL)
        for (role, password) in [(DatabaseRoles.owner, ownerPassword), (DatabaseRoles.app, appPassword)] {
            let exists = try !admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]).isEmpty
            // DDL takes no bind parameters; format() quotes the identifier and literal server-side.
            let statement = exists
                ? "SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD %L', $1::text, $2::text) AS sql"
                : "SELECT format('CREATE ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD %L', $1::text, $2::text) AS sql"
            try admin.execute(script: try admin.query(statement, [role, password]).first!.require("sql"))
        }
        if try admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]).isEmpty {
            let create = try admin.query("SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8''', $1::text, $2::text) AS sql",
                                         [database, DatabaseRoles.owner]).first!.require("sql")
            try admin.execute(script: create)
        }
        let revoke = try admin.query("SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', $1::text) AS sql", [database]).first!.require("sql")
        try admin.execute(script: revoke)
        let grant = try admin.query("SELECT format('GRANT CONNECT ON DATABASE %I TO %I', $1::text, $2::text) AS sql",
                                    [database, DatabaseRoles.app]).first!.require("sql")
        try admin.execute(script: grant)
    }
}
