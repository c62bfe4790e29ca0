/// An SMPP `command_id`. Unknown ids are kept as they are, so a PDU Herald does not know is still answered.
public struct SMPPCommandID: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let genericNack = SMPPCommandID(rawValue: 0x8000_0000)
    public static let bindReceiver = SMPPCommandID(rawValue: 0x0000_0001)
    public static let bindReceiverResp = SMPPCommandID(rawValue: 0x8000_0001)
    public static let bindTransmitter = SMPPCommandID(rawValue: 0x0000_0002)
    public static let bindTransmitterResp = SMPPCommandID(rawValue: 0x8000_0002)
    public static let querySM = SMPPCommandID(rawValue: 0x0000_0003)
    public static let querySMResp = SMPPCommandID(rawValue: 0x8000_0003)
    public static let submitSM = SMPPCommandID(rawValue: 0x0000_0004)
    public static let submitSMResp = SMPPCommandID(rawValue: 0x8000_0004)
    public static let deliverSM = SMPPCommandID(rawValue: 0x0000_0005)
    public static let deliverSMResp = SMPPCommandID(rawValue: 0x8000_0005)
    public static let unbind = SMPPCommandID(rawValue: 0x0000_0006)
    public static let unbindResp = SMPPCommandID(rawValue: 0x8000_0006)
    public static let bindTransceiver = SMPPCommandID(rawValue: 0x0000_0009)
    public static let bindTransceiverResp = SMPPCommandID(rawValue: 0x8000_0009)
    public static let outbind = SMPPCommandID(rawValue: 0x0000_000B)
    public static let enquireLink = SMPPCommandID(rawValue: 0x0000_0015)
    public static let enquireLinkResp = SMPPCommandID(rawValue: 0x8000_0015)
    public static let dataSM = SMPPCommandID(rawValue: 0x0000_0103)
    public static let dataSMResp = SMPPCommandID(rawValue: 0x8000_0103)

    /// Whether this is a response (`_resp` or `generic_nack`).
    public var isResponse: Bool { rawValue & 0x8000_0000 != 0 }
    /// The response id that answers this request.
    public var response: SMPPCommandID { SMPPCommandID(rawValue: rawValue | 0x8000_0000) }

    static let names: [UInt32: String] = [
        0x8000_0000: "generic_nack", 0x01: "bind_receiver", 0x8000_0001: "bind_receiver_resp",
        0x02: "bind_transmitter", 0x8000_0002: "bind_transmitter_resp", 0x03: "query_sm", 0x8000_0003: "query_sm_resp",
        0x04: "submit_sm", 0x8000_0004: "submit_sm_resp", 0x05: "deliver_sm", 0x8000_0005: "deliver_sm_resp",
        0x06: "unbind", 0x8000_0006: "unbind_resp", 0x09: "bind_transceiver", 0x8000_0009: "bind_transceiver_resp",
        0x0B: "outbind", 0x15: "enquire_link", 0x8000_0015: "enquire_link_resp", 0x103: "data_sm", 0x8000_0103: "data_sm_resp",
    ]

    public var description: String {
        Self.names[rawValue] ?? "command 0x" + String(rawValue, radix: 16, uppercase: true)
    }
}
