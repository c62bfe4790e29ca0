import NIOCore
import SMPP
import Testing

@Suite("ESME session state machine (no sockets)")
struct ESMESessionStateMachineTests {
    typealias Machine = ESMESessionStateMachine
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    func boundMachine(window: Int = 2) -> Machine {
        var machine = Machine(configuration: .init(
            bindType: .transceiver, bind: SMPPBind(systemID: "herald", password: "pw"), window: window,
            responseTimeout: .seconds(5), queueTimeout: .seconds(20), enquireLinkInterval: .seconds(30), throttlePause: .seconds(1)
        ))
        let actions = machine.connected(now: t0)
        guard case .send(let bind) = actions.first else { Issue.record("no bind sent"); return machine }
        _ = machine.received(SMPPPDU(commandID: .bindTransceiverResp, sequenceNumber: bind.sequenceNumber, body: .bindResponse(systemID: "SMSC", tlvs: [])), now: t0)
        return machine
    }

    func submit() -> SMPPPDU { .submitSM(SMPPShortMessage(source: .init(), destination: .international("447400123123")), sequenceNumber: 0) }

    func sent(_ actions: [Machine.Action]) -> [SMPPPDU] {
        actions.compactMap { if case .send(let pdu) = $0 { pdu } else { nil } }
    }

    @Test("Connecting sends a bind; its response binds the session")
    func bind() {
        var machine = Machine(configuration: .init(bindType: .transceiver, bind: SMPPBind(systemID: "herald", password: "pw")))
        let actions = machine.connected(now: t0)
        #expect(sent(actions).map(\.commandID) == [.bindTransceiver])
        let response = SMPPPDU(commandID: .bindTransceiverResp, sequenceNumber: sent(actions)[0].sequenceNumber, body: .bindResponse(systemID: "SMSC", tlvs: []))
        #expect(machine.received(response, now: t0) == [.bound(systemID: "SMSC")])
        #expect(machine.isBound)
    }

    @Test("A refused bind closes the session with the status")
    func bindRefused() {
        var machine = Machine(configuration: .init(bindType: .transmitter, bind: SMPPBind(systemID: "herald", password: "bad")))
        let bind = sent(machine.connected(now: t0))[0]
        let actions = machine.received(SMPPPDU(commandID: .bindTransmitterResp, status: .invalidPassword, sequenceNumber: bind.sequenceNumber, body: .bindResponse(systemID: "", tlvs: [])), now: t0)
        #expect(actions == [.close(reason: "bind refused: ESME_RINVPASWD", error: .bindRejected(.invalidPassword))])
    }

    @Test("Requests before the bind fail at once as not bound")
    func notBound() {
        var machine = Machine(configuration: .init(bindType: .transceiver, bind: SMPPBind(systemID: "herald", password: "pw")))
        #expect(machine.request(1, submit(), now: t0) == [.complete(1, .failure(.notBound))])
    }

    @Test("The window holds N outstanding submits; the next waits until a response frees a slot")
    func window() {
        var machine = boundMachine(window: 2)
        let first = sent(machine.request(1, submit(), now: t0))
        let second = sent(machine.request(2, submit(), now: t0))
        #expect(first.count == 1 && second.count == 1)
        #expect(sent(machine.request(3, submit(), now: t0)).isEmpty)
        #expect(machine.queuedCount == 1)
        let response = SMPPPDU(commandID: .submitSMResp, sequenceNumber: first[0].sequenceNumber, body: .messageID("abc", tlvs: []))
        let actions = machine.received(response, now: t0)
        #expect(actions.first == .complete(1, .success(response)))
        #expect(sent(actions).count == 1)
        #expect(machine.outstandingCount == 2 && machine.queuedCount == 0)
        #expect(Set([first[0].sequenceNumber, second[0].sequenceNumber, sent(actions)[0].sequenceNumber]).count == 3)
    }

    @Test("A submit without a response times out; a queued one gives up after the queue timeout")
    func timeouts() {
        var machine = boundMachine(window: 1)
        _ = machine.request(1, submit(), now: t0)
        _ = machine.request(2, submit(), now: t0)
        let later = machine.tick(now: t0 + .seconds(6))
        #expect(later.contains(.complete(1, .failure(.responseTimeout))))
        // The freed slot sends request 2.
        #expect(sent(later).count == 1)
        var queued = boundMachine(window: 1)
        _ = queued.request(1, submit(), now: t0)
        _ = queued.request(2, submit(), now: t0)
        let actions = queued.tick(now: t0 + .seconds(21))
        #expect(actions.contains(.complete(2, .failure(.windowQueueTimeout))))
    }

    @Test("ESME_RTHROTTLED pauses sending for the throttle pause, then the queue resumes")
    func throttled() {
        var machine = boundMachine(window: 1)
        let first = sent(machine.request(1, submit(), now: t0))[0]
        _ = machine.request(2, submit(), now: t0)
        let response = SMPPPDU(commandID: .submitSMResp, status: .throttled, sequenceNumber: first.sequenceNumber, body: .messageID("", tlvs: []))
        let actions = machine.received(response, now: t0)
        #expect(actions == [.complete(1, .success(response))])
        #expect(sent(machine.tick(now: t0 + .milliseconds(500))).isEmpty)
        #expect(sent(machine.tick(now: t0 + .milliseconds(1001))).map(\.commandID) == [.submitSM])
    }

    @Test("Idle link: enquire_link after the interval; unanswered, the session closes as dead")
    func keepAlive() {
        var machine = boundMachine()
        #expect(sent(machine.tick(now: t0 + .seconds(10))).isEmpty)
        let probe = sent(machine.tick(now: t0 + .seconds(31)))
        #expect(probe.map(\.commandID) == [.enquireLink])
        let dead = machine.tick(now: t0 + .seconds(37))
        #expect(dead.last == .close(reason: "enquire_link unanswered: dead link", error: .responseTimeout))
    }

    @Test("An answered enquire_link keeps the session")
    func keepAliveAnswered() {
        var machine = boundMachine()
        let probe = sent(machine.tick(now: t0 + .seconds(31)))[0]
        _ = machine.received(SMPPPDU(commandID: .enquireLinkResp, sequenceNumber: probe.sequenceNumber, body: .empty), now: t0 + .seconds(32))
        #expect(!machine.tick(now: t0 + .seconds(40)).contains { if case .close = $0 { true } else { false } })
        #expect(machine.isBound)
    }

    @Test("The SMSC's enquire_link is answered; deliver_sm is handed to the application")
    func inbound() {
        var machine = boundMachine()
        #expect(sent(machine.received(.enquireLink(sequenceNumber: 77), now: t0)) == [SMPPPDU(commandID: .enquireLinkResp, sequenceNumber: 77, body: .empty)])
        let deliver = SMPPPDU.deliverSM(SMPPShortMessage(source: .init(), destination: .init(), esmClass: 4), sequenceNumber: 78)
        #expect(machine.received(deliver, now: t0) == [.inbound(deliver)])
    }

    @Test("A lost connection fails every outstanding and queued request")
    func connectionLost() {
        var machine = boundMachine(window: 1)
        _ = machine.request(1, submit(), now: t0)
        _ = machine.request(2, submit(), now: t0)
        #expect(machine.connectionClosed() == [
            .complete(1, .failure(.connectionClosed("connection lost"))), .complete(2, .failure(.connectionClosed("connection lost"))),
        ])
    }

    @Test("Unbind: queued requests fail, unbind is sent, unbind_resp closes")
    func unbind() {
        var machine = boundMachine(window: 1)
        _ = machine.request(1, submit(), now: t0)
        _ = machine.request(2, submit(), now: t0)
        let actions = machine.unbind(now: t0)
        #expect(actions.first == .complete(2, .failure(.connectionClosed("shutting down"))))
        let unbind = sent(actions)[0]
        #expect(unbind.commandID == .unbind)
        let closing = machine.received(SMPPPDU(commandID: .unbindResp, sequenceNumber: unbind.sequenceNumber, body: .empty), now: t0)
        #expect(closing.last == .close(reason: "unbound", error: nil))
    }

    @Test("Unknown requests get generic_nack ESME_RINVCMDID")
    func unknownCommand() {
        var machine = boundMachine()
        let odd = SMPPPDU(commandID: SMPPCommandID(rawValue: 0x0102), sequenceNumber: 5, body: .raw([]))
        #expect(sent(machine.received(odd, now: t0)) == [.genericNack(status: .invalidCommandID, sequenceNumber: 5)])
    }
}
