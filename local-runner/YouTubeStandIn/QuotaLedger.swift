/// Units used per API key per Pacific-time day. Every request with a valid key costs its units,
/// failed ones too (Google charges invalid requests at least 1); a request that would go over
/// the limit is refused and not charged.
struct QuotaLedger {
    private var days: [String: (day: String, units: Int)] = [:]

    func used(key: String, day: String) -> Int {
        guard let entry = days[key], entry.day == day else { return 0 }
        return entry.units
    }

    /// Charges `cost` if it fits under `limit`; false when it does not.
    mutating func charge(key: String, day: String, cost: Int, limit: Int) -> Bool {
        let current = used(key: key, day: day)
        guard current + cost <= limit else { return false }
        days[key] = (day, current + cost)
        return true
    }

    mutating func set(key: String, day: String, units: Int) {
        days[key] = (day, max(0, units))
    }

    var keys: [String] { days.keys.sorted() }
}
