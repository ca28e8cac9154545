#if canImport(Glibc)
import Files
import Glibc
#endif
import Settings

/// Resident memory and CPU time of a process, from /proc (Linux).
public enum ProcessStats {
    /// VmRSS in KiB, nil when unreadable.
    public static func residentKiB(pid: Int32) -> Int? {
        guard let text = FileSystem.readText("/proc/\(pid)/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }

    /// User + system CPU seconds consumed so far.
    public static func cpuSeconds(pid: Int32) -> Double? {
        guard let text = FileSystem.readText("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
