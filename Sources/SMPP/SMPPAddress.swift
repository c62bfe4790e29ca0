/// An SMPP address: type of number, numbering plan indicator and the digits (or alphanumeric sender).
public struct SMPPAddress: Sendable, Hashable {
    public var ton: UInt8
    public var npi: UInt8
    public var address: String

    public init(ton: UInt8 = 0, npi: UInt8 = 0, address: String = "") {
        self.ton = ton
        self.npi = npi
        self.address = address
    }

    /// An international number (TON 1, NPI 1 E.164) from `+447400123123` or `447400123123`.
    public static func international(_ number: String) -> SMPPAddress {
        SMPPAddress(ton: 1, npi: 1, address: number.hasPrefix("+") ? String(number.dropFirst()) : number)
    }

    /// The usual choice for a sender: international for `+digits`, alphanumeric (TON 5, NPI 0) for names,
    /// national/unknown otherwise (short codes).
    public static func sender(_ value: String) -> SMPPAddress {
        if value.hasPrefix("+"), value.dropFirst().allSatisfy(\.isNumber) { return .international(value) }
        if value.allSatisfy(\.isNumber) { return SMPPAddress(ton: value.count <= 8 ? 3 : 1, npi: 1, address: value) }
        return SMPPAddress(ton: 5, npi: 0, address: value)
    }
}
