/// One SMPP 3.4 protocol data unit: the 16-octet header and a typed body.
public struct SMPPPDU: Sendable, Hashable {
    public var commandID: SMPPCommandID
    public var status: SMPPCommandStatus
    public var sequenceNumber: UInt32
    public var body: Body

    public init(commandID: SMPPCommandID, status: SMPPCommandStatus = .ok, sequenceNumber: UInt32, body: Body) {
        self.commandID = commandID
        self.status = status
        self.sequenceNumber = sequenceNumber
        self.body = body
    }

    /// The body of a PDU; the command id says which command it belongs to.
    public enum Body: Sendable, Hashable {
        /// `bind_transmitter`, `bind_receiver`, `bind_transceiver`.
        case bind(SMPPBind)
        /// The three `bind_*_resp` (the system id is empty when the bind failed).
        case bindResponse(systemID: String, tlvs: [SMPPTLV])
        case outbind(systemID: String, password: String)
        /// `submit_sm` and `deliver_sm`.
        case shortMessage(SMPPShortMessage)
        case dataSM(SMPPDataSM)
        /// `submit_sm_resp`, `deliver_sm_resp` and `data_sm_resp` (TLVs only in `data_sm_resp`).
        case messageID(String, tlvs: [SMPPTLV])
        case querySM(SMPPQuery)
        case querySMResponse(SMPPQueryResponse)
        /// `enquire_link(_resp)`, `unbind(_resp)`, `generic_nack`.
        case empty
        /// A command this library does not model; its body is kept as octets.
        case raw([UInt8])
    }

    // MARK: Constructors for the common PDUs

    public static func bind(_ type: SMPPBindType, _ bind: SMPPBind, sequenceNumber: UInt32) -> SMPPPDU {
        SMPPPDU(commandID: type.commandID, sequenceNumber: sequenceNumber, body: .bind(bind))
    }

    public static func submitSM(_ message: SMPPShortMessage, sequenceNumber: UInt32) -> SMPPPDU {
        SMPPPDU(commandID: .submitSM, sequenceNumber: sequenceNumber, body: .shortMessage(message))
    }

    public static func deliverSM(_ message: SMPPShortMessage, sequenceNumber: UInt32) -> SMPPPDU {
        SMPPPDU(commandID: .deliverSM, sequenceNumber: sequenceNumber, body: .shortMessage(message))
    }

    public static func enquireLink(sequenceNumber: UInt32) -> SMPPPDU {
        SMPPPDU(commandID: .enquireLink, sequenceNumber: sequenceNumber, body: .empty)
    }

    public static func unbind(sequenceNumber: UInt32) -> SMPPPDU {
        SMPPPDU(commandID: .unbind, sequenceNumber: sequenceNumber, body: .empty)
    }

    public static func genericNack(status: SMPPCommandStatus, sequenceNumber: UInt32) -> SMPPPDU {
        SMPPPDU(commandID: .genericNack, status: status, sequenceNumber: sequenceNumber, body: .empty)
    }

    /// The response to this request with the given status and the body its command expects.
    public func response(status: SMPPCommandStatus = .ok, messageID: String = "", systemID: String = "") -> SMPPPDU {
        let body: Body
        switch commandID {
        case .bindTransmitter, .bindReceiver, .bindTransceiver: body = .bindResponse(systemID: systemID, tlvs: [])
        case .submitSM, .deliverSM, .dataSM: body = .messageID(messageID, tlvs: [])
        default: body = .empty
        }
        return SMPPPDU(commandID: commandID.response, status: status, sequenceNumber: sequenceNumber, body: body)
    }

    /// The short-message body of a `submit_sm` or `deliver_sm`.
    public var shortMessage: SMPPShortMessage? {
        if case .shortMessage(let message) = body { return message }
        return nil
    }

    /// The message id of a `submit_sm_resp` / `data_sm_resp`.
    public var messageID: String? {
        if case .messageID(let id, _) = body { return id }
        return nil
    }
}
