import JSONValue
import BlockingIO
import EventSub
import Postgres
import Processes

/// The webhook end of `bench fanout`: companies that each track one Twitch user, the real
/// `twitch-webhook` function as its own process, and signed `channel.cheer` notifications whose
/// `bits` carry the send time (monotonic ns) for the relay benchmark's clients to read.
public final class FanoutWebhookLoad: Sendable {
    public let companyIDs: [String]
    /// One viewer per company (the benchmark's sockets connect as them).
    public let memberIDs: [String]
    private let twitchUserIDs: [String]
    private let process: ChildProcess
    private let port: Int
    private let executor = BlockingExecutor(threads: 1)
    private let secret: String

    /// `count` companies with one viewer each (the benchmark's sockets are real members).
    public static func seedCompanies(_ count: Int, commands: OperatorCommands) throws -> [(company: String, member: String)] {
        try (0..<count).map { index in
            let company = try commands.createCompany(name: "Fanout Agency \(index + 1)")
            return (company, try commands.addMember(companyID: company, email: "fanout-viewer-\(index + 1)@bench.example", role: "viewer"))
        }
    }

    /// Seeds `companies` companies and starts the webhook function on a free port.
    public init(companies: Int, runtime: RuntimeEnvironment, binaryDirectory: String) async throws {
        let commands = OperatorCommands(adminURL: runtime.databaseAdminURL)
        let seeded = try Self.seedCompanies(companies, commands: commands)
        let companyIDs = seeded.map(\.company)
        let twitchUserIDs = (0..<companies).map { String(960_000 + $0) }
        for (index, company) in companyIDs.enumerated() {
            _ = try commands.addCreator(companyID: company, twitchUserID: twitchUserIDs[index], login: "fanout_\(index)", displayName: nil)
        }
        // Cheers reach only agencies whose creator authorized them (creator linking): without
        // links every cheer would be kept unrouted and no client would receive anything.
        let owner = try PostgresConnection(url: runtime.databaseAdminURL)
        try owner.withTransaction {
            for company in companyIDs {
                try owner.setTenant(company)
                try TenantSeeder.linkEveryCreator(of: company, on: owner)
            }
        }
        let port = try Ports.freeServerPort()
        var environment = ["PATH": "/usr/bin:/bin", "LOG_LEVEL": "warning", "PORT": String(port), "HOST": "127.0.0.1"]
        for (key, value) in runtime.pairs { environment[key] = value }
        let process = try ChildProcess(executable: "\(binaryDirectory)/twitch-webhook", environment: environment)
        try await ListeningProcess.waitUntilListening(process, name: "twitch-webhook", port: port, pollNanoseconds: 1_000_000)
        self.companyIDs = companyIDs
        self.memberIDs = seeded.map(\.member)
        self.twitchUserIDs = twitchUserIDs
        self.process = process
        self.port = port
        self.secret = runtime.eventSubSecret
    }

    /// `rate` × `seconds` signed notifications on schedule, alternating over the companies, each
    /// signed as it goes out so its `bits` carry the send time; sent by `OpenLoopSender` on a
    /// thread of its own (the async client cost ~0.2 ms of CPU per request, shared with the relay
    /// and the 1,000 clients being measured). Returns the accepted count (2xx) and the sum of
    /// `weight(company)` over them.
    public func send(rate: Int, seconds: Int, weight: @escaping @Sendable (Int) -> Int) async throws -> (accepted: Int, weight: Int) {
        let companies = twitchUserIDs.count
        let sender = OpenLoopSender(port: port, connections: 64)
        let result = try await executor.run { [self] in
            try sender.run(rate: rate, seconds: seconds) { index in
                let company = index % companies
                return (request(company: company, sentAt: monotonicNanoseconds()), weight(company))
            }
        }
        return (result.accepted, result.weight)
    }

    /// One signed `channel.cheer` for `company`'s broadcaster as a raw HTTP/1.1 request.
    private func request(company: Int, sentAt: UInt64) -> [UInt8] {
        let twitchUserID = twitchUserIDs[company]
        let delivery = SignedDelivery.notification(
            type: "channel.cheer", version: "1",
            event: ["is_anonymous": false, "user_id": "1234", "user_login": "fanout_viewer", "user_name": "Fanout_Viewer",
                    "broadcaster_user_id": .string(twitchUserID), "broadcaster_user_login": "fanout", "broadcaster_user_name": "Fanout",
                    "message": "bench", "bits": .int(Int64(sentAt))],
            condition: ["broadcaster_user_id": .string(twitchUserID)],
            secret: secret, messageID: SignedDelivery.newMessageID(), timestamp: RFC3339.format(unixSeconds: wallClockSeconds()))
        var head = "POST /webhooks/twitch HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(delivery.body.count)\r\n"
        for (name, value) in delivery.headers where name.lowercased() != "content-length" && name.lowercased() != "host" {
            head += "\(name): \(value)\r\n"
        }
        return Array((head + "\r\n").utf8) + delivery.body
    }

    public func stop() async {
        await executor.shutdown()
        await process.terminate()
    }
}
