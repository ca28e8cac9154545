import BlockingIO
import Redis
import TestSupport
import Testing

@Suite struct RedisTests {
    @Test func commandsAndPipelines() async throws {
        let client = RedisClient(url: try TestServices.redisURL())
        let key = "test:\(TestServices.uniqueTwitchUserID())"
        #expect(try await client.send(["SET", key, "a\u{0}b"]) == .status("OK"))
        #expect(try await client.send(["GET", key]) == .bulk(Array("a\u{0}b".utf8)))
        let replies = try await client.pipeline([["INCR", key + ":n"], ["INCR", key + ":n"], ["NOPE"]])
        #expect(replies[0] == .integer(1))
        #expect(replies[1] == .integer(2))
        if case .error = replies[2] {} else { Issue.record("unknown command did not answer an error") }
        await client.shutdown()
    }

    @Test func subscriberReceivesPublishedMessages() async throws {
        let url = try TestServices.redisURL()
        // Names outside `room:*`, which relays of other tests subscribe to (PUBLISH counts them).
        let unique = TestServices.uniqueTwitchUserID()
        let channel = "test:channel:\(unique)"
        let subscriber = RedisSubscriber(url: url, channels: [channel], patterns: ["test:pattern:\(unique):*"])
        subscriber.start()
        let client = RedisClient(url: url)
        var iterator = subscriber.events.makeAsyncIterator()
        guard case .subscribed = await iterator.next() else { Issue.record("no subscription confirmation"); return }
        #expect(try await client.publish(channel: channel, message: "hello") == 1)
        #expect(try await client.publish(channel: "test:pattern:\(unique):x", message: "world") == 1)
        var received: [(String, String?)] = []
        while received.count < 2, let event = await iterator.next() {
            if case .message(let message) = event { received.append((message.text, message.pattern)) }
        }
        #expect(received.map(\.0) == ["hello", "world"])
        #expect(received[1].1 == "test:pattern:\(unique):*")
        await subscriber.stop()
        await client.shutdown()
    }

    @Test func unreachableRedisFailsFast() async throws {
        let client = RedisClient(url: RedisURL(host: "127.0.0.1", port: 1), timeoutMilliseconds: 500)
        for attempt in 0..<3 {
            let started = monotonicNanoseconds()
            await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
            // Far below the 500 ms connect timeout (generous for a loaded machine).
            if attempt > 0 { #expect(monotonicNanoseconds() - started < 400_000_000, "must fail fast, not wait for a timeout") }
        }
        await client.shutdown()
    }

    @Test func urlParsing() throws {
        #expect(try RedisURL(parsing: "redis://:secret@127.0.0.1:6380/2") == RedisURL(host: "127.0.0.1", port: 6380, password: "secret", database: 2))
        #expect(try RedisURL(parsing: "redis://localhost") == RedisURL())
        #expect(throws: RedisError.self) { try RedisURL(parsing: "http://x") }
        #expect(throws: RedisError.self) { try RedisURL(parsing: "redis://h:99999") }
    }
}
