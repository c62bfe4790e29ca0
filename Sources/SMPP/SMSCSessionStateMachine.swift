/// The server (SMSC) side of one SMPP session, as a pure state machine.
///
/// Checks that requests arrive in the right bind state, answers enquire_link and unbind, numbers the
/// deliver_sm it sends and matches their responses. The application decides binds (credentials) and
/// answers submit_sm / data_sm / query_sm.
public struct SMSCSessionStateMachine: Sendable {
    public enum Action: Sendable, Hashable {
        case send(SMPPPDU)
        /// A bind request: answer with ``bindDecided(_:status:systemID:)``.
        case authenticate(SMPPBindType, SMPPBind, sequenceNumber: UInt32)
        /// A request from a bound client (submit_sm, data_sm, query_sm): the application answers it.
        case request(SMPPPDU)
        /// The client answered a deliver_sm / data_sm this side sent.
        case answered(sequenceNumber: UInt32, status: SMPPCommandStatus)
        case close(reason: String)
    }

    public enum State: Sendable, Hashable {
        case open
        case bound(SMPPBindType, systemID: String)
        case closed
    }

    public private(set) var state: State = .open
    private var nextSequence: UInt32 = 1

    public init() {}

    public var bindType: SMPPBindType? {
        if case .bound(let type, _) = state { return type }
        return nil
    }

    public mutating func received(_ pdu: SMPPPDU) -> [Action] {
        switch (state, pdu.commandID) {
        case (.open, .bindTransmitter), (.open, .bindReceiver), (.open, .bindTransceiver):
            guard case .bind(let bind) = pdu.body, let type = SMPPBindType(commandID: pdu.commandID) else { return [] }
            return [.authenticate(type, bind, sequenceNumber: pdu.sequenceNumber)]
        case (.bound, .bindTransmitter), (.bound, .bindReceiver), (.bound, .bindTransceiver):
            return [.send(pdu.response(status: .alreadyBound))]
        case (_, .enquireLink):
            return [.send(pdu.response())]
        case (_, .unbind):
            state = .closed
            return [.send(pdu.response()), .close(reason: "client unbound")]
        case (.bound(let type, _), .submitSM), (.bound(let type, _), .dataSM), (.bound(let type, _), .querySM):
            guard type.canSubmit || pdu.commandID == .dataSM else { return [.send(pdu.response(status: .invalidBindStatus))] }
            return [.request(pdu)]
        case (.open, .submitSM), (.open, .dataSM), (.open, .querySM):
            return [.send(pdu.response(status: .invalidBindStatus))]
        case (_, .deliverSMResp), (_, .dataSMResp), (_, .genericNack):
            return [.answered(sequenceNumber: pdu.sequenceNumber, status: pdu.status)]
        case (_, let command) where command.isResponse:
            return []
        default:
            return [.send(.genericNack(status: .invalidCommandID, sequenceNumber: pdu.sequenceNumber))]
        }
    }

    /// The application's verdict on a bind.
    public mutating func bindDecided(_ type: SMPPBindType, status: SMPPCommandStatus, sequenceNumber: UInt32, systemID: String, clientSystemID: String) -> [Action] {
        let response = SMPPPDU(commandID: type.commandID.response, status: status, sequenceNumber: sequenceNumber,
                               body: .bindResponse(systemID: status == .ok ? systemID : "", tlvs: status == .ok ? [.uint8(.scInterfaceVersion, 0x34)] : []))
        guard status == .ok else {
            state = .closed
            return [.send(response), .close(reason: "bind refused: \(status)")]
        }
        state = .bound(type, systemID: clientSystemID)
        return [.send(response)]
    }

    /// Numbers an outbound deliver_sm / data_sm. `nil` when the session cannot receive them.
    public mutating func outbound(_ pdu: SMPPPDU) -> SMPPPDU? {
        guard let type = bindType, type.canReceive else { return nil }
        var pdu = pdu
        pdu.sequenceNumber = nextSequence
        nextSequence = nextSequence >= 0x7FFF_FFFF ? 1 : nextSequence + 1
        return pdu
    }
}
