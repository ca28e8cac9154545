import CivilTime

/// YouTube's quota day: it resets at midnight Pacific Time, so the day a call is counted in is the
/// date in Los Angeles, which is UTC−8 (PST) or UTC−7 (PDT). Without Foundation or tzdata, the US
/// rule since 2007 is applied: daylight time from the second Sunday in March at 02:00 PST
/// (10:00 UTC) to the first Sunday in November at 02:00 PDT (09:00 UTC).
public enum PacificDay {
    /// The offset from UTC in seconds at a Unix time: −25200 during daylight time, else −28800.
    public static func utcOffsetSeconds(at unixSeconds: Int64) -> Int {
        let days = Int(floorDivide(unixSeconds, 86_400))
        let year = CivilDate.date(days: days).year
        let start = Int64(nthSunday(2, month: 3, year: year)) * 86_400 + 10 * 3600
        let end = Int64(nthSunday(1, month: 11, year: year)) * 86_400 + 9 * 3600
        return (start..<end).contains(unixSeconds) ? -7 * 3600 : -8 * 3600
    }

    /// `YYYY-MM-DD`: the Pacific date at a Unix time.
    public static func key(at unixSeconds: Double) -> String {
        let seconds = Int64(unixSeconds.rounded(.down))
        let local = seconds + Int64(utcOffsetSeconds(at: seconds))
        let date = CivilDate.date(days: Int(floorDivide(local, 86_400)))
        return "\(CivilDate.pad(date.year, 4))-\(CivilDate.pad(date.month, 2))-\(CivilDate.pad(date.day, 2))"
    }

    /// The Unix time of the next Pacific midnight (the next quota reset) after `unixSeconds`.
    public static func nextReset(after unixSeconds: Double) -> Int64 {
        let seconds = Int64(unixSeconds.rounded(.down))
        let local = seconds + Int64(utcOffsetSeconds(at: seconds))
        let nextLocalMidnight = (floorDivide(local, 86_400) + 1) * 86_400
        // Midnight is never inside a transition (they happen at 02:00), so one offset fits.
        let daylight = nextLocalMidnight + 7 * 3600
        return utcOffsetSeconds(at: daylight) == -7 * 3600 ? daylight : nextLocalMidnight + 8 * 3600
    }

    /// Days since 1970-01-01 of the `n`th Sunday of a month.
    static func nthSunday(_ n: Int, month: Int, year: Int) -> Int {
        let first = CivilDate.days(year: year, month: month, day: 1)
        // 1970-01-01 was a Thursday: weekday 0 = Sunday.
        let weekday = ((first + 4) % 7 + 7) % 7
        return first + (7 - weekday) % 7 + 7 * (n - 1)
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }
}
