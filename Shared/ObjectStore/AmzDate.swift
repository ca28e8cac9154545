import CivilTime

/// SigV4's timestamp form, `YYYYMMDD'T'HHMMSS'Z'` (UTC, basic ISO 8601), to and from Unix seconds.
public enum AmzDate {
    /// `20130524T000000Z` for 1369353600.
    public static func format(unixSeconds: Int64) -> String {
        var days = unixSeconds / 86_400
        var secondOfDay = unixSeconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let civil = CivilDate.date(days: Int(days))
        let (year, month, day) = (Int64(civil.year), Int64(civil.month), Int64(civil.day))
        var out: [UInt8] = []
        out.reserveCapacity(16)
        func append(_ value: Int64, width: Int) {
            var digits: [UInt8] = []
            var rest = value
            for _ in 0..<width {
                digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
                rest /= 10
            }
            out.append(contentsOf: digits.reversed())
        }
        append(year, width: 4)
        append(month, width: 2)
        append(day, width: 2)
        out.append(UInt8(ascii: "T"))
        append(secondOfDay / 3600, width: 2)
        append(secondOfDay % 3600 / 60, width: 2)
        append(secondOfDay % 60, width: 2)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Unix seconds for exactly 16 characters of that form with a real calendar date; else nil.
    public static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
              (1...12).contains(month), day >= 1, day <= Int64(CivilDate.daysInMonth(Int(month), year: Int(year))),
              hour < 24, minute < 60, second < 60
        else { return nil }
        return Int64(CivilDate.days(year: Int(year), month: Int(month), day: Int(day))) * 86_400 + hour * 3600 + minute * 60 + second
    }
}
