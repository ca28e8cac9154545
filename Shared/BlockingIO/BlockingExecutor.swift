import NIOPosix

/// Runs blocking C-library calls (libpq, hiredis) on dedicated threads so that no SwiftNIO
/// event-loop thread and no Swift concurrency cooperative thread ever blocks on a socket.
///
/// One executor per resource pool: the number of threads bounds how many blocking calls run at
/// once, which is also how many connections the pool needs.
public final class BlockingExecutor: Sendable {
    private let threadPool: NIOThreadPool
    public let threadCount: Int

    public init(threads: Int) {
        precondition(threads > 0, "a blocking executor needs at least one thread")
        self.threadCount = threads
        self.threadPool = NIOThreadPool(numberOfThreads: threads)
        self.threadPool.start()
    }

    /// Runs `body` on one of the executor's threads and returns its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await threadPool.runIfActive(body)
    }

    /// Stops the threads once the work already queued has finished.
    public func shutdown() async {
        try? await threadPool.shutdownGracefully()
    }
}
