@testable import HeraldWebhooks
import NIOHTTP1
import Testing

@Suite("Callback connection state machine")
struct CallbackConnectionStateMachineTests {
    private func head(_ status: HTTPResponseStatus, _ headers: [(String, String)] = []) -> HTTPResponseHead {
        HTTPResponseHead(version: .http1_1, status: status, headers: HTTPHeaders(headers))
    }

    @Test("a keep-alive response leaves the connection reusable for the next request")
    func keepAlive() {
        var machine = CallbackConnectionStateMachine()
        #expect(machine.requestStarted() == .sendRequest)
        #expect(machine.headReceived(head(.noContent)) == .none)
        #expect(machine.endReceived() == .succeed(.noContent, reusable: true))
        #expect(machine.state == .idle)
        #expect(machine.requestStarted() == .sendRequest)
    }

    @Test("Connection: close and HTTP/1.0 responses end the connection after the response")
    func connectionClose() {
        var machine = CallbackConnectionStateMachine()
        _ = machine.requestStarted()
        _ = machine.headReceived(head(.ok, [("Connection", "close")]))
        #expect(machine.endReceived() == .succeed(.ok, reusable: false))
        #expect(machine.state == .closed)
        #expect(machine.requestStarted() == .fail(.closedBeforeResponse(), closeConnection: false))

        var old = CallbackConnectionStateMachine()
        _ = old.requestStarted()
        _ = old.headReceived(HTTPResponseHead(version: .http1_0, status: .ok))
        #expect(old.endReceived() == .succeed(.ok, reusable: false))
    }

    @Test("interim 1xx responses are skipped; the final status counts")
    func interim() {
        var machine = CallbackConnectionStateMachine()
        _ = machine.requestStarted()
        #expect(machine.headReceived(head(.continue)) == .none)
        #expect(machine.endReceived() == .none)
        #expect(machine.state == .awaitingHead)
        _ = machine.headReceived(head(.accepted))
        #expect(machine.endReceived() == .succeed(.accepted, reusable: true))
    }

    @Test("a redirect is a final status like any other: not followed")
    func redirect() {
        var machine = CallbackConnectionStateMachine()
        _ = machine.requestStarted()
        _ = machine.headReceived(head(.found, [("Location", "http://169.254.169.254/")]))
        #expect(machine.endReceived() == .succeed(.found, reusable: true))
    }

    @Test("a timeout fails the request and closes the connection, whether or not a head arrived")
    func timeout() {
        var waiting = CallbackConnectionStateMachine()
        _ = waiting.requestStarted()
        #expect(waiting.timedOut(.timedOut(after: .seconds(5))) == .fail(.timedOut(after: .seconds(5)), closeConnection: true))
        #expect(waiting.state == .closed)

        var reading = CallbackConnectionStateMachine()
        _ = reading.requestStarted()
        _ = reading.headReceived(head(.ok))
        #expect(reading.timedOut(.timedOut(after: .seconds(5))) == .fail(.timedOut(after: .seconds(5)), closeConnection: true))

        var idle = CallbackConnectionStateMachine()
        #expect(idle.timedOut(.timedOut(after: .seconds(5))) == .none)
    }

    @Test("a close before the head may be retried on a new connection; a close mid-body may not")
    func closes() {
        var early = CallbackConnectionStateMachine()
        _ = early.requestStarted()
        let action = early.connectionClosed()
        #expect(action == .fail(.closedBeforeResponse(), closeConnection: false))
        if case .fail(let error, _) = action { #expect(error.isClosedBeforeResponse) }

        var late = CallbackConnectionStateMachine()
        _ = late.requestStarted()
        _ = late.headReceived(head(.ok))
        guard case .fail(let error, closeConnection: false) = late.connectionClosed() else {
            Issue.record("a close mid-body must fail the request")
            return
        }
        #expect(!error.isClosedBeforeResponse)

        var reset = CallbackConnectionStateMachine()
        _ = reset.requestStarted()
        guard case .fail(let resetError, closeConnection: true) = reset.errorCaught("Connection reset by peer") else {
            Issue.record("an error before the head must fail the request and close")
            return
        }
        #expect(resetError.isClosedBeforeResponse)
        #expect(resetError.description.contains("Connection reset by peer"))
    }

    @Test("a response nobody asked for ends the connection")
    func unsolicited() {
        var machine = CallbackConnectionStateMachine()
        #expect(machine.headReceived(head(.ok)) == .closeConnection)
        #expect(machine.state == .closed)
    }
}
