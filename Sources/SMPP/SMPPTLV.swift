/// An optional parameter (tag, length, value). Unknown tags are kept, so they survive a decode and re-encode.
public struct SMPPTLV: Sendable, Hashable {
    public var tag: Tag
    public var value: [UInt8]

    public init(tag: Tag, value: [UInt8]) {
        self.tag = tag
        self.value = value
    }

    /// A TLV tag.
    public struct Tag: RawRepresentable, Sendable, Hashable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        public static let receiptedMessageID = Tag(rawValue: 0x001E)
        public static let userMessageReference = Tag(rawValue: 0x0204)
        public static let sarMessageReference = Tag(rawValue: 0x020C)
        public static let sarTotalSegments = Tag(rawValue: 0x020E)
        public static let sarSegmentSequence = Tag(rawValue: 0x020F)
        public static let scInterfaceVersion = Tag(rawValue: 0x0210)
        public static let networkErrorCode = Tag(rawValue: 0x0423)
        public static let messagePayload = Tag(rawValue: 0x0424)
        public static let messageState = Tag(rawValue: 0x0427)
    }

    public static func uint8(_ tag: Tag, _ value: UInt8) -> SMPPTLV { SMPPTLV(tag: tag, value: [value]) }
    public static func uint16(_ tag: Tag, _ value: UInt16) -> SMPPTLV { SMPPTLV(tag: tag, value: [UInt8(value >> 8), UInt8(value & 0xFF)]) }
    /// A C-Octet string value (NUL-terminated).
    public static func cString(_ tag: Tag, _ value: String) -> SMPPTLV { SMPPTLV(tag: tag, value: Array(value.utf8) + [0]) }

    /// The value as an integer (1, 2 or 4 octets, big-endian).
    public var integer: UInt32? {
        guard [1, 2, 4].contains(value.count) else { return nil }
        return value.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The value as text, without the terminating NUL.
    public var string: String {
        String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
    }
}

extension Array where Element == SMPPTLV {
    /// The first TLV with this tag.
    public subscript(tag: SMPPTLV.Tag) -> SMPPTLV? {
        first { $0.tag == tag }
    }
}
