import NIOCore
import Access
import AccessTokens
import BlockingIO
import JSONValue
import Postgres
import Rooms

/// What a CONNECT asks for besides the token: resuming after the last event it saw.
struct RecoveryRequest: Sendable {
    /// The last event id the client saw (Socket.IO `offset`, or a plain `lastEventId`).
    var afterID: Int64?
    /// Socket.IO connection-state-recovery private id, echoed back when recovery succeeds (the JS
    /// client sets `socket.recovered` when the pid it sent comes back).
    var pid: String?
    /// Append each event's id as the trailing offset argument (pid/offset clients, or `offsets: true`).
    var wantsOffsets = false

    init(auth: JSONValue?) {
        if let pid = auth?["pid"]?.stringValue {
            // A connection-state-recovery client (it got a pid before): it reads offsets. Its
            // first reconnect may carry no offset yet (no offset-bearing event seen).
            self.pid = pid
            wantsOffsets = true
        }
        if pid != nil, let offset = auth?["offset"]?.stringValue, let id = Int64(offset), id >= 0 {
            afterID = id
        } else if let last = auth?["lastEventId"], last != .null {
            // A number or a string of digits; anything else (a non-numeric string, a negative or
            // fractional number, an object) is still a recovery request, answered like an unknown
            // id (0 is never an event id) instead of being ignored.
            let id = last.int64Value ?? last.stringValue.flatMap { Int64($0) }
            afterID = id.flatMap { $0 >= 0 ? $0 : nil } ?? 0
        }
        if auth?["offsets"]?.boolValue == true { wantsOffsets = true }
    }
}

/// Production behaviour: JWT auth on CONNECT (the `token` in the CONNECT's auth, else the
/// dashboard's session cookie from the handshake), the member's current role from the access
/// check, the company room from the token, creator rooms after a tenant-scoped check, recovery
/// from Postgres.
struct RelayApplication: SocketIOApplication {
    let verifier: AccessTokenVerifier
    let access: AccessCheck
    let recovery: RecoveryService
    let creators: CreatorAccess

    func connect(_ session: Session, namespace: String, auth: JSONValue?) {
        guard namespace == "/" else {
            session.refuseConnect(namespace: namespace, message: "Invalid namespace")
            return
        }
        guard !session.namespaces.connectInFlight else { return }
        let cookieToken = session.cookieToken
        session.cookieToken = nil
        guard let token = auth?["token"]?.stringValue.flatMap({ $0.isEmpty ? nil : $0 }) ?? cookieToken else {
            session.core.metrics.authFailures.add(1)
            session.refuseConnect(namespace: "/", message: "Not authorized: missing token")
            return
        }
        let request = RecoveryRequest(auth: auth)
        session.namespaces.connectInFlight = true
        let verifier = self.verifier
        let access = self.access
        Task {
            let result: Result<(AccessClaims, Role), ConnectRefusal>
            do {
                let claims = try await verifier.verify(token: token, now: wallClockSeconds())
                if let role = try await access.effectiveRole(claims) {
                    result = .success((claims, role))
                } else {
                    result = .failure(ConnectRefusal(message: "Not authorized: not a member of this company (or the session ended)"))
                }
            } catch let error as AuthError {
                result = .failure(ConnectRefusal(message: "Not authorized: \(error.description)"))
            } catch {
                result = .failure(ConnectRefusal(message: "Service unavailable: membership could not be checked, retry"))
            }
            session.eventLoop.execute { self.finishConnect(session, result, request) }
        }
    }

    private struct ConnectRefusal: Error {
        let message: String
    }

    private func finishConnect(_ session: Session, _ result: Result<(AccessClaims, Role), ConnectRefusal>, _ request: RecoveryRequest) {
        session.namespaces.connectInFlight = false
        guard !session.isClosed, session.socketID == nil else { return }
        let claims: AccessClaims
        switch result {
        case .failure(let refusal):
            session.core.metrics.authFailures.add(1)
            session.refuseConnect(namespace: "/", message: refusal.message)
            return
        case .success(let (verified, role)):
            claims = verified
            session.access = SocketAccess(key: AccessKey(verified), tokenRole: verified.role, role: role)
        }
        let socketID = RandomID.make()
        session.companyID = claims.companyID
        session.token.expiresAt = claims.expiresAt
        session.recovery.wantsOffsets = request.wantsOffsets
        let companyRoom = RoomName.company(claims.companyID)
        guard let afterID = request.afterID else {
            session.acceptConnect(namespace: "/", socketID: socketID, reply: ["sid": .string(socketID), "pid": .string(RandomID.make())])
            session.registry.join(session, room: companyRoom)
            return
        }
        // Recovery: join now and hold live events, fetch the missed ones, then reply and send
        // replayed events first, then the held live ones that were not replayed.
        session.markConnected(namespace: "/", socketID: socketID)
        session.recovery.replayBuffer = []
        session.registry.join(session, room: companyRoom)
        let recovery = self.recovery
        Task {
            let outcome = await recovery.replay(companyID: claims.companyID, after: afterID)
            session.eventLoop.execute { Self.finishRecovery(session, socketID: socketID, companyRoom: companyRoom, request: request, outcome: outcome) }
        }
    }

    private static func finishRecovery(_ session: Session, socketID: String, companyRoom: String, request: RecoveryRequest,
                                       outcome: RecoveryService.Outcome) {
        guard !session.isClosed, session.socketID == socketID, let companyID = session.companyID else { return }
        // Batched live events still go into the held ones (the batch path skips recovering sockets).
        session.registry.writeBatches()
        let held = session.recovery.replayBuffer ?? []
        session.recovery.replayBuffer = nil
        switch outcome {
        case .replay(let events):
            session.core.metrics.recoveries.add(1)
            session.sendConnectReply(namespace: "/", ["sid": .string(socketID), "pid": .string(request.pid ?? RandomID.make()), "recovered": true])
            var replayed = Set<Int64>()
            replayed.reserveCapacity(events.count)
            for event in events {
                session.write(BroadcastMessage(room: companyRoom, eventID: event.id, companyID: companyID, eventJSON: event.json))
                replayed.insert(event.id)
                if event.id > session.recovery.recoveredThrough { session.recovery.recoveredThrough = event.id }
            }
            for message in held where !replayed.contains(message.eventID) { session.write(message) }
        case .refused(let reason):
            session.core.metrics.recoveriesRefused.add(1)
            session.sendConnectReply(namespace: "/", ["sid": .string(socketID), "pid": .string(RandomID.make()), "recovered": false,
                                                      "recoveryError": .string(reason)])
            for message in held { session.write(message) }
        }
    }

    func event(_ session: Session, _ event: SocketIOEvent) {
        let ackID = event.ackID
        let arguments = event.arguments
        guard event.namespace == "/", let companyID = session.companyID, let socketID = session.socketID else { return }
        let name = arguments.first?.stringValue
        guard name == "subscribe" || name == "unsubscribe" else {
            if let ackID { session.acknowledge(ackID: ackID, [["error": "unknown event"]]) }
            return
        }
        guard let creatorID = arguments.dropFirst().first?["creatorId"]?.stringValue, TenantID.isValid(creatorID) else {
            if let ackID { session.acknowledge(ackID: ackID, [["error": "creatorId must be a creator id (UUID)"]]) }
            return
        }
        let creator = creatorID.lowercased()
        let room = RoomName.creator(creator)
        if name == "unsubscribe" {
            session.registry.leave(session, room: room)
            if let ackID { session.acknowledge(ackID: ackID, [["ok": true]]) }
            return
        }
        if let allowed = creators.cached(companyID: companyID, creatorID: creator) {
            Self.finishSubscribe(session, socketID: socketID, room: room, ackID: ackID, result: .success(allowed))
            return
        }
        let creators = self.creators
        Task {
            let result: Result<Bool, any Error>
            do { result = .success(try await creators.check(companyID: companyID, creatorID: creator)) } catch { result = .failure(error) }
            session.eventLoop.execute { Self.finishSubscribe(session, socketID: socketID, room: room, ackID: ackID, result: result) }
        }
    }

    private static func finishSubscribe(_ session: Session, socketID: String, room: String, ackID: Int64?, result: Result<Bool, any Error>) {
        // The socket may have disconnected (or reconnected as another company) meanwhile.
        guard !session.isClosed, session.socketID == socketID else { return }
        let reply: JSONValue
        switch result {
        case .success(true):
            session.registry.join(session, room: room)
            reply = ["ok": true]
        case .success(false):
            reply = ["error": "creator not found"]
        case .failure:
            reply = ["error": "creator check unavailable, try again"]
        }
        if let ackID { session.acknowledge(ackID: ackID, [reply]) }
    }
}
