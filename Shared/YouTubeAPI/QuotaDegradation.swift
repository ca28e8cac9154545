/// How the YouTube jobs slow down as the day's quota runs out, so the budget lasts until the reset
/// instead of ending at noon. The curve, by the share of today's budget still left:
///
/// | left        | level        | periodic re-checks (viewers, end of stream) | push-triggered checks |
/// |-------------|--------------|----------------------------------------------|-----------------------|
/// | > 50 %      | `normal`     | every interval                               | yes                   |
/// | 20 – 50 %   | `relaxed`    | every 2 intervals                            | yes                   |
/// | 5 – 20 %    | `sparse`     | every 4 intervals                            | yes                   |
/// | 0 – 5 %     | `goLiveOnly` | none                                         | yes                   |
/// | nothing     | `exhausted`  | none                                         | no (refused locally)  |
///
/// Push-triggered checks (a notification arrived: did the channel just go live?) are what the
/// product is for and cost one unit per notification batch, so they are the last to go; periodic
/// re-checks of live channels are what scales with time, so they stretch first. Each boundary
/// belongs to the better level (exactly 50 % left is `relaxed`, exactly 20 % is `sparse`).
public enum QuotaDegradation: String, Sendable, Equatable, CaseIterable {
    case normal, relaxed, sparse, goLiveOnly, exhausted

    /// `remainingShare` is remaining / budget, clamped to 0...1.
    public init(remainingShare: Double) {
        let share = min(1, max(0, remainingShare.isNaN ? 0 : remainingShare))
        switch share {
        case ..<Double.ulpOfOne: self = .exhausted
        case ..<0.05: self = .goLiveOnly
        case ..<0.20: self = .sparse
        case ...0.50: self = .relaxed
        default: self = .normal
        }
    }

    /// How many base intervals apart periodic re-checks run; nil when they do not run at all.
    public var pollingIntervalMultiplier: Int? {
        switch self {
        case .normal: return 1
        case .relaxed: return 2
        case .sparse: return 4
        case .goLiveOnly, .exhausted: return nil
        }
    }

    /// Whether a notification may still be followed by a `videos.list` call.
    public var allowsGoLiveChecks: Bool { self != .exhausted }
}
