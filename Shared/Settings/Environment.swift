#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// A configuration value that is missing or malformed. Executables print `description` as one
/// line and exit non-zero.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Typed reads of configuration from the process environment (the only place secrets come from).
public struct Environment: Sendable {
    private let values: [String: String]

    /// The process environment.
    public init() {
        var values: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                values[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        self.values = values
    }

    /// A fixed set of values (tests).
    public init(_ values: [String: String]) {
        self.values = values
    }

    /// The value, or nil when unset or empty.
    public func optional(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    public func required(_ name: String) throws -> String {
        guard let value = optional(name) else { throw ConfigurationError("\(name) is not set") }
        return value
    }

    public func int(_ name: String, default defaultValue: Int, range: ClosedRange<Int> = 0...Int.max) throws -> Int {
        guard let text = optional(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError("\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound) (got \(text))")
        }
        return value
    }

    public func bool(_ name: String, default defaultValue: Bool) throws -> Bool {
        guard let text = optional(name) else { return defaultValue }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError("\(name) must be true or false (got \(text))")
        }
    }

    public var all: [String: String] { values }
}

extension Environment {
    /// A shared secret such as Twitch's EventSub secret: required, `lengths` printable ASCII
    /// characters. Refusing a bad one at start beats refusing every request later.
    public func secret(_ name: String, lengths: ClosedRange<Int> = 10...100) throws -> String {
        let value = try required(name)
        guard lengths.contains(value.utf8.count), value.utf8.allSatisfy({ $0 >= 0x21 && $0 < 0x7F }) else {
            throw ConfigurationError("\(name) must be \(lengths.lowerBound) to \(lengths.upperBound) printable ASCII characters")
        }
        return value
    }
}

extension StringProtocol {
    /// Without leading and trailing whitespace (the one trimming helper: settings, headers, form
    /// fields, emails).
    public func trimmingWhitespace() -> String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}
