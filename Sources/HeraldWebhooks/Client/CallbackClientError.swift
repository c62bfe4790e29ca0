import NIOCore

/// Why a callback request got no HTTP status. Its description is what a delivery attempt records as `error`, so it
/// says what happened in words an endpoint's owner can act on.
public struct CallbackClientError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Hashable, Sendable {
        case connectTimeout(String)
        case connectFailed(String, String)
        case timedOut(Int64)
        case closedBeforeResponse(String?)
        case protocolError(String)
        case shutDown
    }

    private let kind: Kind

    private init(_ kind: Kind) { self.kind = kind }

    /// The TCP connection was not established within the connect timeout.
    static func connectTimeout(to endpoint: String) -> Self { Self(.connectTimeout(endpoint)) }
    /// The connection could not be opened (refused, unreachable, TLS handshake failed).
    static func connectFailed(to endpoint: String, _ reason: String) -> Self { Self(.connectFailed(endpoint, reason)) }
    /// No complete response within the per-request timeout.
    static func timedOut(after timeout: TimeAmount) -> Self { Self(.timedOut(timeout.nanoseconds / 1_000_000)) }
    /// The connection closed or failed before any response arrived (`reason`: the I/O error, if one was seen).
    static func closedBeforeResponse(_ reason: String? = nil) -> Self { Self(.closedBeforeResponse(reason)) }
    /// The response was not valid HTTP/1.1 or the connection failed mid-request.
    static func protocolError(_ reason: String) -> Self { Self(.protocolError(reason)) }
    /// The sender is shutting down.
    static let shutDown = Self(.shutDown)

    /// Whether the request never reached a receiver that answered: safe to try once more on a new connection when a
    /// kept-alive connection turned out to be closed by the receiver.
    var isClosedBeforeResponse: Bool {
        if case .closedBeforeResponse = kind { return true }
        return false
    }

    public var description: String {
        switch kind {
        case .connectTimeout(let endpoint): "could not connect to \(endpoint) within the connect timeout"
        case .connectFailed(let endpoint, let reason): "could not connect to \(endpoint): \(reason)"
        case .timedOut(let ms): "no complete response within \(ms) ms (the per-request timeout)"
        case .closedBeforeResponse(nil): "the receiver closed the connection before answering"
        case .closedBeforeResponse(let reason?): "the connection failed before the receiver answered: \(reason)"
        case .protocolError(let reason): "invalid HTTP response: \(reason)"
        case .shutDown: "Herald is shutting down; the callback will be sent again after restart"
        }
    }
}
