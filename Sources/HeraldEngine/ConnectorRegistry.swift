import struct Foundation.Date
import HeraldConnectors
import HeraldCore
import Synchronization

/// The connectors Herald can dispatch to, the routes that rank them per message, and failover.
///
/// A route names a channel, an optional destination prefix, an optional account, a priority (lower first) and a
/// weight. For a message, every matching route is a candidate: routes of the message's own account first, then
/// longer prefixes, then lower priority, then a weighted random order among equals (traffic split). ``choose(for:to:now:)`` takes the first candidate that is up
/// (``Connector/health``) and whose circuit is closed; a connector that fails temporarily `tripAfter` times in a
/// row is skipped for `coolOff` seconds, so its messages' next attempts go to the next route. Without a matching
/// route, the first connector that carries the channel is used.
public struct ConnectorRegistry: Sendable {
    /// One routing rule.
    public struct Route: Sendable, Hashable {
        public var channel: Channel
        /// Destination prefix (`+44`, `+1415`); empty matches everything.
        public var prefix: String
        public var connector: String
        /// Lower goes first.
        public var priority: Int
        /// Share of traffic among routes with the same prefix length and priority.
        public var weight: Int
        /// Name of the only account this route serves; nil: every account.
        public var account: String?

        public init(channel: Channel, prefix: String = "", connector: String, priority: Int = 0, weight: Int = 1, account: String? = nil) {
            self.account = account
            self.channel = channel
            self.prefix = prefix
            self.connector = connector
            self.priority = priority
            self.weight = max(1, weight)
        }
    }

    public let connectors: [any Connector]
    public let routes: [Route]
    let breaker: CircuitBreaker
    /// Account names by id, for routes that name an account (messages carry the id).
    private let accountNames: AccountNames

    final class AccountNames: Sendable {
        let names = Mutex<[String: String]>([:])
    }

    public init(_ connectors: [any Connector], routes: [Route] = [], tripAfter: Int = 5, coolOff: Double = 30) {
        self.connectors = connectors
        self.routes = routes
        self.breaker = CircuitBreaker(tripAfter: tripAfter, coolOff: coolOff)
        self.accountNames = AccountNames()
    }

    /// The account names routes refer to (``Route/account``).
    public var routedAccounts: Set<String> { Set(routes.compactMap(\.account)) }

    /// Tells the registry the id of a routed account (once its row exists).
    public func learn(accountID: String, name: String) {
        accountNames.names.withLock { $0[accountID] = name }
    }

    /// The first connector that carries the channel.
    public func connector(for channel: Channel) -> (any Connector)? {
        connectors.first { $0.channels.contains(channel) }
    }

    /// Every connector that may carry this message, best first (see the type's description).
    public func candidates(for channel: Channel, to recipient: String, accountID: String? = nil) -> [any Connector] {
        let accountName = accountID.flatMap { id in accountNames.names.withLock { $0[id] } }
        let matching = routes.filter {
            $0.channel == channel && recipient.hasPrefix($0.prefix) && ($0.account == nil || $0.account == accountName)
        }
        guard !matching.isEmpty else { return connector(for: channel).map { [$0] } ?? [] }
        let groups = Dictionary(grouping: matching) { RankKey($0) }
        var ordered: [any Connector] = []
        var seen = Set<String>()
        for key in groups.keys.sorted() {
            for route in Self.weightedOrder(groups[key] ?? []) where !seen.contains(route.connector) {
                guard let connector = connectors.first(where: { $0.name == route.connector }) else { continue }
                seen.insert(route.connector)
                ordered.append(connector)
            }
        }
        return ordered
    }

    /// The connector for this attempt: the best candidate that is up and not cooling off; the best candidate
    /// if none is (its temporary failure then defers the message, which is retried).
    public func choose(for channel: Channel, to recipient: String, accountID: String? = nil, now: Date) -> (any Connector)? {
        let candidates = candidates(for: channel, to: recipient, accountID: accountID)
        return candidates.first { $0.isUp && breaker.isClosed($0.name, now: now) } ?? candidates.first
    }

    /// The next candidate that is up and not cooling off, other than those already tried for this attempt (one that
    /// turned out unreachable when asked: failover within the attempt); nil if there is none.
    public func alternative(for channel: Channel, to recipient: String, accountID: String? = nil, excluding tried: Set<String>, now: Date) -> (any Connector)? {
        candidates(for: channel, to: recipient, accountID: accountID).first {
            !tried.contains($0.name) && $0.isUp && breaker.isClosed($0.name, now: now)
        }
    }

    /// The route that sent messages to `connector` for a destination known by its first digits (`+447700`, as analytics
    /// keep it) or its e-mail domain, for an account: of the routes to that connector that match, the one
    /// ``candidates(for:to:accountID:)`` ranks first (the account's own, then the longest prefix, then the lowest
    /// priority). A route on a longer prefix than the digits known is taken as matching. nil: none matched (the
    /// channel's first connector was used).
    public func route(to connector: String, destinationPrefix prefix: String, accountName: String?) -> Route? {
        routes.filter { route in
            route.connector == connector && (route.account == nil || route.account == accountName)
                && (prefix.hasPrefix(route.prefix) || route.prefix.hasPrefix(prefix) && prefix.hasPrefix("+"))
        }.min { RankKey($0) < RankKey($1) }
    }

    /// The connector's circuit as operators read it: `closed`, `open until …` (skipped while it cools off) or
    /// `half-open` (the next attempt tries it), with the temporary failures in a row. Reads without changing it.
    public func circuit(of connector: String, now: Date) -> String { breaker.describe(connector, now: now) }

    /// The provider answered (accepted or refused for good): the connector works.
    public func recordSuccess(_ connector: String) { breaker.success(connector) }

    /// The provider failed temporarily.
    public func recordTemporaryFailure(_ connector: String, now: Date) { breaker.failure(connector, now: now) }

    struct RankKey: Hashable, Comparable {
        var ownAccount: Bool
        var prefixLength: Int
        var priority: Int

        init(ownAccount: Bool, prefixLength: Int, priority: Int) {
            self.ownAccount = ownAccount
            self.prefixLength = prefixLength
            self.priority = priority
        }

        init(_ route: Route) {
            self.init(ownAccount: route.account != nil, prefixLength: route.prefix.count, priority: route.priority)
        }
        static func < (lhs: RankKey, rhs: RankKey) -> Bool {
            if lhs.ownAccount != rhs.ownAccount { return lhs.ownAccount }
            return lhs.prefixLength != rhs.prefixLength ? lhs.prefixLength > rhs.prefixLength : lhs.priority < rhs.priority
        }
    }

    /// Routes in a random order where each route's chance to come first is its share of the weights.
    static func weightedOrder(_ routes: [Route]) -> [Route] {
        var remaining = routes
        var ordered: [Route] = []
        while !remaining.isEmpty {
            let total = remaining.reduce(0) { $0 + $1.weight }
            var pick = Int.random(in: 0..<total)
            let index = remaining.firstIndex { route in
                defer { pick -= route.weight }
                return pick < route.weight
            } ?? 0
            ordered.append(remaining.remove(at: index))
        }
        return ordered
    }
}

/// Consecutive temporary failures per connector; open (skipped) for a cool-off after `tripAfter` in a row.
final class CircuitBreaker: Sendable {
    private struct Entry {
        var failures = 0
        var openUntil: Date?
    }

    private let state = Mutex<[String: Entry]>([:])
    let tripAfter: Int
    let coolOff: Double

    init(tripAfter: Int, coolOff: Double) {
        self.tripAfter = max(1, tripAfter)
        self.coolOff = coolOff
    }

    func isClosed(_ name: String, now: Date) -> Bool {
        state.withLock { entries in
            guard let until = entries[name]?.openUntil else { return true }
            if until <= now {
                // Half-open: let the next attempt try it; one more failure opens it again.
                entries[name]?.openUntil = nil
                entries[name]?.failures = tripAfter - 1
                return true
            }
            return false
        }
    }

    func success(_ name: String) {
        state.withLock { $0[name] = nil }
    }

    func describe(_ name: String, now: Date) -> String {
        let entry = state.withLock { $0[name] } ?? Entry()
        if let until = entry.openUntil {
            return until > now ? "open until \(Timestamp.format(until)) after \(entry.failures) temporary failures in a row" : "half-open: the next attempt tries it"
        }
        return entry.failures == 0 ? "closed" : "closed (\(entry.failures) temporary failure\(entry.failures == 1 ? "" : "s") in a row of \(tripAfter) that open it)"
    }

    func failure(_ name: String, now: Date) {
        state.withLock { entries in
            var entry = entries[name] ?? Entry()
            entry.failures += 1
            if entry.failures >= tripAfter { entry.openUntil = now.addingTimeInterval(coolOff) }
            entries[name] = entry
        }
    }
}
