import CivilTime

/// The two timestamp spellings YouTube uses: the Data API's `2024-05-01T17:00:05Z` and the push
/// feed's `2015-03-06T21:40:57+00:00` (with nanoseconds in `updated`).
enum YouTubeTime {
    /// `YYYY-MM-DDTHH:MM:SSZ` (Data API `publishedAt`, `actualStartTime`, …).
    static func dataAPI(_ unixSeconds: Double) -> String {
        let (date, time, _) = parts(unixSeconds)
        return date + "T" + time + "Z"
    }

    /// `YYYY-MM-DDTHH:MM:SS+00:00` (feed `published`).
    static func feed(_ unixSeconds: Double) -> String {
        let (date, time, _) = parts(unixSeconds)
        return date + "T" + time + "+00:00"
    }

    /// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+00:00` (feed `updated`, as in Google's example).
    static func feedPrecise(_ unixSeconds: Double) -> String {
        let (date, time, nanoseconds) = parts(unixSeconds)
        return date + "T" + time + "." + CivilDate.pad(nanoseconds, 9) + "+00:00"
    }

    private static func parts(_ unixSeconds: Double) -> (date: String, time: String, nanoseconds: Int) {
        let whole = unixSeconds.rounded(.down)
        let seconds = Int(whole)
        let nanoseconds = min(999_999_999, Int(((unixSeconds - whole) * 1e9).rounded()))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let (year, month, day) = CivilDate.date(days: days)
        let date = "\(CivilDate.pad(year, 4))-\(CivilDate.pad(month, 2))-\(CivilDate.pad(day, 2))"
        let time = "\(CivilDate.pad(rest / 3600, 2)):\(CivilDate.pad(rest % 3600 / 60, 2)):\(CivilDate.pad(rest % 60, 2))"
        return (date, time, nanoseconds)
    }
}
