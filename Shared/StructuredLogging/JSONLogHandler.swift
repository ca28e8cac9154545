import JSONValue
public import Logging
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// One JSON object per line on stderr: `{"ts":…,"level":…,"logger":…,"msg":…, …metadata}`.
/// Request-scoped loggers carry `requestId` as metadata, so every line of a request can be found.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private static let lock = NIOLock()

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = self.metadata
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        var line = "{\"ts\":\""
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        line += isoTimestamp(now)
        line += "\",\"level\":\"\(event.level.rawValue)\",\"logger\":"
        appendString(label, to: &line)
        line += ",\"msg\":"
        appendString(event.message.description, to: &line)
        for key in fields.keys.sorted() {
            line += ","
            appendString(key, to: &line)
            line += ":"
            appendString(fields[key]!.description, to: &line)
        }
        line += "}\n"
        Self.lock.withLock {
            StandardError.write(line)
        }
    }

    /// Installs JSON logging for the process; `LOG_LEVEL` picks the level (default info).
    public static func bootstrap(level: String? = nil) {
        let parsed = level.flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: parsed) }
    }

    private func appendString(_ text: String, to line: inout String) {
        JSONWriter.writeString(text, into: &line, escapingHTML: false)
    }

    private func isoTimestamp(_ time: timespec) -> String {
        var seconds = time_t(time.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let millis = Int32(time.tv_nsec / 1_000_000)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(millis, 3))Z"
    }
}
