import BlockingIO
import Files
import Processes
import Redis
import Settings
import TestSupport
import Testing

/// Managed Redis over TLS through the shipped sidecar: `redis-server` with only its TLS port
/// open, `infra/stunnel/entrypoint.sh` (what the sidecar image runs) rendering
/// `infra/stunnel/redis-client.conf` for a stunnel in client mode, and our hiredis client speaking
/// plaintext to stunnel on loopback. Certificates come from `openssl` in a temporary folder.
@Suite(.serialized) struct RedisTLSTests {
    static let root = SharedResearch.repositoryRoot()
    static let appPassword = "tls-\(TestServices.uniqueTwitchUserID())"

    static var stunnel: String? { ["/usr/bin/stunnel4", "/usr/bin/stunnel", "/usr/local/bin/stunnel"].first(where: FileSystem.exists) }
    static var openssl: String? { ["/usr/bin/openssl", "/usr/local/bin/openssl"].first(where: FileSystem.exists) }

    /// Nil when the test can run; else what is missing (redis-server's TLS is checked at start).
    static var missing: String? {
        if openssl == nil { return "openssl is not installed (apt-get install -y openssl)" }
        if stunnel == nil { return "stunnel is not installed (apt-get install -y stunnel4)" }
        if ScratchRedisServer.executable == nil { return "redis-server is not installed (apt-get install -y redis-server)" }
        return nil
    }

    @Test func redissURLIsRefusedAtStartWithOneLineNamingTheSidecar() async throws {
        #expect(throws: RedisError.self) { try RedisURL(parsing: "rediss://ccr-app:s3cret@redis.example.com:6380/0") }
        do {
            _ = try RedisURL.fromEnvironment(Environment(["REDIS_URL": "rediss://ccr-app:s3cret@redis.example.com:6380/0"]))
            Issue.record("rediss:// was accepted")
        } catch let error as ConfigurationError {
            #expect(error.description.hasPrefix("REDIS_URL uses rediss://"))
            #expect(error.description.contains("stunnel") && error.description.contains("redis://USER:PASSWORD@127.0.0.1:6380"))
            #expect(!error.description.contains("s3cret") && !error.description.contains("\n"))
        }
        // A job function as deployed: one line on stderr, status 2 (bad configuration), no connection tried.
        let executable = Self.builtExecutable("event-archive")
        guard try Prerequisite.available(FileSystem.exists(executable) ? nil : "\(executable) is not built (swift build)") else { return }
        let scratch = try FileSystem.temporaryDirectory(prefix: "ccr-rediss")
        defer { FileSystem.removeTree(scratch) }
        let status = try await ChildProcess.run(executable, [], environment: [
            "PATH": "/usr/bin:/bin", "REDIS_URL": "rediss://ccr-app:s3cret@127.0.0.1:1/0", "DATABASE_URL": "postgresql://127.0.0.1:1/x",
        ], outputPath: scratch + "/out")
        let output = FileSystem.readText(scratch + "/out") ?? ""
        print("event-archive with rediss:// said: \(output)")
        #expect(status == 2, "\(output)")
        let lines = output.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("configuration error: REDIS_URL uses rediss://") && lines[0].contains("stunnel"), "\(output)")
        #expect(!output.contains("s3cret"))
    }

    /// Where `swift build` put the executables: beside the test bundle.
    static func builtExecutable(_ name: String) -> String {
        let bundle = FileSystem.currentExecutable()
        guard let slash = bundle.lastIndex(of: "/") else { return name }
        return String(bundle[..<slash]) + "/" + name
    }

    @Test func commandsAndPubSubThroughTheStunnelSidecar() async throws {
        guard try Prerequisite.available(Self.missing) else { return }
        let stack = try await TLSStack.make()
        do {
            let server = try await stack.startServer(certificate: "localhost")
            guard try Prerequisite.available(server.missing) else { await stack.stop(); return }
            let sidecar = try await stack.startSidecar(host: "localhost", port: server.port)
            let url = try RedisURL(parsing: "redis://ccr-app:\(Self.appPassword)@127.0.0.1:\(sidecar.localPort)/0")

            let client = RedisClient(url: url)
            let key = "tls:\(TestServices.uniqueTwitchUserID())"
            #expect(try await client.send(["ACL", "WHOAMI"]) == .bulk(Array("ccr-app".utf8)))
            #expect(try await client.send(["SET", key, "a\u{0}b"]) == .status("OK"))
            #expect(try await client.send(["GET", key]) == .bulk(Array("a\u{0}b".utf8)))
            let replies = try await client.pipeline([["INCR", key + ":n"], ["INCR", key + ":n"], ["EXISTS", key]])
            #expect(replies == [.integer(1), .integer(2), .integer(1)])

            let subscriber = RedisSubscriber(url: url, patterns: ["room:*"])
            subscriber.start()
            let received = try await withDeadline(seconds: 15) {
                var iterator = subscriber.events.makeAsyncIterator()
                while let event = await iterator.next() {
                    if case .subscribed = event { break }
                    if case .disconnected(let why) = event { throw RedisTestFailure("subscriber through stunnel: \(why)") }
                }
                #expect(try await client.publish(channel: "room:company:tls", message: "over tls") == 1)
                while let event = await iterator.next() {
                    if case .message(let message) = event { return message }
                }
                throw RedisTestFailure("the subscription ended")
            }
            #expect(received.channel == "room:company:tls" && received.pattern == "room:*" && received.text == "over tls")
            await subscriber.stop()
            await client.shutdown()
            // The server has no plaintext port: all of this went through TLS, and stunnel verified it.
            #expect(sidecar.log.contains("Certificate accepted"), "\(sidecar.log)")
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
    }

    @Test func sidecarRefusesAServerWhoseCertificateDoesNotMatchOrIsNotTrusted() async throws {
        guard try Prerequisite.available(Self.missing) else { return }
        let stack = try await TLSStack.make()
        do {
            // Signed by the trusted CA, but for another name (checkHost), then for the right name
            // but by a CA the sidecar does not trust (verifyChain).
            for (certificate, expected) in [("other.invalid", "Subject checks failed"), ("localhost-untrusted", "Rejected by CERT")] {
                let server = try await stack.startServer(certificate: certificate)
                guard try Prerequisite.available(server.missing) else { await stack.stop(); return }
                let sidecar = try await stack.startSidecar(host: "localhost", port: server.port)
                let url = try RedisURL(parsing: "redis://ccr-app:\(Self.appPassword)@127.0.0.1:\(sidecar.localPort)/0")
                do {
                    let connection = try RedisConnection(url: url, timeoutMilliseconds: 5_000)
                    let reply = try connection.command(["PING"])
                    Issue.record("\(certificate): the sidecar passed traffic to a server it must refuse (\(reply))")
                } catch let error as RedisError {
                    #expect(error.kind == .connection, "\(certificate): \(error)")
                }
                let log = sidecar.log
                #expect(log.contains(expected) && log.contains("certificate verify failed"), "\(certificate): \(log)")
                #expect(!log.contains("Certificate accepted"), "\(certificate): \(log)")
            }
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
    }
}

/// A CA, server certificates, TLS redis-servers and stunnel sidecars in one temporary folder;
/// `stop` ends every process it started, by pid, and deletes the folder.
final class TLSStack: @unchecked Sendable {
    let directory: String
    private var servers: [ScratchRedisServer] = []
    private var sidecars: [Sidecar] = []

    struct Server {
        let port: Int
        /// Nil when it listens; else why redis-server could not (not built with TLS).
        let missing: String?
    }

    struct Sidecar {
        let process: ChildProcess
        let localPort: Int
        let logPath: String
        var log: String { FileSystem.readText(logPath) ?? "" }
    }

    private init(directory: String) { self.directory = directory }

    static func make() async throws -> TLSStack {
        let stack = TLSStack(directory: try FileSystem.temporaryDirectory(prefix: "ccr-redis-tls"))
        do {
            try await stack.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                     "-keyout", stack.directory + "/ca.key", "-out", stack.directory + "/ca.crt", "-days", "2", "-subj", "/CN=CCR Test CA",
                                     "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
            try await stack.issue("localhost", signedBy: "ca")
            try await stack.issue("other.invalid", signedBy: "ca")
            // Same name, but a CA of its own that the sidecar does not trust.
            try await stack.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                     "-keyout", stack.directory + "/rogue-ca.key", "-out", stack.directory + "/rogue-ca.crt", "-days", "2", "-subj", "/CN=Rogue CA",
                                     "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
            try await stack.issue("localhost", signedBy: "rogue-ca", as: "localhost-untrusted")
        } catch {
            await stack.stop()
            throw error
        }
        return stack
    }

    private func openssl(_ arguments: [String]) async throws {
        let log = directory + "/openssl.log"
        let status = try await ChildProcess.run(RedisTLSTests.openssl ?? "openssl", arguments,
                                                environment: ["PATH": "/usr/bin:/bin", "HOME": directory, "RANDFILE": directory + "/.rnd"],
                                                outputPath: log)
        guard status == 0 else { throw RedisTestFailure("openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(FileSystem.readText(log) ?? "")") }
    }

    /// `name.key` and `name.crt` (or `file.…`) for DNS name `name`, signed by `ca`.
    private func issue(_ name: String, signedBy ca: String, as file: String? = nil) async throws {
        let file = directory + "/" + (file ?? name)
        let ca = directory + "/" + ca
        try FileSystem.writeText("subjectAltName=DNS:\(name)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n", to: file + ".ext")
        try await openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                           "-keyout", file + ".key", "-out", file + ".csr", "-subj", "/CN=\(name)"])
        try await openssl(["x509", "-req", "-in", file + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key", "-CAcreateserial",
                           "-CAserial", ca + ".srl", "-out", file + ".crt", "-days", "2", "-extfile", file + ".ext"])
    }

    /// A redis-server with only a TLS port, presenting `certificate`; the ACL user ccr-app.
    func startServer(certificate: String) async throws -> Server {
        do {
            let server = try await ScratchRedisServer.start(label: "tls-\(certificate)") { port in
                """
                port 0
                tls-port \(port)
                tls-cert-file \(self.directory)/\(certificate).crt
                tls-key-file \(self.directory)/\(certificate).key
                tls-ca-cert-file \(self.directory)/ca.crt
                tls-auth-clients no
                requirepass admin-\(RedisTLSTests.appPassword)
                user ccr-app on >\(RedisTLSTests.appPassword) ~* &* +@all
                """
            }
            servers.append(server)
            return Server(port: server.port, missing: nil)
        } catch let error as RedisTestFailure where error.description.contains("exited at start") {
            return Server(port: 0, missing: "redis-server cannot serve TLS (not built with TLS?): \(error.description)")
        }
    }

    /// The sidecar exactly as the image runs it: entrypoint.sh with the shipped template.
    func startSidecar(host: String, port: Int) async throws -> Sidecar {
        let localPort = try Ports.freeServerPort()
        let logPath = directory + "/stunnel-\(localPort).log"
        let process = try ChildProcess(
            executable: RedisTLSTests.root + "/infra/stunnel/entrypoint.sh",
            environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "STUNNEL_TEMPLATE": RedisTLSTests.root + "/infra/stunnel/redis-client.conf",
                          "REDIS_TLS_HOST": host, "REDIS_TLS_PORT": String(port), "REDIS_TLS_CA_FILE": directory + "/ca.crt",
                          "REDIS_TLS_LOCAL_PORT": String(localPort)],
            outputPath: logPath)
        let sidecar = Sidecar(process: process, localPort: localPort, logPath: logPath)
        sidecars.append(sidecar)
        for _ in 0..<1_000 {
            if Ports.isAccepting(port: localPort) { return sidecar }
            if let status = process.exitStatusIfExited() {
                throw RedisTestFailure("the stunnel sidecar exited at start (status \(status)): \(sidecar.log)")
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        throw RedisTestFailure("the stunnel sidecar did not listen on \(localPort): \(sidecar.log)")
    }

    /// Stops sidecars, then servers (each by its pid), then deletes the folder.
    func stop() async {
        for sidecar in sidecars.reversed() { await sidecar.process.terminate(graceMilliseconds: 3_000) }
        for server in servers.reversed() { await server.stop() }
        sidecars = []
        servers = []
        FileSystem.removeTree(directory)
    }
}
