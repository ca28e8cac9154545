import JobQueue
import JSONValue
import Redis
import Settings
import BlockingIO
import FunctionRuntime

// `enqueue-job QUEUE --every SECONDS`: what a CronJob / Cloud Scheduler runs. The idempotency key
// is the time slot, so overlapping or repeated schedules still enqueue one job per slot. It also
// moves due retries back into the stream, so KEDA sees them.
let arguments = Array(CommandLine.arguments.dropFirst())
guard let queueName = arguments.first, !queueName.hasPrefix("-"),
      let everyIndex = arguments.firstIndex(of: "--every"), everyIndex + 1 < arguments.count,
      let every = Int(arguments[everyIndex + 1]), every > 0
else {
    FunctionMain.exitWithMessage("usage: enqueue-job QUEUE --every SECONDS", code: 2)
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
    FunctionMain.exitWithMessage("enqueue-job: \(error)", code: 1)
}
