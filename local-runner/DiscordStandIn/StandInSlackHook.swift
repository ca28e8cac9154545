public import JSONValue

/// A Slack incoming webhook: `POST /services/{team}/{hook}/{token}`.
public struct StandInSlackHook: Sendable, Hashable {
    public let teamID: String
    public let hookID: String
    public let token: String
    public let channel: String

    public var path: String { "/services/\(teamID)/\(hookID)/\(token)" }
    public func url(baseURL: String) -> String { baseURL + path }

    func json(baseURL: String) -> JSONValue {
        ["team_id": .string(teamID), "hook_id": .string(hookID), "token": .string(token), "channel": .string(channel),
         "url": .string(url(baseURL: baseURL))]
    }
}

/// One message a Slack hook accepted.
public struct SlackMessage: Sendable, Hashable {
    public let hookID: String
    public let receivedAt: Double
    public let body: JSONValue
    public let rawBody: [UInt8]

    public var text: String { body["text"]?.stringValue ?? "" }

    var json: JSONValue {
        ["hook_id": .string(hookID), "received_at": .double(receivedAt), "body": body, "text": .string(text)]
    }
}
