/// The body shared by `submit_sm` and `deliver_sm`.
public struct SMPPShortMessage: Sendable, Hashable {
    public var serviceType: String
    public var source: SMPPAddress
    public var destination: SMPPAddress
    public var esmClass: UInt8
    public var protocolID: UInt8
    public var priorityFlag: UInt8
    public var scheduleDeliveryTime: String
    public var validityPeriod: String
    public var registeredDelivery: UInt8
    public var replaceIfPresent: UInt8
    public var dataCoding: UInt8
    public var defaultMessageID: UInt8
    public var shortMessage: [UInt8]
    public var tlvs: [SMPPTLV]

    public init(
        serviceType: String = "", source: SMPPAddress, destination: SMPPAddress, esmClass: UInt8 = 0, protocolID: UInt8 = 0,
        priorityFlag: UInt8 = 0, scheduleDeliveryTime: String = "", validityPeriod: String = "", registeredDelivery: UInt8 = 0,
        replaceIfPresent: UInt8 = 0, dataCoding: UInt8 = 0, defaultMessageID: UInt8 = 0, shortMessage: [UInt8] = [], tlvs: [SMPPTLV] = []
    ) {
        self.serviceType = serviceType
        self.source = source
        self.destination = destination
        self.esmClass = esmClass
        self.protocolID = protocolID
        self.priorityFlag = priorityFlag
        self.scheduleDeliveryTime = scheduleDeliveryTime
        self.validityPeriod = validityPeriod
        self.registeredDelivery = registeredDelivery
        self.replaceIfPresent = replaceIfPresent
        self.dataCoding = dataCoding
        self.defaultMessageID = defaultMessageID
        self.shortMessage = shortMessage
        self.tlvs = tlvs
    }

    /// `esm_class` bit 6: the short message starts with a user data header.
    public static let udhIndicator: UInt8 = 0x40

    /// Whether `esm_class` marks this `deliver_sm` as a delivery receipt, delivery acknowledgement or
    /// intermediate notification rather than an inbound message.
    public var isReceipt: Bool {
        let type = esmClass & 0x3C
        return type == 0x04 || type == 0x08 || type == 0x10 || type == 0x20
    }

    /// The user data: `message_payload` when present, else `short_message` without its user data header.
    public var userData: [UInt8] {
        if let payload = tlvs[.messagePayload] { return payload.value }
        if esmClass & Self.udhIndicator != 0, let headerLength = shortMessage.first, shortMessage.count > Int(headerLength) {
            return Array(shortMessage.dropFirst(Int(headerLength) + 1))
        }
        return shortMessage
    }
}
