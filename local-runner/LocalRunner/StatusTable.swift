/// The text table `local-runner/run status` prints, one supervised process a line.
public enum StatusTable {
    public static func render(_ statuses: [ProcessStatus], now: Double) -> String {
        let header = ["PROCESS", "STATE", "PID", "RESTARTS", "LAST EXIT", "RECOVERY", "FOR"]
        let rows = statuses.map { status in
            [status.name, status.state.rawValue, status.pid.map(String.init) ?? "-", String(status.restarts),
             status.lastExitStatus.map(exitText) ?? "-", status.lastRecoveryMilliseconds.map { "\($0) ms" } ?? "-",
             duration(max(0, now - status.since))]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { $0.element.padding(to: widths[$0.offset]) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Shell-style statuses: 137 is "killed by signal 9".
    static func exitText(_ status: Int32) -> String {
        status > 128 ? "signal \(status - 128)" : "status \(status)"
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 120 ? "\(Int(seconds)) s" : seconds < 7200 ? "\(Int(seconds / 60)) min" : "\(Int(seconds / 3600)) h"
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
