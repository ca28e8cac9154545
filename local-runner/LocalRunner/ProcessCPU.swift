import Files
import Glibc

/// CPU time used by each program on this machine between two snapshots (user + system, from
/// `/proc/<pid>/stat`), for "where does a request's CPU go" lines in the benchmarks.
///
/// Why: on a shared virtual machine requests per second swing by ±30 % between runs of the same
/// build (other tenants take the cores: steal), while the CPU a request costs each process stays
/// put, so before/after comparisons read this too. Programs are grouped by their command name
/// (every `postgres` backend together); this process is "load generator", other `ccr-local`
/// processes "router", kernel workers (writeback of what Postgres wrote, mostly) one group.
struct ProcessCPU {
    let seconds: [String: Double]

    static func snapshot() -> ProcessCPU {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let me = getpid()
        var seconds: [String: Double] = [:]
        for entry in (try? FileSystem.list("/proc")) ?? [] {
            guard let pid = Int32(entry), let stat = FileSystem.readText("/proc/\(entry)/stat"),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
            var name = String(stat[stat.index(after: open)..<close])
            if name == "ccr-local" { name = pid == me ? "load generator" : "router" }
            // A kernel worker's name says what it is doing now, not what it did: one group.
            if name.hasPrefix("kworker/") { name = "kernel workers" }
            // After the name: state is field 3; utime and stime are fields 14 and 15.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            seconds[name, default: 0] += (user + system) / ticks
        }
        return ProcessCPU(seconds: seconds)
    }

    /// "1.23 ms of CPU per request: postgres 0.52, events 0.41, …" for `requests` served since
    /// `earlier` (`unit` names what was counted); programs under 1 % of the total are left out.
    func perRequest(since earlier: ProcessCPU, requests: Int, unit: String = "request") -> String {
        guard requests > 0 else { return "no \(unit)s" }
        let used = seconds.compactMap { name, value -> (String, Double)? in
            let delta = value - (earlier.seconds[name] ?? 0)
            return delta > 0 ? (name, delta * 1_000 / Double(requests)) : nil
        }.sorted { $0.1 > $1.1 }
        let total = used.reduce(0) { $0 + $1.1 }
        let shown = used.filter { $0.1 >= total / 100 }.map { "\($0.0) \(fixed($0.1, 3))" }
        return "\(fixed(total, 3)) ms of CPU per \(unit) (\(shown.joined(separator: ", ")))"
    }
}
