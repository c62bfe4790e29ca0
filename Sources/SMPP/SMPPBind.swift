/// The body of `bind_transmitter`, `bind_receiver` and `bind_transceiver`.
public struct SMPPBind: Sendable, Hashable {
    public var systemID: String
    public var password: String
    public var systemType: String
    public var interfaceVersion: UInt8
    public var addressRange: SMPPAddress

    public init(systemID: String, password: String, systemType: String = "", interfaceVersion: UInt8 = 0x34, addressRange: SMPPAddress = SMPPAddress()) {
        self.systemID = systemID
        self.password = password
        self.systemType = systemType
        self.interfaceVersion = interfaceVersion
        self.addressRange = addressRange
    }
}

/// Which direction a session carries.
public enum SMPPBindType: String, Sendable, Hashable, Codable, CaseIterable {
    case transmitter, receiver, transceiver

    public var commandID: SMPPCommandID {
        switch self {
        case .transmitter: .bindTransmitter
        case .receiver: .bindReceiver
        case .transceiver: .bindTransceiver
        }
    }

    public init?(commandID: SMPPCommandID) {
        switch commandID {
        case .bindTransmitter: self = .transmitter
        case .bindReceiver: self = .receiver
        case .bindTransceiver: self = .transceiver
        default: return nil
        }
    }

    /// Whether the session may submit messages.
    public var canSubmit: Bool { self != .receiver }
    /// Whether the session receives deliver_sm (receipts and inbound messages).
    public var canReceive: Bool { self != .transmitter }
}
