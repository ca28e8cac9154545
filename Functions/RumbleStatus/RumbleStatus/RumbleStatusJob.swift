import Logging
public import FunctionRuntime
public import JobQueue

/// Each job on `rumble-status` polls the Rumble channels that are due.
public struct RumbleStatusJob: JobFunction {
    let poller: RumbleStatusPoller

    public init(poller: RumbleStatusPoller) {
        self.poller = poller
    }

    public func handle(_ job: ClaimedJob, context: FunctionContext) async throws {
        let report = try await poller.run()
        context.logger.info("rumble status done", metadata: ["report": "\(report)"])
    }

    public func shutdown() async {
        await poller.shutdown()
    }
}
