import RandomBytes

/// Request ids: taken from `X-Request-Id` when a caller (the router, a load balancer) sent a
/// sane one, otherwise made here. 128 random bits, hex.
public enum RequestID {
    public static let header = "x-request-id"

    public static func make() -> String {
        RandomBytes.hex(16)
    }

    /// Accepts a caller's id only if it is short and plain (it ends up in logs and responses).
    public static func accept(_ candidate: String?) -> String {
        guard let candidate, (8...128).contains(candidate.utf8.count),
              candidate.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 })
        else { return make() }
        return candidate
    }
}
