/// Who tracks whom and where the events go in `bench webhook`: `companies` agencies with
/// `creatorsPerCompany` creators each; 5 % of those creator rows belong to broadcasters tracked
/// by 2 or 3 agencies (shared broadcasters), the rest to broadcasters of one agency; and a share
/// `hotShare` of all events is for one broadcaster tracked by 3 agencies (1.0: a raid or chat
/// storm on one channel), the rest spread evenly over every other broadcaster.
public struct TrafficShape: Sendable {
    public static let sharedCreatorFraction = 0.05

    public struct Broadcaster: Sendable {
        public let twitchUserID: String
        /// Indexes of the companies tracking it (one event stores one row per company).
        public let companies: [Int]
    }

    public let companies: Int
    public let creatorsPerCompany: Int
    public let hotShare: Double
    public let mix: EventMix
    /// The hot broadcaster first.
    public let broadcasters: [Broadcaster]

    public init(companies: Int, creatorsPerCompany: Int, hotShare: Double, mix: EventMix) {
        self.companies = companies
        self.creatorsPerCompany = creatorsPerCompany
        self.hotShare = hotShare
        self.mix = mix
        self.broadcasters = Self.layout(companies: companies, creatorsPerCompany: creatorsPerCompany)
    }

    public var hot: Broadcaster { broadcasters[0] }
    public var creators: Int { companies * creatorsPerCompany }
    public var sharedCreators: Int { broadcasters.filter { $0.companies.count > 1 }.reduce(0) { $0 + $1.companies.count } }

    /// Rows one event stores on average: what the exactly-once check multiplies by.
    public var rowsPerEvent: Double {
        let cold = broadcasters.dropFirst()
        guard !cold.isEmpty else { return Double(hot.companies.count) }
        let coldMean = Double(cold.reduce(0) { $0 + $1.companies.count }) / Double(cold.count)
        return hotShare * Double(hot.companies.count) + (1 - hotShare) * coldMean
    }

    /// The broadcaster of one event, from two uniform draws in 0..<1.
    public func broadcaster(hotRoll: Double, pick: Double) -> Broadcaster {
        guard broadcasters.count > 1, hotRoll >= hotShare else { return hot }
        return broadcasters[1 + min(broadcasters.count - 2, Int(pick * Double(broadcasters.count - 1)))]
    }

    public var summary: String {
        "\(companies) companies x \(creatorsPerCompany) creators = \(creators) creators over \(broadcasters.count) broadcasters; "
            + "\(fixed(Double(sharedCreators) * 100 / Double(max(1, creators)))) % of creators shared by 2-3 agencies; "
            + "hot share \(fixed(hotShare, 2)) (one broadcaster tracked by \(hot.companies.count) agencies); "
            + "mix \(mix); \(fixed(rowsPerEvent, 3)) rows/event"
    }

    /// Deterministic: shared broadcasters (the hot one first, with 3 trackers; then 2 and 3
    /// alternately) take company slots round robin until they hold 5 % of the creator rows; every
    /// remaining slot gets a broadcaster of its own.
    static func layout(companies: Int, creatorsPerCompany: Int) -> [Broadcaster] {
        var used = [Int](repeating: 0, count: companies)
        var cursor = 0
        var tracked: [[Int]] = []
        func take(_ count: Int) -> [Int]? {
            var picked: [Int] = []
            for step in 0..<companies where picked.count < count {
                let company = (cursor + step) % companies
                if used[company] < creatorsPerCompany { picked.append(company) }
            }
            guard picked.count == count else { return nil }
            for company in picked { used[company] += 1 }
            cursor = (picked[picked.count - 1] + 1) % companies
            return picked
        }
        guard let hot = take(min(3, companies)) else { return [] }
        tracked.append(hot)
        let target = Int((sharedCreatorFraction * Double(companies * creatorsPerCompany)).rounded())
        var shared = hot.count > 1 ? hot.count : 0
        var width = 2
        while shared < target, min(width, companies) >= 2, let next = take(min(width, companies)) {
            tracked.append(next)
            shared += next.count
            width = width == 2 ? 3 : 2
        }
        for company in 0..<companies {
            while used[company] < creatorsPerCompany {
                used[company] += 1
                tracked.append([company])
            }
        }
        return tracked.enumerated().map { Broadcaster(twitchUserID: String(10_000_000 + $0.offset), companies: $0.element) }
    }
}
