import CreatorLinks
import FunctionRuntime
import Postgres
import SecretSealing
import Settings

// Re-seals every stored creator token under the first key of TOKEN_ENCRYPTION_KEYS, as the app
// role (DATABASE_URL), company by company. Run after putting a new key first; once it reports
// nothing unopenable, the old key can be removed. Exit 1 when some token cannot be opened.
do {
    let environment = Environment()
    let tokens = CreatorTokens(keys: try SealingKeyRing.fromEnvironment(environment))
    let report = try TokenResealing.run(tokens: tokens, on: try PostgresConnection(url: try environment.required("DATABASE_URL")))
    print("reseal-tokens: \(report) (current key \(tokens.keys.currentKeyID))")
    if report.unopenable > 0 {
        FunctionMain.exitWithMessage("reseal-tokens: \(report.unopenable) link(s) are sealed under a key TOKEN_ENCRYPTION_KEYS does not hold", code: 1)
    }
} catch {
    FunctionMain.exitWithMessage("reseal-tokens: \(error)", code: 1)
}
