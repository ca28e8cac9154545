extension OIDCStandInServer {
    public struct NotStarted: Error, CustomStringConvertible {
        public let description = "the OIDC stand-in did not start"
    }

    /// Runs the stand-in on a free loopback port for the duration of `body` (tests), then stops
    /// it, whether `body` returns or throws. `issuer` is set when `body` starts.
    public func withRunning<T>(_ body: (_ port: Int) async throws -> T) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            // Ends the stream if binding fails, so the wait below does not hang.
            defer { continuation.finish() }
            try await run(host: "127.0.0.1", port: 0) { port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            if case .failure(let error) = await task.result { throw error }
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
