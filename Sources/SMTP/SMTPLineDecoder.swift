import NIOCore

/// Splits the stream into lines ending in CRLF (a bare LF is taken too), each at most `maximumLength` octets: a peer
/// that sends a 10 MB line gets an error, not 10 MB of memory.
public struct SMTPLineDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = ByteBuffer
    public let maximumLength: Int

    public init(maximumLength: Int = 1000) {
        self.maximumLength = maximumLength
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > maximumLength { throw SMTPError.lineTooLong(maximumLength) }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        guard length <= maximumLength + 1 else { throw SMTPError.lineTooLong(maximumLength) }
        var line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytesView.last == UInt8(ascii: "\r") { line = line.getSlice(at: line.readerIndex, length: line.readableBytes - 1)! }
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
