import HeraldConnectors
import HeraldCore

/// The connectors Herald can dispatch to, and the routes that choose one per message.
///
/// A route names a channel, an optional destination prefix and a connector; the longest matching prefix
/// wins. Without a matching route the first connector that carries the channel is used. Priorities,
/// weights and failover (issue 4) extend ``connector(for:to:)``; the dispatch path already asks it per message.
public struct ConnectorRegistry: Sendable {
    /// One routing rule.
    public struct Route: Sendable, Hashable {
        public var channel: Channel
        /// Destination prefix (`+44`, `+1415`); empty matches everything.
        public var prefix: String
        public var connector: String

        public init(channel: Channel, prefix: String = "", connector: String) {
            self.channel = channel
            self.prefix = prefix
            self.connector = connector
        }
    }

    public let connectors: [any Connector]
    public let routes: [Route]

    public init(_ connectors: [any Connector], routes: [Route] = []) {
        self.connectors = connectors
        self.routes = routes.sorted { $0.prefix.count > $1.prefix.count }
    }

    /// The first connector that carries the channel.
    public func connector(for channel: Channel) -> (any Connector)? {
        connectors.first { $0.channels.contains(channel) }
    }

    /// The connector of the longest matching route, else the first that carries the channel.
    public func connector(for channel: Channel, to recipient: String) -> (any Connector)? {
        for route in routes where route.channel == channel && recipient.hasPrefix(route.prefix) {
            if let connector = connectors.first(where: { $0.name == route.connector }) { return connector }
        }
        return connector(for: channel)
    }
}
