import JSONValue

/// The `/_stand-in/` control surface (documented on `RumbleStandInServer`).
extension RumbleStandInServer {
    func control(_ request: RumbleRequest) -> RumbleResponse {
        let segments = Array(request.path.split(separator: "/").map(String.init).dropFirst())
        let base = baseURL(request)
        if request.method == "GET", segments == ["accounts"] {
            return .json(200, ["accounts": .array(state.accounts.map { $0.controlJSON(baseURL: base, requests: state.requestCount(id: $0.id)) })])
        }
        guard request.method == "POST" else { return .error(405, "control endpoints take POST (GET /_stand-in/accounts lists)") }
        let body: JSONValue
        switch request.jsonObject() {
        case .success(let value): body = value
        case .failure(let response): return response
        }
        do throws(RumbleStandInInputError) {
            switch segments {
            case ["accounts"]:
                guard let username = body["username"]?.stringValue else { throw RumbleStandInInputError("username is required") }
                let account = try state.addAccount(username: username, channelName: body["channel_name"]?.stringValue,
                                                   followers: Int(body["followers"]?.int64Value ?? 0))
                return .json(201, account.controlJSON(baseURL: base, requests: 0))
            case let path where path.count == 3 && path[0] == "accounts":
                let id = path[1]
                switch path[2] {
                case "live":
                    guard let title = body["title"]?.stringValue else { throw RumbleStandInInputError("title is required") }
                    try state.goLive(id: id, title: title, watchingNow: Int(body["watching_now"]?.int64Value ?? 0),
                                     category: body["category"]?.stringValue ?? "Gaming")
                case "offline":
                    try state.goOffline(id: id)
                case "watching":
                    guard let watching = body["watching_now"]?.int64Value else { throw RumbleStandInInputError("watching_now is required") }
                    try state.setWatchingNow(id: id, Int(watching))
                case "reset-key":
                    try state.resetKey(id: id)
                default:
                    return .error(404, "no such control endpoint: \(request.path)")
                }
                guard let account = state.account(id: id) else { throw RumbleStandInInputError("unknown account \(id)") }
                return .json(200, account.controlJSON(baseURL: base, requests: state.requestCount(id: id)))
            case ["faults"]:
                guard let status = body["status"]?.int64Value, (400...599).contains(status) else {
                    throw RumbleStandInInputError("status must be an HTTP error status (400-599)")
                }
                state.injectFault(status: Int(status), count: Int(body["count"]?.int64Value ?? 1),
                                  retryAfterSeconds: body["retry_after"]?.int64Value.map { Int($0) })
                return .json(200, ["status": .int(status), "count": .int(body["count"]?.int64Value ?? 1)])
            case ["rate-limit"]:
                let limit = body["requests_per_minute"]?.int64Value.map { Int($0) }
                state.setRequestsPerMinute(limit)
                return .json(200, ["requests_per_minute": limit.map { .int(Int64($0)) } ?? .null])
            default:
                return .error(404, "no such control endpoint: \(request.path)")
            }
        } catch {
            return .error(error.description.hasPrefix("unknown") ? 404 : 400, error.description)
        }
    }
}
