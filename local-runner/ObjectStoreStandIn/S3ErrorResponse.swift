import MarkupEscaping
import ObjectStore
/// An error in S3's XML shape, so S3 clients and SDKs report the local store's refusals the way
/// they report real S3's:
/// `<?xml version="1.0" encoding="UTF-8"?><Error><Code>…</Code><Message>…</Message></Error>`.
public struct S3ErrorResponse: Error, Sendable, Equatable {
    public static let contentType = "application/xml"

    public let code: String
    public let message: String
    public let httpStatus: Int

    /// The status is S3's for `code` (400 for codes not in the table).
    public init(code: String, message: String) {
        self.init(code: code, message: message, httpStatus: Self.status(forCode: code))
    }

    public init(code: String, message: String, httpStatus: Int) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
    }

    public var xml: String {
        #"<?xml version="1.0" encoding="UTF-8"?><Error><Code>"# + Self.escaped(code) + "</Code><Message>"
            + Self.escaped(message) + "</Message></Error>"
    }

    public var body: [UInt8] { Array(xml.utf8) }

    static func status(forCode code: String) -> Int {
        switch code {
        case "AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId", "RequestTimeTooSkewed": 403
        case "NoSuchKey", "NoSuchBucket": 404
        case "MethodNotAllowed": 405
        case "InternalError": 500
        // AuthorizationQueryParametersError, EntityTooLarge, InvalidArgument, InvalidRequest, …
        default: 400
        }
    }

    private static func escaped(_ text: String) -> String { Markup.escape(text) }

    // MARK: The errors the local store answers with

    public static func noSuchKey() -> Self {
        Self(code: "NoSuchKey", message: "The specified key does not exist.")
    }

    public static func noSuchBucket() -> Self {
        Self(code: "NoSuchBucket", message: "The specified bucket does not exist.")
    }

    public static func methodNotAllowed() -> Self {
        Self(code: "MethodNotAllowed", message: "The specified method is not allowed against this resource.")
    }

    public static func invalidArgument(_ message: String) -> Self {
        Self(code: "InvalidArgument", message: message)
    }

    public static func internalError() -> Self {
        Self(code: "InternalError", message: "We encountered an internal error. Please try again.")
    }
}
