public import JSONValue
import NIOConcurrencyHelpers

/// A refused control input (unknown account, bad name).
public struct RumbleStandInInputError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Accounts, their streams, request counts, the rate limit windows and injected faults. One lock
/// around plain values; tests read and change it directly.
public final class RumbleStandInState: Sendable {
    public let configuration: RumbleStandInConfiguration
    let store: NIOLockedValueBox<Store>

    struct Store {
        var accounts: [RumbleAccount] = []
        var requestsByAccount: [String: Int] = [:]
        /// Request times per key within the last minute.
        var window: [String: [Double]] = [:]
        var requestsPerMinute: Int?
        /// The next `count` API requests answer `status` (backoff tests).
        var fault: (status: Int, count: Int, retryAfter: Int?)?
    }

    public init(configuration: RumbleStandInConfiguration) {
        self.configuration = configuration
        self.store = NIOLockedValueBox(Store(requestsPerMinute: configuration.requestsPerMinute))
    }

    var now: Double { configuration.clock() }

    /// Adds a user key, or a channel key when `channelName` is given.
    @discardableResult
    public func addAccount(username: String, channelName: String? = nil, followers: Int = 0) throws(RumbleStandInInputError) -> RumbleAccount {
        guard Self.isName(username) else { throw RumbleStandInInputError("username must be 1-50 of letters, digits, _, - and .") }
        if let channelName, !Self.isName(channelName) { throw RumbleStandInInputError("channel name must be 1-50 of letters, digits, _, - and .") }
        guard followers >= 0 else { throw RumbleStandInInputError("followers must not be negative") }
        let result: Result<RumbleAccount, RumbleStandInInputError> = store.withLockedValue { store in
            if store.accounts.contains(where: { $0.username.lowercased() == username.lowercased() && $0.channelName?.lowercased() == channelName?.lowercased() }) {
                return .failure(RumbleStandInInputError("\(channelName ?? username) already has a key"))
            }
            let userID = store.accounts.first { $0.username.lowercased() == username.lowercased() }?.userID ?? RumbleIdentifiers.base36ID()
            let account = RumbleAccount(userID: userID, username: username, channelID: channelName.map { _ in RumbleIdentifiers.base36ID() },
                                        channelName: channelName, key: RumbleIdentifiers.key(), followers: followers, livestreams: [])
            store.accounts.append(account)
            return .success(account)
        }
        return try result.get()
    }

    public var accounts: [RumbleAccount] { store.withLockedValue { $0.accounts } }

    public func account(id: String) -> RumbleAccount? { store.withLockedValue { $0.accounts.first { $0.id == id } } }

    /// Changes an account under the lock; returns it changed.
    @discardableResult
    func update(id: String, _ change: (inout RumbleAccount) throws(RumbleStandInInputError) -> Void) throws(RumbleStandInInputError) -> RumbleAccount {
        let result: Result<RumbleAccount, RumbleStandInInputError> = store.withLockedValue { store in
            guard let index = store.accounts.firstIndex(where: { $0.id == id }) else { return .failure(RumbleStandInInputError("unknown account \(id)")) }
            do throws(RumbleStandInInputError) {
                try change(&store.accounts[index])
            } catch {
                return .failure(error)
            }
            return .success(store.accounts[index])
        }
        return try result.get()
    }

    /// The account goes live: a new stream (or the title and count of its live one).
    @discardableResult
    public func goLive(id: String, title: String, watchingNow: Int = 0, category: String = "Gaming") throws(RumbleStandInInputError) -> RumbleLivestream {
        guard !title.isEmpty else { throw RumbleStandInInputError("title is required") }
        guard watchingNow >= 0 else { throw RumbleStandInInputError("watching_now must not be negative") }
        let now = self.now
        let account = try update(id: id) { (account: inout RumbleAccount) throws(RumbleStandInInputError) in
            if let index = account.livestreams.firstIndex(where: \.isLive) {
                account.livestreams[index].title = title
                account.livestreams[index].watchingNow = watchingNow
            } else {
                account.livestreams.insert(RumbleLivestream(id: RumbleIdentifiers.base36ID(), title: title, createdOn: now, isLive: true,
                                                            watchingNow: watchingNow, likes: 0, dislikes: 0, category: category), at: 0)
            }
        }
        return account.livestreams.first(where: \.isLive)!
    }

    /// The stream ends: it vanishes from `livestreams` (what clients see of an ended stream).
    @discardableResult
    public func goOffline(id: String) throws(RumbleStandInInputError) -> RumbleAccount {
        try update(id: id) { (account: inout RumbleAccount) throws(RumbleStandInInputError) in account.livestreams.removeAll(where: \.isLive) }
    }

    @discardableResult
    public func setWatchingNow(id: String, _ watching: Int) throws(RumbleStandInInputError) -> RumbleLivestream {
        guard watching >= 0 else { throw RumbleStandInInputError("watching_now must not be negative") }
        let account = try update(id: id) { (account: inout RumbleAccount) throws(RumbleStandInInputError) in
            guard let index = account.livestreams.firstIndex(where: \.isLive) else { throw RumbleStandInInputError("\(id) is not live") }
            account.livestreams[index].watchingNow = watching
        }
        return account.livestreams.first(where: \.isLive)!
    }

    /// A new key; the old one stops working at once (Rumble's "reset").
    @discardableResult
    public func resetKey(id: String) throws(RumbleStandInInputError) -> RumbleAccount {
        try update(id: id) { (account: inout RumbleAccount) throws(RumbleStandInInputError) in account.key = RumbleIdentifiers.key() }
    }

    /// The next `count` API requests answer `status` (with `Retry-After` when given).
    public func injectFault(status: Int, count: Int, retryAfterSeconds: Int? = nil) {
        store.withLockedValue { $0.fault = count > 0 ? (status, count, retryAfterSeconds) : nil }
    }

    public func setRequestsPerMinute(_ limit: Int?) { store.withLockedValue { $0.requestsPerMinute = limit.map { max(1, $0) } } }

    /// API requests that reached an account (answered 200 or rate-limited), by account id.
    public func requestCount(id: String) -> Int { store.withLockedValue { $0.requestsByAccount[id] ?? 0 } }

    enum Admission {
        case fault(status: Int, retryAfter: Int?)
        case unauthorized
        case rateLimited(retryAfter: Int)
        case admitted(RumbleAccount)
    }

    /// Faults first (they stand for Rumble or Cloudflare failing before any key check), then the
    /// key, then the key's rolling-minute window.
    func admit(key: String?) -> Admission {
        let now = self.now
        return store.withLockedValue { store in
            if let fault = store.fault {
                store.fault = fault.count > 1 ? (fault.status, fault.count - 1, fault.retryAfter) : nil
                return .fault(status: fault.status, retryAfter: fault.retryAfter)
            }
            guard let key, !key.isEmpty, let account = store.accounts.first(where: { $0.key == key }) else { return .unauthorized }
            store.requestsByAccount[account.id, default: 0] += 1
            if let limit = store.requestsPerMinute {
                var times = (store.window[key] ?? []).filter { now - $0 < 60 }
                if times.count >= limit {
                    store.window[key] = times
                    return .rateLimited(retryAfter: max(1, Int((60 - (now - times[0])).rounded(.up))))
                }
                times.append(now)
                store.window[key] = times
            }
            return .admitted(account)
        }
    }

    private static func isName(_ text: String) -> Bool {
        (1...50).contains(text.utf8.count) && text.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
        }
    }
}

enum RumbleIdentifiers {
    /// A base-36 id like Rumble's (`6ceuwb`).
    static func base36ID() -> String { String(UInt64.random(in: 36 * 36 * 36 * 36 * 36..<36 * 36 * 36 * 36 * 36 * 36), radix: 36) }

    /// A URL-safe key of 64 characters.
    static func key() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var generator = SystemRandomNumberGenerator()
        return String((0..<64).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
