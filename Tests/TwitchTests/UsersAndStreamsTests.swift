import JSONValue
import Testing
import TwitchAPI
import TwitchStandIn

@Suite struct UsersTests {
    @Test func usersByLoginAndByID() async throws {
        try await withStandIn { standIn in
            try standIn.state.addUser(id: "1337", login: "cool_user", displayName: "Cool_User", broadcasterType: "partner")
            let client = standIn.makeClient()

            let byLogin = try await client.users(logins: ["Cool_User"])
            #expect(byLogin == [HelixUser(id: "1337", login: "cool_user", displayName: "Cool_User",
                                          profileImageURL: byLogin.first?.profileImageURL ?? "", broadcasterType: "partner",
                                          createdAt: byLogin.first?.createdAt ?? "")])
            #expect(byLogin.first?.profileImageURL.hasPrefix("https://") == true)
            #expect(byLogin.first?.createdAt.hasSuffix("Z") == true)

            let byID = try await client.users(ids: ["1337", "404404"])
            #expect(byID.map(\.login) == ["cool_user"])

            // Unknown logins are created with an id derived from the login: the same id every time.
            let newcomer = try #require(try await client.users(logins: ["brand_new_creator"]).first)
            #expect(newcomer.id.allSatisfy { $0.isNumber })
            #expect(newcomer.id.count == 9)
            #expect(standIn.state.user(login: "brand_new_creator")?.id == newcomer.id)
            try await withStandIn { other in
                let again = try await other.makeClient().users(logins: ["brand_new_creator"])
                #expect(again.first?.id == newcomer.id)
            }
            // Both lists in one request, each user once; malformed logins are absent.
            let mixed = try await client.users(ids: ["1337", newcomer.id], logins: ["cool_user", "not a login!"])
            #expect(mixed.map(\.id) == ["1337", newcomer.id])
        }
    }

    @Test func userLookupLimits() async throws {
        try await withStandIn { standIn in
            let client = standIn.makeClient()
            let tooMany = (0..<60).map { "login\($0)" }
            await #expect(throws: HelixError.invalidArgument("at most 100 ids and logins in total (got 120)")) {
                _ = try await client.users(ids: tooMany.map { _ in "1" }, logins: tooMany)
            }
            #expect(try await client.users().isEmpty)
            #expect(standIn.state.helixRequestCount(path: "/helix/users") == 0)

            let headers = try await standIn.authorizedHeaders()
            let neither = try await standIn.raw("GET", "/helix/users", headers: headers)
            #expect(neither.status == 400)
            #expect(neither.json["error"] == "Bad Request")
            #expect(neither.json["status"] == 400)
            let query = (0..<101).map { "id=\($0 + 1)" }.joined(separator: "&")
            let overLimit = try await standIn.raw("GET", "/helix/users?" + query, headers: headers)
            #expect(overLimit.status == 400)
        }
    }
}

@Suite struct StreamsTests {
    /// 250 creators, every second one live: 3 batches of at most 100 ids, one page each.
    @Test func streamsAreBatchedByHundred() async throws {
        try await withStandIn { standIn in
            var ids: [String] = []
            for index in 0..<250 {
                let user = try standIn.state.addUser(id: String(500_000 + index), login: "streamer\(index)")
                ids.append(user.id)
                if index % 2 == 0 {
                    try standIn.state.setLive(userID: user.id, title: "Stream \(index)", gameID: "509658", gameName: "Just Chatting",
                                              viewerCount: index, tags: ["English"])
                }
            }
            let client = standIn.makeClient()
            let streams = try await client.streams(userIDs: ids)
            #expect(streams.count == 125)
            #expect(Set(streams.map(\.userID)) == Set(ids.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)))
            #expect(standIn.state.helixRequestCount(path: "/helix/streams") == 3)
            let sample = try #require(streams.first { $0.userID == "500010" })
            #expect(sample.title == "Stream 10")
            #expect(sample.userLogin == "streamer10")
            #expect(sample.gameName == "Just Chatting")
            #expect(sample.viewerCount == 10)
            #expect(sample.type == "live")
            #expect(sample.tags == ["English"])
            #expect(sample.language == "en")
            #expect(!sample.startedAt.isEmpty)
            #expect(try await client.streams(userIDs: []).isEmpty)
        }
    }

    /// With a small page size every batch is read through its cursors.
    @Test func streamsFollowCursors() async throws {
        try await withStandIn { standIn in
            var ids: [String] = []
            for index in 0..<150 {
                let user = try standIn.state.addUser(login: "pager\(index)")
                ids.append(user.id)
                if index < 30 || index >= 120 { try standIn.state.setLive(userID: user.id, viewerCount: 1000 - index) }
            }
            let client = standIn.makeClient()
            let streams = try await client.streams(userIDs: ids, pageSize: 7)
            #expect(streams.count == 60)
            #expect(Set(streams.map(\.userID)).count == 60)
            // First batch: 30 live → 5 pages of 7; second batch: 30 live → 5 pages.
            #expect(standIn.state.helixRequestCount(path: "/helix/streams") == 10)
            await #expect(throws: HelixError.self) { _ = try await client.streams(userIDs: ids, pageSize: 0) }

            // The raw endpoint: most viewers first, cursor until the last page, `first` bounds.
            let headers = try await standIn.authorizedHeaders()
            let page = try await standIn.raw("GET", "/helix/streams?first=2&user_id=\(ids[0])&user_id=\(ids[1])&user_id=\(ids[2])",
                                             headers: headers)
            #expect(page.status == 200)
            #expect(page.json["data"]?.arrayValue?.compactMap { $0["user_id"]?.stringValue } == [ids[0], ids[1]])
            let cursor = try #require(page.json["pagination"]?["cursor"]?.stringValue)
            let last = try await standIn.raw("GET", "/helix/streams?first=2&user_id=\(ids[0])&user_id=\(ids[1])&user_id=\(ids[2])&after=\(cursor)",
                                             headers: headers)
            #expect(last.json["data"]?.arrayValue?.compactMap { $0["user_id"]?.stringValue } == [ids[2]])
            #expect(last.json["pagination"] == [:])
            let defaultPage = try await standIn.raw("GET", "/helix/streams", headers: headers)
            #expect(defaultPage.json["data"]?.arrayValue?.count == 20)
            for bad in ["first=0", "first=101", "first=x", "after=garbage"] {
                let response = try await standIn.raw("GET", "/helix/streams?" + bad, headers: headers)
                #expect(response.status == 400, "\(bad)")
                #expect(response.json["error"] == "Bad Request")
            }
            // Offline users are absent.
            _ = try await standIn.raw("POST", "/_stand-in/streams", body: #"{"user_id":"\#(ids[0])","live":false}"#)
            let afterOffline = try await client.streams(userIDs: [ids[0], ids[1]])
            #expect(afterOffline.map(\.userID) == [ids[1]])
        }
    }
}
