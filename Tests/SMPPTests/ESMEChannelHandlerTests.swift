import NIOCore
import NIOEmbedded
import SMPP
import Synchronization
import Testing

@Suite("ESME channel pipeline (EmbeddedChannel)")
struct ESMEChannelHandlerTests {
    func makeChannel(inbound: Inbox? = nil) throws -> (EmbeddedChannel, ESMEChannelHandler) {
        let channel = EmbeddedChannel()
        let handler = ESMEChannelHandler(
            configuration: .init(bindType: .transceiver, bind: SMPPBind(systemID: "herald", password: "pw")),
            eventLoop: channel.eventLoop, logger: .init(label: "test")
        ) { pdu, _ in inbound?.items.withLock { $0.append(pdu) } }
        try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(SMPPFrameDecoder()), MessageToByteHandler(SMPPEncoder()), handler])
        return (channel, handler)
    }

    func bytes(_ pdu: SMPPPDU) -> ByteBuffer {
        var buffer = ByteBuffer()
        pdu.write(to: &buffer)
        return buffer
    }

    func readPDU(_ channel: EmbeddedChannel) throws -> SMPPPDU? {
        guard var buffer = try channel.readOutbound(as: ByteBuffer.self) else { return nil }
        return try SMPPFrameDecoder().next(from: &buffer)
    }

    @Test("Bind, submit and its response travel as bytes through the pipeline")
    func submitRoundTrip() throws {
        let (channel, handler) = try makeChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2775)).wait()
        let bind = try #require(try readPDU(channel))
        #expect(bind.commandID == .bindTransceiver)
        try channel.writeInbound(bytes(SMPPPDU(commandID: .bindTransceiverResp, sequenceNumber: bind.sequenceNumber, body: .bindResponse(systemID: "SMSC", tlvs: []))))
        #expect(try handler.bound.wait() == "SMSC")

        let promise = channel.eventLoop.makePromise(of: SMPPPDU.self)
        try channel.writeOutbound(ESMEOutbound.request(.submitSM(SMPPShortMessage(source: .init(), destination: .international("447400123123")), sequenceNumber: 0), promise))
        let submit = try #require(try readPDU(channel))
        #expect(submit.commandID == .submitSM)
        try channel.writeInbound(bytes(SMPPPDU(commandID: .submitSMResp, sequenceNumber: submit.sequenceNumber, body: .messageID("ff01", tlvs: []))))
        #expect(try promise.futureResult.wait().messageID == "ff01")
        _ = try? channel.finish()
    }

    @Test("deliver_sm reaches the application, which answers it when it chooses")
    func deliverAcknowledgedLater() throws {
        let inbound = Inbox()
        let (channel, _) = try makeChannel(inbound: inbound)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2775)).wait()
        let bind = try #require(try readPDU(channel))
        try channel.writeInbound(bytes(SMPPPDU(commandID: .bindTransceiverResp, sequenceNumber: bind.sequenceNumber, body: .bindResponse(systemID: "S", tlvs: []))))
        let deliver = SMPPPDU.deliverSM(SMPPShortMessage(source: .init(), destination: .init(), esmClass: 4, shortMessage: Array("id:1 stat:DELIVRD".utf8)), sequenceNumber: 41)
        try channel.writeInbound(bytes(deliver))
        #expect(inbound.items.withLock { $0 } == [deliver])
        #expect(try readPDU(channel) == nil)  // not acknowledged yet
        try channel.writeOutbound(ESMEOutbound.respond(deliver.response()))
        #expect(try readPDU(channel) == SMPPPDU(commandID: .deliverSMResp, sequenceNumber: 41, body: .messageID("", tlvs: [])))
        _ = try? channel.finish()
    }

    @Test("A malformed PDU closes the session and fails what was outstanding")
    func malformedCloses() throws {
        let (channel, handler) = try makeChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2775)).wait()
        let bind = try #require(try readPDU(channel))
        try channel.writeInbound(bytes(SMPPPDU(commandID: .bindTransceiverResp, sequenceNumber: bind.sequenceNumber, body: .bindResponse(systemID: "S", tlvs: []))))
        _ = try handler.bound.wait()
        let promise = channel.eventLoop.makePromise(of: SMPPPDU.self)
        try channel.writeOutbound(ESMEOutbound.request(.enquireLink(sequenceNumber: 0), promise))
        _ = try readPDU(channel)
        // The handler logs and closes; the error does not escape the pipeline.
        _ = try? channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 4, 0, 0, 0, 0]))
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
        #expect(throws: SMPPError.self) { try promise.futureResult.wait() }
    }
}

final class Inbox: Sendable {
    let items = Mutex<[SMPPPDU]>([])
}
