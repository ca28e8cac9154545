import CivilTime

/// The quota day: YouTube's quota resets at midnight Pacific time, so a day is a calendar date
/// in America/Los_Angeles (US daylight saving time: from the second Sunday in March, 2:00 PST,
/// to the first Sunday in November, 2:00 PDT).
public enum PacificDay {
    /// `YYYY-MM-DD` of the Pacific date at `unixSeconds`.
    public static func date(at unixSeconds: Double) -> String {
        let local = Int((unixSeconds + Double(offsetSeconds(at: unixSeconds))).rounded(.down))
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let (year, month, day) = CivilDate.date(days: days)
        return "\(CivilDate.pad(year, 4))-\(CivilDate.pad(month, 2))-\(CivilDate.pad(day, 2))"
    }

    /// -7 h during daylight saving time, else -8 h.
    static func offsetSeconds(at unixSeconds: Double) -> Int {
        let standardLocal = Int((unixSeconds - 8 * 3600).rounded(.down))
        let year = CivilDate.date(days: standardLocal >= 0 ? standardLocal / 86_400 : (standardLocal - 86_399) / 86_400).year
        // 2:00 PST is 10:00 UTC; 2:00 PDT is 09:00 UTC.
        let start = nthSunday(2, month: 3, year: year) * 86_400 + 10 * 3600
        let end = nthSunday(1, month: 11, year: year) * 86_400 + 9 * 3600
        return (Double(start)..<Double(end)).contains(unixSeconds) ? -7 * 3600 : -8 * 3600
    }

    /// Days since 1970-01-01 of the `n`th Sunday of a month (1970-01-01 was a Thursday).
    private static func nthSunday(_ n: Int, month: Int, year: Int) -> Int {
        let first = CivilDate.days(year: year, month: month, day: 1)
        let weekday = ((first + 4) % 7 + 7) % 7
        return first + (7 - weekday) % 7 + 7 * (n - 1)
    }
}
