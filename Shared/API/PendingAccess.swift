import Access
import AccessTokens
import NIOConcurrencyHelpers

/// A REST request whose member's role was not in the access check's cache: rather than a round
/// trip of its own, the check rides on the request's first tenant transaction (`TenantDatabase`
/// reads the role in the statement that opens the tenant scope). The request runs with the
/// token's role (`assumed`) until then; if the membership says less, that transaction is rolled
/// back and the request runs again with the membership's role (`AccessRetry`), so nothing is
/// ever done with more than the member's current role.
final class PendingAccess: Sendable {
    @TaskLocal static var current: PendingAccess?

    let key: AccessKey
    let assumed: Role
    /// nil: not checked yet; `.some(nil)`: no member.
    private let found = NIOLockedValueBox<Role??>(nil)

    init(key: AccessKey, assumed: Role) {
        self.key = key
        self.assumed = assumed
    }

    var result: Role?? { found.withLockedValue { $0 } }

    func record(_ role: Role?) {
        found.withLockedValue { $0 = .some(role) }
    }
}

/// The membership's role is below the one the request ran with: its transaction rolled back; run
/// the request again with `role`.
struct AccessRetry: Error {
    let role: Role
}
