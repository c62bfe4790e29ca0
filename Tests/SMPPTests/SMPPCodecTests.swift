import NIOCore
import SMPP
import Testing

@Suite("SMPP codec: bytes on the wire")
struct SMPPCodecTests {
    func encode(_ pdu: SMPPPDU) -> [UInt8] {
        var buffer = ByteBuffer()
        pdu.write(to: &buffer)
        return Array(buffer.readableBytesView)
    }

    func decode(_ bytes: [UInt8]) throws -> SMPPPDU? {
        var buffer = ByteBuffer(bytes: bytes)
        return try SMPPFrameDecoder().next(from: &buffer)
    }

    @Test("enquire_link is the 16-octet header alone (SMPP 3.4 section 4.11.1)")
    func enquireLink() throws {
        let bytes: [UInt8] = [0, 0, 0, 0x10, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 0x07]
        #expect(encode(.enquireLink(sequenceNumber: 7)) == bytes)
        #expect(try decode(bytes) == .enquireLink(sequenceNumber: 7))
    }

    @Test("bind_transmitter: system_id, password, system_type, interface_version 0x34, address range")
    func bindTransmitter() throws {
        let pdu = SMPPPDU.bind(.transmitter, SMPPBind(systemID: "SMPP3TEST", password: "secret08", systemType: "SUBMIT1"), sequenceNumber: 1)
        let body: [UInt8] = Array("SMPP3TEST".utf8) + [0] + Array("secret08".utf8) + [0] + Array("SUBMIT1".utf8) + [0] + [0x34, 0, 0, 0]
        let header: [UInt8] = [0, 0, 0, UInt8(16 + body.count), 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 1]
        #expect(encode(pdu) == header + body)
        #expect(try decode(header + body) == pdu)
    }

    @Test("submit_sm with every mandatory field in order, sm_length and a TLV")
    func submitSM() throws {
        let message = SMPPShortMessage(
            source: SMPPAddress(ton: 5, npi: 0, address: "Herald"), destination: .international("+447400123123"),
            validityPeriod: "261124120000000+", registeredDelivery: 1, dataCoding: 0, shortMessage: Array("Hi".utf8),
            tlvs: [.uint16(.userMessageReference, 0x0102)]
        )
        let bytes = encode(.submitSM(message, sequenceNumber: 0x0A))
        var expectedBody: [UInt8] = [0]  // service_type ""
        expectedBody += [5, 0] + Array("Herald".utf8) + [0]
        expectedBody += [1, 1] + Array("447400123123".utf8) + [0]
        expectedBody += [0, 0, 0]  // esm_class, protocol_id, priority_flag
        expectedBody += [0]  // schedule_delivery_time
        expectedBody += Array("261124120000000+".utf8) + [0]
        expectedBody += [1, 0, 0, 0]  // registered_delivery, replace_if_present, data_coding, sm_default_msg_id
        expectedBody += [2] + Array("Hi".utf8)
        expectedBody += [0x02, 0x04, 0x00, 0x02, 0x01, 0x02]
        #expect(bytes == [0, 0, 0, UInt8(16 + expectedBody.count), 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0x0A] + expectedBody)
        #expect(try decode(bytes)?.shortMessage == message)
    }

    @Test("submit_sm_resp carries the message id; an error response may have no body at all")
    func submitResponse() throws {
        let ok: [UInt8] = [0, 0, 0, 0x19, 0x80, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 3] + Array("0A1B2C3D".utf8) + [0]
        #expect(try decode(ok)?.messageID == "0A1B2C3D")
        let throttled: [UInt8] = [0, 0, 0, 0x10, 0x80, 0, 0, 4, 0, 0, 0, 0x58, 0, 0, 0, 3]
        let pdu = try decode(throttled)
        #expect(pdu?.status == .throttled)
        #expect(pdu?.status.isTemporary == true)
        #expect(pdu?.status.description == "ESME_RTHROTTLED")
    }

    @Test("deliver_sm receipt TLVs are read, and unknown TLVs survive a round trip")
    func deliverTLVs() throws {
        let message = SMPPShortMessage(
            source: .international("447400123123"), destination: SMPPAddress(ton: 5, address: "Herald"), esmClass: 0x04,
            shortMessage: Array("id:1 stat:DELIVRD".utf8),
            tlvs: [.cString(.receiptedMessageID, "1"), .uint8(.messageState, 2), SMPPTLV(tag: .init(rawValue: 0x1401), value: [9, 8, 7])]
        )
        let decoded = try decode(encode(.deliverSM(message, sequenceNumber: 9)))
        #expect(decoded?.shortMessage == message)
        #expect(decoded?.shortMessage?.isReceipt == true)
        #expect(decoded?.shortMessage?.tlvs[.receiptedMessageID]?.string == "1")
        #expect(decoded?.shortMessage?.tlvs[SMPPTLV.Tag(rawValue: 0x1401)]?.value == [9, 8, 7])
    }

    @Test("A frame arriving in pieces decodes once it is whole")
    func partialFrames() throws {
        let bytes = encode(.enquireLink(sequenceNumber: 1)) + encode(.unbind(sequenceNumber: 2))
        var buffer = ByteBuffer(bytes: bytes.prefix(10))
        #expect(try SMPPFrameDecoder().next(from: &buffer) == nil)
        buffer.writeBytes(bytes.dropFirst(10))
        #expect(try SMPPFrameDecoder().next(from: &buffer) == .enquireLink(sequenceNumber: 1))
        #expect(try SMPPFrameDecoder().next(from: &buffer) == .unbind(sequenceNumber: 2))
        #expect(try SMPPFrameDecoder().next(from: &buffer) == nil)
    }

    @Test("Malformed PDUs are errors, never crashes", arguments: [
        [0, 0, 0, 0x08, 0, 0, 0, 0x15],  // command_length below 16
        [0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 4],  // absurd command_length
        [0, 0, 0, 0x14, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 0x41],  // submit_sm cut short
        [0, 0, 0, 0x15, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0],  // deliver_sm cut short
    ] as [[UInt8]])
    func malformed(bytes: [UInt8]) {
        #expect(throws: SMPPError.self) { _ = try decode(bytes) }
    }

    @Test("A TLV whose length runs past the PDU is malformed")
    func truncatedTLV() {
        var bytes = encode(.deliverSM(SMPPShortMessage(source: .init(), destination: .init()), sequenceNumber: 1))
        bytes += [0x04, 0x27, 0x00, 0x05, 0x01]
        bytes[3] = UInt8(bytes.count)
        #expect(throws: SMPPError.self) { _ = try decode(bytes) }
    }

    @Test("Unknown commands keep their body")
    func unknownCommand() throws {
        let bytes: [UInt8] = [0, 0, 0, 0x13, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 1, 0xAA, 0xBB, 0xCC]
        let pdu = try decode(bytes)
        #expect(pdu?.body == .raw([0xAA, 0xBB, 0xCC]))
        #expect(pdu.map(encode) == bytes)
    }

    @Test("UDH 8-bit and 16-bit, SAR TLVs")
    func concatenation() {
        var udh8 = SMPPShortMessage(source: .init(), destination: .init())
        SMPPConcatenation.udh8.apply(part: [0x41], reference: 0x1234, total: 3, index: 2, to: &udh8)
        #expect(udh8.shortMessage == [0x05, 0x00, 0x03, 0x34, 3, 2, 0x41])
        #expect(udh8.esmClass & 0x40 != 0)
        #expect(udh8.userData == [0x41])
        var udh16 = SMPPShortMessage(source: .init(), destination: .init())
        SMPPConcatenation.udh16.apply(part: [0x41], reference: 0x1234, total: 3, index: 2, to: &udh16)
        #expect(udh16.shortMessage == [0x06, 0x08, 0x04, 0x12, 0x34, 3, 2, 0x41])
        var sar = SMPPShortMessage(source: .init(), destination: .init())
        SMPPConcatenation.sar.apply(part: [0x41], reference: 0x1234, total: 3, index: 2, to: &sar)
        #expect(sar.shortMessage == [0x41])
        #expect(sar.tlvs == [.uint16(.sarMessageReference, 0x1234), .uint8(.sarTotalSegments, 3), .uint8(.sarSegmentSequence, 2)])
        var single = SMPPShortMessage(source: .init(), destination: .init())
        SMPPConcatenation.udh8.apply(part: [0x41], reference: 1, total: 1, index: 1, to: &single)
        #expect(single.shortMessage == [0x41] && single.esmClass == 0)
    }
}
