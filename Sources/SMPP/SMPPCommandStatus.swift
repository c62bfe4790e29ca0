/// An SMPP `command_status` (the error code of a response).
public struct SMPPCommandStatus: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    public static let ok = SMPPCommandStatus(0x00)
    public static let invalidMessageLength = SMPPCommandStatus(0x01)
    public static let invalidCommandLength = SMPPCommandStatus(0x02)
    public static let invalidCommandID = SMPPCommandStatus(0x03)
    public static let invalidBindStatus = SMPPCommandStatus(0x04)
    public static let alreadyBound = SMPPCommandStatus(0x05)
    public static let invalidPriorityFlag = SMPPCommandStatus(0x06)
    public static let invalidRegisteredDelivery = SMPPCommandStatus(0x07)
    public static let systemError = SMPPCommandStatus(0x08)
    public static let invalidSourceAddress = SMPPCommandStatus(0x0A)
    public static let invalidDestinationAddress = SMPPCommandStatus(0x0B)
    public static let invalidMessageID = SMPPCommandStatus(0x0C)
    public static let bindFailed = SMPPCommandStatus(0x0D)
    public static let invalidPassword = SMPPCommandStatus(0x0E)
    public static let invalidSystemID = SMPPCommandStatus(0x0F)
    public static let messageQueueFull = SMPPCommandStatus(0x14)
    public static let invalidServiceType = SMPPCommandStatus(0x15)
    public static let submitFailed = SMPPCommandStatus(0x45)
    public static let invalidSourceTON = SMPPCommandStatus(0x48)
    public static let invalidDestinationTON = SMPPCommandStatus(0x50)
    public static let invalidSystemType = SMPPCommandStatus(0x53)
    public static let throttled = SMPPCommandStatus(0x58)
    public static let invalidScheduleTime = SMPPCommandStatus(0x61)
    public static let invalidValidityPeriod = SMPPCommandStatus(0x62)
    public static let receiverTemporaryError = SMPPCommandStatus(0x64)
    public static let receiverPermanentError = SMPPCommandStatus(0x65)
    public static let receiverRejected = SMPPCommandStatus(0x66)
    public static let queryFailed = SMPPCommandStatus(0x67)
    public static let invalidOptionalParameter = SMPPCommandStatus(0xC0)
    public static let optionalParameterNotAllowed = SMPPCommandStatus(0xC1)
    public static let invalidParameterLength = SMPPCommandStatus(0xC2)
    public static let missingOptionalParameter = SMPPCommandStatus(0xC3)
    public static let invalidOptionalParameterValue = SMPPCommandStatus(0xC4)
    public static let deliveryFailure = SMPPCommandStatus(0xFE)
    public static let unknownError = SMPPCommandStatus(0xFF)

    /// Whether the same PDU may succeed later (Kannel's rule: queue full, throttled, system error and the
    /// receiver's temporary application error), plus "not bound", which only means this session was not ready.
    /// Everything else is a refusal of this message.
    public var isTemporary: Bool {
        switch self {
        case .messageQueueFull, .throttled, .systemError, .receiverTemporaryError, .invalidBindStatus: true
        default: false
        }
    }

    /// Whether the SMSC asks the client to slow down.
    public var asksToSlowDown: Bool { self == .throttled || self == .messageQueueFull }

    static let names: [UInt32: String] = [
        0x00: "ESME_ROK", 0x01: "ESME_RINVMSGLEN", 0x02: "ESME_RINVCMDLEN", 0x03: "ESME_RINVCMDID", 0x04: "ESME_RINVBNDSTS",
        0x05: "ESME_RALYBND", 0x06: "ESME_RINVPRTFLG", 0x07: "ESME_RINVREGDLVFLG", 0x08: "ESME_RSYSERR", 0x0A: "ESME_RINVSRCADR",
        0x0B: "ESME_RINVDSTADR", 0x0C: "ESME_RINVMSGID", 0x0D: "ESME_RBINDFAIL", 0x0E: "ESME_RINVPASWD", 0x0F: "ESME_RINVSYSID",
        0x14: "ESME_RMSGQFUL", 0x15: "ESME_RINVSERTYP", 0x45: "ESME_RSUBMITFAIL", 0x48: "ESME_RINVSRCTON",
        0x50: "ESME_RINVDSTTON", 0x53: "ESME_RINVSYSTYP", 0x58: "ESME_RTHROTTLED", 0x61: "ESME_RINVSCHED",
        0x62: "ESME_RINVEXPIRY", 0x64: "ESME_RX_T_APPN", 0x65: "ESME_RX_P_APPN", 0x66: "ESME_RX_R_APPN",
        0x67: "ESME_RQUERYFAIL", 0xC0: "ESME_RINVOPTPARSTREAM", 0xC1: "ESME_ROPTPARNOTALLWD", 0xC2: "ESME_RINVPARLEN",
        0xC3: "ESME_RMISSINGOPTPARAM", 0xC4: "ESME_RINVOPTPARAMVAL", 0xFE: "ESME_RDELIVERYFAILURE", 0xFF: "ESME_RUNKNOWNERR",
    ]

    /// The specification's name (`ESME_RTHROTTLED`), or the hex value for vendor codes.
    public var description: String {
        Self.names[rawValue] ?? "0x" + String(rawValue, radix: 16, uppercase: true)
    }
}
