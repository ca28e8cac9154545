import JobQueue
import Redis
import Settings
import StructuredLogging
import BlockingIO
#if canImport(Glibc)
import Glibc
#endif

// `enqueue-job QUEUE --every SECONDS`: what a CronJob / Cloud Scheduler runs. The idempotency key
// is the time slot, so overlapping or repeated schedules still enqueue one job per slot. It also
// moves due retries back into the stream, so KEDA sees them.
let arguments = Array(CommandLine.arguments.dropFirst())
guard let queueName = arguments.first, !queueName.hasPrefix("-"),
      let everyIndex = arguments.firstIndex(of: "--every"), everyIndex + 1 < arguments.count,
      let every = Int(arguments[everyIndex + 1]), every > 0
else {
    StandardError.write("usage: enqueue-job QUEUE --every SECONDS\n")
    exit(2)
}
do {
    let connection = try RedisConnection(url: try RedisURL(parsing: try Environment().required("REDIS_URL")))
    let queue = JobQueue(name: queueName, options: QueueOptions(idempotencySeconds: every * 2))
    try queue.ensureGroup(on: connection)
    try queue.promoteDueRetries(on: connection)
    let slot = "\(queueName):\(Int64(wallClockSeconds()) / Int64(every))"
    let id = try queue.enqueue(["scheduledSlot": .string(slot)], idempotencyKey: slot, on: connection)
    print(id.map { "enqueued \($0) (\(slot))" } ?? "already enqueued for \(slot)")
} catch {
    StandardError.write("enqueue-job: \(error)\n")
    exit(1)
}
