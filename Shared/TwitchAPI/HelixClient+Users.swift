extension HelixClient {
    /// `GET /users` by id and/or login (repeated parameters, 100 in total per Twitch's limit).
    /// Unknown ids and logins are simply absent from the result; no ids and no logins gives [] without
    /// a request.
    public func users(ids: [String] = [], logins: [String] = []) async throws(HelixError) -> [HelixUser] {
        guard ids.count + logins.count <= Self.maximumItemsPerRequest else {
            throw .invalidArgument("at most \(Self.maximumItemsPerRequest) ids and logins in total (got \(ids.count + logins.count))")
        }
        guard !ids.isEmpty || !logins.isEmpty else { return [] }
        let query = ids.map { ("id", $0) } + logins.map { ("login", $0) }
        let json = try await send(.get, "/users", query: query).json()
        var users: [HelixUser] = []
        for item in try Self.dataArray(json) { users.append(try HelixUser(json: item)) }
        return users
    }
}
