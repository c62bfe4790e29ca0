import NIOHTTP1

/// The life of one HTTP/1.1 keep-alive connection that carries callbacks, one request at a time, without I/O.
///
/// ``CallbackConnectionHandler`` feeds it what happens on the channel and executes the ``Action`` it returns, as
/// postgres-nio's `ConnectionStateMachine` and `PostgresChannelHandler` divide the work. A connection is reusable only
/// after a complete response that allowed keep-alive; anything else ends it.
struct CallbackConnectionStateMachine: Sendable {
    enum State: Sendable, Equatable {
        /// Connected, no request running: the pool may hand it out.
        case idle
        /// A request was written; no final response head yet (1xx interim responses are skipped).
        case awaitingHead
        /// A final head arrived; its body is being read and dropped.
        case receivingBody(status: HTTPResponseStatus, keepAlive: Bool)
        case closed
    }

    enum Action: Sendable, Equatable {
        /// Write the request and arm its timeout.
        case sendRequest
        /// Complete the request with the status; close the connection unless it is reusable.
        case succeed(HTTPResponseStatus, reusable: Bool)
        /// Fail the request; close the connection if it is still open.
        case fail(CallbackClientError, closeConnection: Bool)
        /// No request is waiting, but the connection cannot be used any more.
        case closeConnection
        case none
    }

    private(set) var state: State = .idle

    mutating func requestStarted() -> Action {
        switch state {
        case .idle:
            state = .awaitingHead
            return .sendRequest
        case .closed:
            return .fail(.closedBeforeResponse(), closeConnection: false)
        case .awaitingHead, .receivingBody:
            // The pool hands a connection to one request at a time; reaching this is a bug, failed loudly but safely.
            return .fail(.protocolError("a second request on a busy connection"), closeConnection: false)
        }
    }

    mutating func headReceived(_ head: HTTPResponseHead) -> Action {
        switch state {
        case .awaitingHead:
            if head.status.code >= 100, head.status.code < 200, head.status != .switchingProtocols { return .none }
            state = .receivingBody(status: head.status, keepAlive: head.isKeepAlive)
            return .none
        case .idle:
            // A response nobody asked for: the connection's framing can no longer be trusted.
            state = .closed
            return .closeConnection
        case .receivingBody:
            state = .closed
            return .fail(.protocolError("a second response head before the end of the first"), closeConnection: true)
        case .closed:
            return .none
        }
    }

    mutating func endReceived() -> Action {
        switch state {
        case .receivingBody(let status, let keepAlive):
            state = keepAlive ? .idle : .closed
            return .succeed(status, reusable: keepAlive)
        case .awaitingHead, .idle, .closed:
            // The end of an interim (1xx) response, or nothing to end.
            return .none
        }
    }

    mutating func timedOut(_ error: CallbackClientError) -> Action {
        switch state {
        case .awaitingHead, .receivingBody:
            state = .closed
            return .fail(error, closeConnection: true)
        case .idle, .closed:
            return .none
        }
    }

    mutating func connectionClosed() -> Action {
        let previous = state
        state = .closed
        switch previous {
        case .awaitingHead:
            return .fail(.closedBeforeResponse(), closeConnection: false)
        case .receivingBody:
            return .fail(.protocolError("the receiver closed the connection in the middle of the response"), closeConnection: false)
        case .idle, .closed:
            return .none
        }
    }

    mutating func errorCaught(_ description: String) -> Action {
        let previous = state
        state = .closed
        switch previous {
        case .awaitingHead:
            // Nothing was answered yet (a reset on a stale kept-alive connection, a failed TLS handshake).
            return .fail(.closedBeforeResponse(description), closeConnection: true)
        case .receivingBody:
            return .fail(.protocolError(description), closeConnection: true)
        case .idle:
            return .closeConnection
        case .closed:
            return .none
        }
    }
}
