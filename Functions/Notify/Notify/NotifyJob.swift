public import FunctionRuntime
public import JobQueue
import Logging
import OutboundHTTP
import Postgres
import Redis

/// Each job on `notify` sends one delivery (`{"deliveryId","companyId"}`), or, for the
/// schedule's job (`{"sweep": true}` or its `scheduledSlot`), sweeps for lost ones.
///
/// Outcomes are the rows' business, not the queue's: a refused or rate-limited delivery is
/// recorded and its retry queued at the time the answer asks for, and the job succeeds. The job
/// fails (the queue's retry with backoff) only when Postgres or Redis could not be reached.
public struct NotifyJob: JobFunction {
    let notifier: Notifier
    let sweeper: DeliverySweeper

    public init(notifier: Notifier, sweeper: DeliverySweeper) {
        self.notifier = notifier
        self.sweeper = sweeper
    }

    public func handle(_ job: ClaimedJob, context: FunctionContext) async throws {
        let payload = job.job.payload
        if NotifyRequest.isSweep(payload) {
            _ = try await sweeper.sweep()
            return
        }
        guard let request = NotifyRequest.delivery(in: payload) else {
            // Retrying cannot make it readable; dropping it loses nothing (rows are the truth).
            context.logger.error("not a notify request; dropped", metadata: ["job": "\(job.job.id)"])
            return
        }
        let report = try await notifier.deliver(request)
        let metadata: Logger.Metadata = ["deliveryId": "\(request.id)", "companyId": "\(request.companyID)", "outcome": "\(report)"]
        switch report {
        case .delivered, .retrying, .failed, .disabled: context.logger.info("notification delivery", metadata: metadata)
        case .postponed, .nothingToDo: context.logger.debug("notification delivery", metadata: metadata)
        }
    }

    /// The worker stopped: close the destinations' connections (and the pools).
    public func shutdown() async {
        await notifier.http.shutdown()
        await notifier.pool.shutdown()
        await notifier.redis.shutdown()
    }
}
