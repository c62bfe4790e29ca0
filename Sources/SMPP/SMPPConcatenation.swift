/// How the parts of a long message are tied together on the wire.
public enum SMPPConcatenation: String, Sendable, Hashable, Codable, CaseIterable {
    /// A user data header with an 8-bit reference (IEI 0x00), `esm_class` UDHI set.
    case udh8
    /// A user data header with a 16-bit reference (IEI 0x08).
    case udh16
    /// The `sar_msg_ref_num`, `sar_total_segments` and `sar_segment_seqnum` TLVs.
    case sar
    /// Each part's text in a `message_payload` TLV (for SMSCs that want the payload there), with SAR TLVs.
    case payload

    /// The user data header of part `index` (1-based) of `total`, for `udh8` and `udh16`.
    public static func userDataHeader(reference: UInt16, total: Int, index: Int, sixteenBit: Bool) -> [UInt8] {
        if sixteenBit {
            return [0x06, 0x08, 0x04, UInt8(reference >> 8), UInt8(reference & 0xFF), UInt8(truncatingIfNeeded: total), UInt8(truncatingIfNeeded: index)]
        }
        return [0x05, 0x00, 0x03, UInt8(reference & 0xFF), UInt8(truncatingIfNeeded: total), UInt8(truncatingIfNeeded: index)]
    }

    /// The SAR TLVs of part `index` (1-based) of `total`.
    public static func sarTLVs(reference: UInt16, total: Int, index: Int) -> [SMPPTLV] {
        [.uint16(.sarMessageReference, reference), .uint8(.sarTotalSegments, UInt8(truncatingIfNeeded: total)), .uint8(.sarSegmentSequence, UInt8(truncatingIfNeeded: index))]
    }

    /// Lays one part into a `submit_sm`: short message, UDH flag and TLVs.
    public func apply(part: [UInt8], reference: UInt16, total: Int, index: Int, to message: inout SMPPShortMessage) {
        guard total > 1 else {
            if self == .payload {
                message.tlvs.append(SMPPTLV(tag: .messagePayload, value: part))
            } else {
                message.shortMessage = part
            }
            return
        }
        switch self {
        case .udh8, .udh16:
            message.esmClass |= SMPPShortMessage.udhIndicator
            message.shortMessage = Self.userDataHeader(reference: reference, total: total, index: index, sixteenBit: self == .udh16) + part
        case .sar:
            message.shortMessage = part
            message.tlvs += Self.sarTLVs(reference: reference, total: total, index: index)
        case .payload:
            message.tlvs += Self.sarTLVs(reference: reference, total: total, index: index)
            message.tlvs.append(SMPPTLV(tag: .messagePayload, value: part))
        }
    }
}
