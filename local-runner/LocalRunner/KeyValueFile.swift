import Settings
#if canImport(Glibc)
import Glibc
#endif

/// `KEY=VALUE` lines: the runner's generated secrets and the running instance's environment.
public enum KeyValueFile {
    public static func read(_ path: String) -> [String: String]? {
        guard let text = FileSystem.readText(path) else { return nil }
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

/// The few file operations the runner needs, without Foundation.
public enum FileSystem {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func readText(_ path: String) -> String? {
        TextFile.read(path)
    }

    public static func writeText(_ text: String, to path: String, mode: mode_t = 0o644) throws {
        try TextFile.write(text, to: path, mode: mode)
    }

    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw Failure(description: "cannot create \(current): \(String(cString: strerror(errno)))")
            }
        }
    }

    public static func remove(_ path: String) { unlink(path) }

    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(cString: buffer)
    }

    /// A fresh private directory under $TMPDIR (or /tmp).
    public static func temporaryDirectory(prefix: String) throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else { throw Failure(description: "mkdtemp failed") }
        let path = String(cString: result)
        // Traversable by the postgres user, which runs the embedded server when we are root.
        chmod(path, 0o755)
        return path
    }

    /// The executable of this process (for re-launching itself).
    public static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
