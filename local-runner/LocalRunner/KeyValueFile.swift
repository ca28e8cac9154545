import Files
#if canImport(Glibc)
import Glibc
#endif

/// `KEY=VALUE` lines: the runner's generated secrets and the running instance's environment.
public enum KeyValueFile {
    public static func read(_ path: String) -> [String: String]? {
        FileSystem.readText(path).map(parse)
    }

    public static func parse(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }

    /// Writes with mode 0600 (the file holds passwords).
    public static func write(_ values: [(String, String)], to path: String) throws {
        let text = values.map { "\($0.0)=\($0.1)" }.joined(separator: "\n") + "\n"
        try FileSystem.writeText(text, to: path, mode: 0o600)
    }
}

/// Random tokens for generated passwords and secrets (hex, from the system CSPRNG).
public enum RandomToken {
    public static func hex(bytes: Int = 24) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
}

import Processes

/// Runs a command with inherited stdout/stderr and returns its exit status.
public func runForeground(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> Int32 {
    try await ChildProcess.run(executable, arguments, environment: environment)
}
