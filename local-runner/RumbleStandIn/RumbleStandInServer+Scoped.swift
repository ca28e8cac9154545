extension RumbleStandInServer {
    public struct NotStarted: Error, CustomStringConvertible {
        public let description = "the Rumble stand-in did not start"
    }

    /// Runs the stand-in on a free loopback port for the duration of `body` (tests), then stops
    /// it, whether `body` returns or throws.
    public func withRunning<T>(_ body: (_ port: Int) async throws -> T) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task { try await run(host: "127.0.0.1", port: 0) { port in continuation.yield(port) } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            task.cancel()
            throw NotStarted()
        }
        do {
            let value = try await body(port)
            task.cancel()
            _ = await task.result
            return value
        } catch {
            task.cancel()
            _ = await task.result
            throw error
        }
    }
}
