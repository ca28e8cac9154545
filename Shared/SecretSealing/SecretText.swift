/// A plaintext secret (an OAuth token) that prints as `<redacted>` everywhere Swift turns a value
/// into text: interpolation, `print`, `String(reflecting:)`, `dump`, log metadata. A secret that
/// ends up in a log line by accident leaks nothing; reading it takes a visible `reveal()`.
public struct SecretText: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    public init(_ value: String) {
        self.value = value
    }

    /// The secret itself, for the one place that must send it (an HTTP header, a form body).
    public func reveal() -> String { value }

    public var isEmpty: Bool { value.isEmpty }

    public var description: String { "<redacted>" }

    public var debugDescription: String { "<redacted>" }

    /// No children, so `dump` and debuggers show the description and nothing else.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
