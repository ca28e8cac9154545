import LocalRunner
import Testing

@Suite struct EventMixTests {
    @Test func defaultMixParsesInOrder() throws {
        let mix = try EventMix(parsing: EventMix.live)
        #expect(mix.entries.map(\.type) == ["channel.follow", "channel.chat.message", "channel.cheer", "channel.subscribe", "stream.online"])
        #expect(mix.type(at: 0) == "channel.follow")
        #expect(mix.type(at: 0.46) == "channel.chat.message")
        #expect(mix.type(at: 0.999) == "stream.online")
        #expect(mix.description == EventMix.live)
    }

    @Test func badMixesAreOneReadableLine() {
        for text in ["", "channel.follow", "channel.follow=x", "channel.follow=-1", "channel.ban=1", "channel.follow=1,channel.follow=2",
                     "channel.follow=0"] {
            #expect(throws: EventMix.Invalid.self, "\(text)") { try EventMix(parsing: text) }
        }
    }
}

@Suite struct TrafficShapeTests {
    let mix = try! EventMix(parsing: "channel.follow=1")

    @Test func agencyShapeShares5PercentOfCreators() {
        let shape = TrafficShape(companies: 1_000, creatorsPerCompany: 20, hotShare: 0.2, mix: mix)
        #expect(shape.creators == 20_000)
        // Every company slot is used exactly once, and no company tracks a broadcaster twice.
        var perCompany = [Int](repeating: 0, count: 1_000)
        for broadcaster in shape.broadcasters {
            #expect(Set(broadcaster.companies).count == broadcaster.companies.count)
            for company in broadcaster.companies { perCompany[company] += 1 }
        }
        #expect(perCompany.allSatisfy { $0 == 20 })
        #expect(abs(Double(shape.sharedCreators) / 20_000 - 0.05) < 0.001)
        #expect(shape.broadcasters.allSatisfy { (1...3).contains($0.companies.count) })
        #expect(shape.hot.companies.count == 3)
        #expect(Set(shape.broadcasters.map(\.twitchUserID)).count == shape.broadcasters.count)
    }

    @Test func hotShareSendsThatShareToTheHotBroadcaster() {
        let shape = TrafficShape(companies: 100, creatorsPerCompany: 20, hotShare: 0.2, mix: mix)
        var generator = SystemRandomNumberGenerator()
        let draws = 50_000
        var hot = 0
        var rows = 0
        for _ in 0..<draws {
            let broadcaster = shape.broadcaster(hotRoll: Double.random(in: 0..<1, using: &generator), pick: Double.random(in: 0..<1, using: &generator))
            if broadcaster.twitchUserID == shape.hot.twitchUserID { hot += 1 }
            rows += broadcaster.companies.count
        }
        #expect(abs(Double(hot) / Double(draws) - 0.2) < 0.01)
        #expect(abs(Double(rows) / Double(draws) - shape.rowsPerEvent) < 0.02)
        let storm = TrafficShape(companies: 100, creatorsPerCompany: 20, hotShare: 1.0, mix: mix)
        #expect(storm.broadcaster(hotRoll: 0.999, pick: 0.5).twitchUserID == storm.hot.twitchUserID)
        #expect(storm.rowsPerEvent == 3)
    }

    @Test func twoCompaniesShareWithTwoTrackersAtMost() {
        let shape = TrafficShape(companies: 2, creatorsPerCompany: 20, hotShare: 1.0, mix: mix)
        #expect(shape.hot.companies == [0, 1])
        #expect(shape.rowsPerEvent == 2)
        #expect(shape.broadcasters.reduce(0) { $0 + $1.companies.count } == 40)
    }
}
