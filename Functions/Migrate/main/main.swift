import Settings
import Migrations
import Postgres
import FunctionRuntime

// Applies pending schema migrations as the owner role (DATABASE_ADMIN_URL). Run once per deploy,
// before the functions start (a Cloud Run job / Kubernetes Job in production).
do {
    let url = try Environment().required("DATABASE_ADMIN_URL")
    let applied = try Migrator(connection: try PostgresConnection(url: url)).migrate()
    print(applied.isEmpty ? "migrate: schema is up to date" : "migrate: applied \(applied.map(String.init).joined(separator: ", "))")
} catch {
    FunctionMain.exitWithMessage("migrate: \(error)", code: 1)
}
