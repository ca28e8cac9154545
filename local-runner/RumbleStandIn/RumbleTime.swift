import CivilTime

/// Rumble's timestamps: ISO 8601 with a numeric offset, `2024-01-13T19:00:00+00:00`
/// (cocorum parses them with `%Y-%m-%dT%H:%M:%S%z`).
enum RumbleTime {
    static func format(_ unixSeconds: Double) -> String {
        let seconds = Int(unixSeconds.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let (year, month, day) = CivilDate.date(days: days)
        return "\(CivilDate.pad(year, 4))-\(CivilDate.pad(month, 2))-\(CivilDate.pad(day, 2))T"
            + "\(CivilDate.pad(rest / 3600, 2)):\(CivilDate.pad(rest % 3600 / 60, 2)):\(CivilDate.pad(rest % 60, 2))+00:00"
    }
}
