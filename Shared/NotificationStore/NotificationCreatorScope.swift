/// Which creators a destination announces: every creator of the company, those with one of
/// some topics, or a list. Stored as `creator_scope` + `topics` / `creator_ids`.
public enum NotificationCreatorScope: Sendable, Hashable {
    case all
    case topics([String])
    case creators([String])

    /// The column value of `creator_scope`.
    public var name: String {
        switch self {
        case .all: return "all"
        case .topics: return "topics"
        case .creators: return "creators"
        }
    }

    /// `topics` column (empty unless `.topics`).
    public var topics: [String] {
        if case .topics(let topics) = self { return topics }
        return []
    }

    /// `creator_ids` column (empty unless `.creators`).
    public var creatorIDs: [String] {
        if case .creators(let ids) = self { return ids }
        return []
    }

    /// From the stored columns; an unknown name reads as `.all`, which the column's CHECK rules out.
    public init(name: String, topics: [String], creatorIDs: [String]) {
        switch name {
        case "topics": self = .topics(topics)
        case "creators": self = .creators(creatorIDs)
        default: self = .all
        }
    }
}
