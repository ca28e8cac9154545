import ObjectStore
enum ConstantTime {
    /// Compares without an early exit, so the time taken does not reveal how many leading bytes
    /// of a guessed signature were right. Only the length (public: always 64 hex digits) leaks.
    static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }
}
