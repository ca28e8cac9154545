public import Logging
public import Redis
public import Rooms

/// Publishes stored events to their Redis rooms. Best effort by design: the event is already
/// durable in Postgres, and a dashboard that misses a live message catches up by event id
/// (relay recovery or `GET /api/events?after=`). Redis being down never fails an ingest.
public struct RoomPublisher: Sendable {
    public struct Delivery: Sendable {
        public let event: CompactEvent
        /// The creator rooms this event belongs to (one, or two for a raid between tracked creators).
        public let creatorIDs: [String]

        public init(event: CompactEvent, creatorIDs: [String]) {
            self.event = event
            self.creatorIDs = creatorIDs
        }
    }

    /// Also carries ingest's `notify` jobs after the same commit (`EventIngestor.enqueueNotifications`).
    let redis: RedisClient
    private let logger: Logger

    public init(redis: RedisClient, logger: Logger) {
        self.redis = redis
        self.logger = logger
    }

    /// Blocking: called from the ingest writer thread right after its commit. Every PUBLISH of the
    /// batch goes out in one pipelined round trip.
    public func publishBlocking(_ deliveries: [Delivery]) {
        guard !deliveries.isEmpty else { return }
        var commands: [[String]] = []
        commands.reserveCapacity(deliveries.count * 2)
        for delivery in deliveries {
            let message = delivery.event.jsonText
            commands.append(["PUBLISH", RoomName.company(delivery.event.companyID), message])
            for creator in delivery.creatorIDs {
                commands.append(["PUBLISH", RoomName.creator(creator), message])
            }
        }
        do {
            _ = try redis.withConnectionBlocking { try $0.pipeline(commands) }
        } catch {
            logger.warning("events stored but not published; dashboards will catch up by event id",
                           metadata: ["error": "\(error)", "events": "\(deliveries.count)"])
        }
    }
}
