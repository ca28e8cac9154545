import NIOHTTP1
import JSONValue
import AsyncHTTPClient
import BlockingIO
import EventSub
import NIOCore
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
    private let client: HTTPClient
    private let url: String
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
        self.client = LoadDriver.makeClient()
        self.url = "http://127.0.0.1:\(port)/webhooks/twitch"
        self.secret = runtime.eventSubSecret
    }

    /// One signed notification; true when the function answered 2xx.
    public func send(company: Int, sentAt: UInt64) async -> Bool {
        let twitchUserID = twitchUserIDs[company]
        let delivery = SignedDelivery.notification(
            type: "channel.cheer", version: "1",
            event: ["is_anonymous": false, "user_id": "1234", "user_login": "fanout_viewer", "user_name": "Fanout_Viewer",
                    "broadcaster_user_id": .string(twitchUserID), "broadcaster_user_login": "fanout", "broadcaster_user_name": "Fanout",
                    "message": "bench", "bits": .int(Int64(sentAt))],
            condition: ["broadcaster_user_id": .string(twitchUserID)],
            secret: secret, messageID: SignedDelivery.newMessageID(), timestamp: RFC3339.format(unixSeconds: wallClockSeconds()))
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in delivery.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: delivery.body))
        guard let response = try? await client.execute(request, timeout: .seconds(10)) else { return false }
        return (200..<300).contains(Int(response.status.code))
    }

    public func stop() async {
        try? await client.shutdown()
        await process.terminate()
    }
}
