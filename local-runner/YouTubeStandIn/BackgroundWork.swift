import NIOConcurrencyHelpers

/// The hub's asynchronous work (verifications after a 202, deliveries with retries), counted so
/// tests can wait until the hub is idle instead of sleeping.
final class BackgroundWork: Sendable {
    private let running = NIOLockedValueBox(0)

    func start(_ work: @escaping @Sendable () async -> Void) {
        running.withLockedValue { $0 += 1 }
        Task {
            await work()
            self.running.withLockedValue { $0 -= 1 }
        }
    }

    var isIdle: Bool { running.withLockedValue { $0 == 0 } }

    /// Returns once nothing runs (or after `timeoutSeconds`); whether it became idle.
    func settle(timeoutSeconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeoutSeconds * 1000))
        while !isIdle {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }
}
