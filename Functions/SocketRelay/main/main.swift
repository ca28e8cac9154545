import SocketRelay

// The socket relay: Engine.IO v4 / Socket.IO v5 server delivering Redis room broadcasts.
// `socket-relay --conformance` runs the protocol test-suite shape (no auth, echo handlers).
await RelayMain.run(arguments: CommandLine.arguments)
