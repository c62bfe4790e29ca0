import HeraldConnectors
import HeraldCore

/// The connectors Herald can dispatch to, and which one carries each channel.
///
/// Routing by destination, priority and weight (issue 4) replaces ``connector(for:)``; the dispatch
/// path already asks it per message.
public struct ConnectorRegistry: Sendable {
    public let connectors: [any Connector]

    public init(_ connectors: [any Connector]) {
        self.connectors = connectors
    }

    /// The first connector that carries the channel.
    public func connector(for channel: Channel) -> (any Connector)? {
        connectors.first { $0.channels.contains(channel) }
    }
}
