/// A member's role in a company. Ordered: owner > admin > operator > viewer.
public enum Role: String, Sendable, CaseIterable, Comparable {
    case viewer, `operator`, admin, owner

    private var rank: Int {
        switch self {
        case .viewer: return 0
        case .operator: return 1
        case .admin: return 2
        case .owner: return 3
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}
