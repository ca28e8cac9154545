import SocketRelay

// The socket relay: Engine.IO v4 / Socket.IO v5 server delivering Redis room broadcasts.
// `socket-relay --conformance` runs the protocol test-suite shape (no auth, echo handlers);
// `socket-relay bench-fanout …` runs the fan-out benchmark against a child relay.
if CommandLine.arguments.dropFirst().first == "bench-fanout" {
    await RelayFanoutBenchmark.commandLine(Array(CommandLine.arguments.dropFirst(2)))
} else {
    await RelayMain.run(arguments: CommandLine.arguments)
}
