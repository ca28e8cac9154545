import URLEncoding
import JSONValue

/// `GET /helix/users` and `GET /helix/streams`.
extension TwitchStandInServer {
    func users(_ request: StandInRequest) -> StandInResponse {
        let ids = request.query.values("id").filter { !$0.isEmpty }
        let logins = request.query.values("login").filter { !$0.isEmpty }
        if ids.isEmpty, logins.isEmpty, let user = bearerOwner(request)?.user {
            // With a user token and no filter, Twitch answers the token's user.
            return .json(200, ["data": [user.json]])
        }
        guard !ids.isEmpty || !logins.isEmpty else { return .helixError(400, "Must provide an ID, Login or OAuth Token") }
        guard ids.count + logins.count <= 100 else { return .helixError(400, "The total number of IDs and logins must not exceed 100") }
        let found = state.lookUpUsers(ids: ids, logins: logins)
        return .json(200, ["data": .array(found.map(\.json))])
    }

    func streams(_ request: StandInRequest) -> StandInResponse {
        let ids = request.query.values("user_id").filter { !$0.isEmpty }
        let logins = request.query.values("user_login").filter { !$0.isEmpty }
        guard ids.count <= 100 else { return .helixError(400, "The parameter \"user_id\" must not be specified more than 100 times") }
        guard logins.count <= 100 else { return .helixError(400, "The parameter \"user_login\" must not be specified more than 100 times") }
        var first = 20
        if let text = request.query.first("first") {
            guard let value = Int(text), (1...100).contains(value) else {
                return .helixError(400, "The parameter \"first\" must be between 1 and 100")
            }
            first = value
        }
        if let type = request.query.first("type"), type != "all", type != "live" {
            return .helixError(400, "The parameter \"type\" must be all or live")
        }
        if request.query.contains("before") { return .helixError(400, "the stand-in pages forward only (use after)") }
        var offset = 0
        if let cursor = request.query.first("after"), !cursor.isEmpty {
            guard let value = Self.decodeCursor(cursor, prefix: "st"), value >= 0 else { return .helixError(400, "Invalid cursor") }
            offset = value
        }
        var userFilter: Set<String>?
        if !ids.isEmpty || !logins.isEmpty {
            var wanted = Set(ids)
            for login in logins { if let user = state.user(login: login) { wanted.insert(user.id) } }
            userFilter = wanted
        }
        let gameIDs = Set(request.query.values("game_id"))
        let languages = Set(request.query.values("language"))
        let matching = state.orderedStreams(userIDs: userFilter).filter { stream, _ in
            (gameIDs.isEmpty || gameIDs.contains(stream.gameID)) && (languages.isEmpty || languages.contains(stream.language))
        }
        let page = matching.dropFirst(offset).prefix(first)
        let next = offset + page.count
        let pagination: JSONValue = next < matching.count ? ["cursor": .string(Self.encodeCursor(next, prefix: "st"))] : [:]
        return .json(200, ["data": .array(page.map { $0.0.json(user: $0.1) }), "pagination": pagination])
    }

    /// Cursors are opaque to clients, as Twitch's are; inside they are a kind tag and a number.
    static func encodeCursor(_ value: Int, prefix: String) -> String {
        prefix + "." + String(value, radix: 36)
    }

    static func decodeCursor(_ cursor: String, prefix: String) -> Int? {
        guard cursor.hasPrefix(prefix + ".") else { return nil }
        return Int(cursor.dropFirst(prefix.count + 1), radix: 36)
    }
}
