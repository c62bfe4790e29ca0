import HeraldCore
import SMPP
import SMSText

/// Everything one SMPP connector needs: where the SMSC is, how to bind, how fast to go, how to write
/// messages, and how to read its ids and receipts. Read from the `connectors` list of the config file.
public struct SMPPConnectorConfiguration: Sendable, Hashable {
    /// How the connector binds.
    public enum BindMode: String, Sendable, Hashable, Codable {
        /// One session both ways.
        case transceiver
        /// A transmitter and a receiver session per bind.
        case transmitterAndReceiver = "transmitter+receiver"
    }

    public var name: String
    public var host: String
    public var port: Int
    public var systemID: String
    public var password: String
    public var systemType: String
    public var bindMode: BindMode
    /// Number of binds (each a transceiver, or a transmitter + receiver pair).
    public var binds: Int
    /// Outstanding submit_sm per session.
    public var window: Int
    /// Submits per second across all binds; 0 is unlimited.
    public var throughput: Double
    public var responseTimeout: Duration
    public var enquireLinkInterval: Duration
    public var reconnectDelay: ClosedRange<Double>
    /// How long a submit waits for a bound session before it is deferred.
    public var bindWait: Duration
    /// Alphabets this SMSC accepts; the smallest that fits each part is used.
    public var alphabets: Set<SMSAlphabet>
    public var concatenation: SMPPConcatenation
    /// How the SMSC writes ids in submit_sm_resp, and in receipts.
    public var submitIDFormat: MessageIDFormat
    public var receiptIDFormat: MessageIDFormat
    public var receiptProfile: ReceiptProfile
    /// `registered_delivery`: 1 asks for a final receipt; 17 adds intermediate notifications.
    public var registeredDelivery: UInt8
    public var serviceType: String
    /// Send `validity_period` from the message's validity.
    public var sendValidity: Bool
    /// Source address used when a message has no sender.
    public var defaultSender: String
    /// The SMSC's clock offset from UTC in seconds, for receipt dates (which carry no zone).
    public var receiptTimeZoneOffset: Int = 0

    public init(
        name: String, host: String = "127.0.0.1", port: Int = 2775, systemID: String, password: String, systemType: String = "",
        bindMode: BindMode = .transceiver, binds: Int = 1, window: Int = 10, throughput: Double = 0,
        responseTimeout: Duration = .seconds(10), enquireLinkInterval: Duration = .seconds(30), reconnectDelay: ClosedRange<Double> = 0.5...30,
        bindWait: Duration = .seconds(5), alphabets: Set<SMSAlphabet> = [.gsm7, .ucs2], concatenation: SMPPConcatenation = .udh8,
        submitIDFormat: MessageIDFormat = .auto, receiptIDFormat: MessageIDFormat = .auto, receiptProfile: ReceiptProfile = .standard,
        registeredDelivery: UInt8 = 1, serviceType: String = "", sendValidity: Bool = true, defaultSender: String = "Herald"
    ) {
        self.name = name
        self.host = host
        self.port = port
        self.systemID = systemID
        self.password = password
        self.systemType = systemType
        self.bindMode = bindMode
        self.binds = max(1, binds)
        self.window = max(1, window)
        self.throughput = max(0, throughput)
        self.responseTimeout = responseTimeout
        self.enquireLinkInterval = enquireLinkInterval
        self.reconnectDelay = reconnectDelay
        self.bindWait = bindWait
        self.alphabets = alphabets
        self.concatenation = concatenation
        self.submitIDFormat = submitIDFormat
        self.receiptIDFormat = receiptIDFormat
        self.receiptProfile = receiptProfile
        self.registeredDelivery = registeredDelivery
        self.serviceType = serviceType
        self.sendValidity = sendValidity
        self.defaultSender = defaultSender
    }
}
