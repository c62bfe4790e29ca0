import NIOCore

/// Splits the byte stream into PDUs (`command_length` framing) and decodes each.
///
/// A length outside 16...`maximumLength` or a body that cannot be read throws an ``SMPPError``; the
/// channel handler closes the session with a log line naming the problem.
public struct SMPPFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = SMPPPDU

    public let maximumLength: Int

    public init(maximumLength: Int = 64 * 1024) {
        self.maximumLength = maximumLength
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let pdu = try next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(pdu))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }

    /// One PDU when a whole frame is buffered, `nil` when more bytes are needed.
    public func next(from buffer: inout ByteBuffer) throws(SMPPError) -> SMPPPDU? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard length >= 16, length <= maximumLength else { throw .tooLong(Int(length), limit: maximumLength) }
        guard var frame = buffer.readSlice(length: Int(length)) else { return nil }
        return try SMPPPDU.read(from: &frame)
    }
}

/// Encodes PDUs onto the wire.
public struct SMPPEncoder: MessageToByteEncoder {
    public typealias OutboundIn = SMPPPDU

    public init() {}

    public func encode(data: SMPPPDU, out: inout ByteBuffer) throws {
        if let problem = data.wireProblem { throw SMPPError.malformed("refusing to write \(data.commandID): \(problem)") }
        data.write(to: &out)
    }
}
