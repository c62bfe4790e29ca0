/// The body of `data_sm`: addresses and flags, with the content in TLVs.
public struct SMPPDataSM: Sendable, Hashable {
    public var serviceType: String
    public var source: SMPPAddress
    public var destination: SMPPAddress
    public var esmClass: UInt8
    public var registeredDelivery: UInt8
    public var dataCoding: UInt8
    public var tlvs: [SMPPTLV]

    public init(serviceType: String = "", source: SMPPAddress, destination: SMPPAddress, esmClass: UInt8 = 0, registeredDelivery: UInt8 = 0, dataCoding: UInt8 = 0, tlvs: [SMPPTLV] = []) {
        self.serviceType = serviceType
        self.source = source
        self.destination = destination
        self.esmClass = esmClass
        self.registeredDelivery = registeredDelivery
        self.dataCoding = dataCoding
        self.tlvs = tlvs
    }

    /// Whether this carries a delivery receipt (receipt `esm_class` or a `receipted_message_id` TLV).
    public var isReceipt: Bool {
        let type = esmClass & 0x3C
        return type == 0x04 || type == 0x08 || type == 0x20 || tlvs[.receiptedMessageID] != nil
    }
}
