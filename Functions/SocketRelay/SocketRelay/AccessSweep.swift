import Access
import AccessTokens
import JSONValue
import Logging
import NIOCore

/// Who an open socket speaks for: the access check's key and the role it may act with now.
struct SocketAccess: Sendable {
    let key: AccessKey
    /// The token's role: the most the socket may ever act with.
    let tokenRole: Role
    var role: Role
}

/// Holds open sockets to their members' current roles. Every `intervalMilliseconds` it asks
/// Postgres once for every socket's (company, user, session); a socket whose member was removed
/// (or whose session ended) gets a Socket.IO DISCONNECT and is closed, and one whose role changed
/// is sent `access` `{"role": …}` so the dashboard drops (or regains) controls. Rooms do not
/// depend on the role, so no room changes.
struct AccessSweep: Sendable {
    let core: RelayCore
    let access: AccessCheck
    let intervalMilliseconds: Int

    func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(intervalMilliseconds) * 1_000_000)
            await sweep()
        }
    }

    func sweep() async {
        var keys = Set<AccessKey>()
        for registry in core.registries {
            if let local = try? await registry.eventLoop.submit({ Set(registry.sessions.compactMap { $0.access?.key }) }).get() {
                keys.formUnion(local)
            }
        }
        guard !keys.isEmpty else { return }
        let asked = Array(keys)
        let roles: [Role?]
        do {
            roles = try await access.currentRoles(asked)
        } catch {
            // Postgres unreachable: keep sockets as they are, ask again next time.
            core.logger.warning("could not check socket access", metadata: ["error": "\(error)"])
            return
        }
        let current = Dictionary(uniqueKeysWithValues: zip(asked, roles))
        for registry in core.registries {
            registry.eventLoop.execute {
                for session in registry.sessions {
                    guard let socketAccess = session.access, let answer = current[socketAccess.key] else { continue }
                    Self.apply(answer, to: session, access: socketAccess)
                }
            }
        }
    }

    private static func apply(_ memberRole: Role??, to session: Session, access: SocketAccess) {
        guard !session.isClosed else { return }
        guard let memberRole = memberRole ?? nil else {
            session.sendPacket(SocketIOPacket.encode(.disconnect))
            session.close(.accessRevoked)
            return
        }
        let role = min(memberRole, access.tokenRole)
        guard role != access.role else { return }
        session.access?.role = role
        session.emit(["access", ["role": .string(role.rawValue)]])
    }
}
