import BlockingIO
import Files
import Processes

/// Closed-loop load from `wrk` (Debian's package), for the benchmarks' maximum-throughput runs.
///
/// Why not `LoadDriver` there: on a 2-core machine the load generator competes with what it
/// measures. AsyncHTTPClient in this process cost about a sixth of the machine at 2,000
/// requests/s; wrk (C, epoll, one thread) costs a fraction of that, so more of the machine goes
/// to the system under test, as it would with clients elsewhere. Open-loop runs keep
/// `LoadDriver`, which measures latency from each request's scheduled send time.
struct WrkLoad {
    struct Request {
        var method = "GET"
        var path: String
        var headers: [(String, String)]
        var body = ""
    }

    struct Result {
        var requestsPerSecond: Double
        var p50: Double
        var p99: Double
        var max: Double
        var requests: Int
        /// Non-2xx/3xx answers plus socket errors.
        var errors: Int

        func summary() -> String {
            "\(fixed(requestsPerSecond, 0))/s; latency p50 \(fixed(p50, 2)) ms, p99 \(fixed(p99, 2)) ms, max \(fixed(max, 2)) ms; errors \(errors) (wrk)"
        }
    }

    static var isAvailable: Bool { FileSystem.exists("/usr/bin/wrk") }

    /// Runs wrk against `base` (http://host:port), cycling through `requests` in random order.
    static func run(base: String, requests: [Request], connections: Int, seconds: Int, scratch: String) async throws -> Result {
        let stamp = monotonicNanoseconds()
        let script = scratch + "/wrk-\(stamp).lua"
        let outputPath = scratch + "/wrk-\(stamp).out"
        try FileSystem.writeText(luaScript(requests), to: script)
        let status = try await ChildProcess.run(
            "/usr/bin/wrk", ["-t1", "-c\(connections)", "-d\(seconds)s", "--timeout", "30s", "-s", script, base],
            environment: ["PATH": "/usr/bin:/bin"], outputPath: outputPath)
        let output = FileSystem.readText(outputPath) ?? ""
        guard status == 0 else { throw OperatorCommands.Failure(description: "wrk exited with \(status): \(output.suffix(400))") }
        return try parse(output)
    }

    /// Runs wrk against `base`, sending `requests` (raw HTTP/1.1 bytes) once each, in order (the
    /// webhook benchmark: every notification is new, so each stored row can be checked against
    /// what was sent). They are read from files at start-up, not compiled into the script (tens of
    /// thousands of signed bodies). If the time outlasts them, they start over, and the repeats
    /// are redeliveries the function answers without storing.
    static func replay(base: String, requests: [[UInt8]], connections: Int, seconds: Int, scratch: String) async throws -> Result {
        let stamp = monotonicNanoseconds()
        let data = scratch + "/wrk-\(stamp).requests", lengths = scratch + "/wrk-\(stamp).lengths"
        let script = scratch + "/wrk-\(stamp).lua", outputPath = scratch + "/wrk-\(stamp).out"
        try FileSystem.writeAtomically(requests.flatMap { $0 }, to: data)
        try FileSystem.writeText(requests.map { String($0.count) }.joined(separator: "\n") + "\n", to: lengths)
        try FileSystem.writeText("""
            local requests = {}
            do
              local file = assert(io.open("\(data)", "rb"))
              local bytes = file:read("*a")
              file:close()
              local position = 1
              for line in io.lines("\(lengths)") do
                local length = tonumber(line)
                requests[#requests + 1] = bytes:sub(position, position + length - 1)
                position = position + length
              end
            end
            local index = 0
            request = function()
              index = index + 1
              return requests[(index - 1) % #requests + 1]
            end
            \(doneFunction)
            """, to: script)
        defer { [data, lengths, script, outputPath].forEach(FileSystem.remove) }
        let status = try await ChildProcess.run(
            "/usr/bin/wrk", ["-t1", "-c\(connections)", "-d\(seconds)s", "--timeout", "30s", "-s", script, base],
            environment: ["PATH": "/usr/bin:/bin"], outputPath: outputPath)
        let output = FileSystem.readText(outputPath) ?? ""
        guard status == 0 else { throw OperatorCommands.Failure(description: "wrk exited with \(status): \(output.suffix(400))") }
        return try parse(output)
    }

    /// The summary line `parse` reads (microseconds, as wrk keeps them).
    private static let doneFunction = """
        done = function(summary, latency, requests)
          io.write(string.format("CCR %d %d %d %d %.3f %.3f %.3f\\n", summary.requests, summary.errors.status,
            summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.duration,
            latency:percentile(50), latency:percentile(99), latency.max))
        end
        """

    /// A Lua script that formats every request once (init) and hands out a random one per call.
    static func luaScript(_ requests: [Request]) -> String {
        func long(_ text: String) -> String {
            // A long bracket whose level does not occur in the text.
            var level = 0
            while text.contains("]" + String(repeating: "=", count: level) + "]") { level += 1 }
            let equals = String(repeating: "=", count: level)
            return "[\(equals)[\(text)]\(equals)]"
        }
        var lua = "local requests = {}\n"
        for request in requests {
            let headers = request.headers.map { "[ \(long($0.0)) ] = \(long($0.1))" }.joined(separator: ", ")
            lua += "requests[#requests + 1] = wrk.format(\(long(request.method)), \(long(request.path)), {\(headers)}, "
            lua += request.body.isEmpty ? "nil)\n" : "\(long(request.body)))\n"
        }
        lua += """
            math.randomseed(os.time())
            request = function() return requests[math.random(#requests)] end

            """
        return lua + doneFunction + "\n"
    }

    /// Reads the line the script's `done` writes (microseconds, as wrk keeps them).
    static func parse(_ output: String) throws -> Result {
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("CCR ") }) else {
            throw OperatorCommands.Failure(description: "wrk printed no summary: \(output.suffix(400))")
        }
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count == 7, fields[3] > 0 else { throw OperatorCommands.Failure(description: "wrk summary unreadable: \(line)") }
        let requests = Int(fields[0])
        let errors = Int(fields[1]) + Int(fields[2])
        return Result(requestsPerSecond: Double(requests - errors) / (fields[3] / 1e6), p50: fields[4] / 1000, p99: fields[5] / 1000,
                      max: fields[6] / 1000, requests: requests, errors: errors)
    }
}
