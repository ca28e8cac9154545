import BlockingIO
import NIOConcurrencyHelpers

/// The stand-in's notion of now (Unix seconds): a base clock plus an offset that tests and the
/// control endpoint move forward, so lease expiry and the Pacific-time quota day can be crossed
/// without waiting.
public final class StandInClock: Sendable {
    private let base: @Sendable () -> Double
    private let offset = NIOLockedValueBox<Double>(0)

    /// `base` nil: the wall clock.
    public init(base: (@Sendable () -> Double)? = nil) {
        self.base = base ?? { wallClockSeconds() }
    }

    public func now() -> Double { base() + offset.withLockedValue { $0 } }

    /// Moves now forward (or back, with a negative value) by `seconds`.
    public func advance(by seconds: Double) {
        offset.withLockedValue { $0 += seconds }
    }
}
