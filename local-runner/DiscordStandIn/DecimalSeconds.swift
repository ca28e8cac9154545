/// Seconds as Discord writes them in headers and bodies: decimals, rounded up to milliseconds
/// (never down, so a client that waits exactly that long is never early).
enum DecimalSeconds {
    static func roundedUp(_ seconds: Double) -> Double {
        (max(0, seconds) * 1000).rounded(.up) / 1000
    }

    /// `1.25` → `"1.250"`, `1470173023.1234` → `"1470173023.124"`.
    static func text(_ seconds: Double) -> String {
        let milliseconds = Int64((max(0, seconds) * 1000).rounded(.up))
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// `Retry-After`: whole seconds, rounded up.
    static func wholeText(_ seconds: Double) -> String {
        String(Int64(max(0, seconds).rounded(.up)))
    }
}
