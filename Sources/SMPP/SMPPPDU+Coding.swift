import NIOCore

extension SMPPPDU {
    /// Why this PDU cannot be written as SMPP 3.4 says, or nil: a `short_message` over 254 octets (its 8-bit
    /// `sm_length` would wrap and the rest would be read as TLVs), a TLV value over 65,535 octets, or a NUL inside a
    /// C-Octet string (the peer would end the field there and read every later field shifted).
    public var wireProblem: String? {
        func cString(_ value: String, _ field: String) -> String? {
            value.utf8.contains(0) ? "\(field) contains a NUL character" : nil
        }
        func tlvs(_ tlvs: [SMPPTLV]) -> String? {
            tlvs.first { $0.value.count > Int(UInt16.max) }.map { "TLV 0x\(String($0.tag.rawValue, radix: 16)) is \($0.value.count) octets (at most 65535)" }
        }
        switch body {
        case .shortMessage(let message):
            if message.shortMessage.count > 254 { return "short_message is \(message.shortMessage.count) octets (at most 254)" }
            return cString(message.serviceType, "service_type") ?? cString(message.source.address, "source_addr")
                ?? cString(message.destination.address, "destination_addr") ?? cString(message.validityPeriod, "validity_period")
                ?? cString(message.scheduleDeliveryTime, "schedule_delivery_time") ?? tlvs(message.tlvs)
        case .dataSM(let message):
            return cString(message.source.address, "source_addr") ?? cString(message.destination.address, "destination_addr") ?? tlvs(message.tlvs)
        case .bind(let bind):
            return cString(bind.systemID, "system_id") ?? cString(bind.password, "password") ?? cString(bind.systemType, "system_type")
        case .bindResponse(let systemID, let list), .messageID(let systemID, let list):
            return cString(systemID, "id") ?? tlvs(list)
        default:
            return nil
        }
    }

    /// Writes the whole PDU, header included, with the right `command_length`. Call ``wireProblem`` first: a PDU
    /// with one is refused by ``SMPPEncoder`` rather than written wrapped.
    public func write(to buffer: inout ByteBuffer) {
        let start = buffer.writerIndex
        buffer.writeInteger(UInt32(0))  // command_length, patched below
        buffer.writeInteger(commandID.rawValue)
        buffer.writeInteger(status.rawValue)
        buffer.writeInteger(sequenceNumber)
        switch body {
        case .bind(let bind):
            buffer.writeCString(bind.systemID)
            buffer.writeCString(bind.password)
            buffer.writeCString(bind.systemType)
            buffer.writeInteger(bind.interfaceVersion)
            buffer.writeAddress(bind.addressRange)
        case .bindResponse(let systemID, let tlvs):
            buffer.writeCString(systemID)
            buffer.writeTLVs(tlvs)
        case .outbind(let systemID, let password):
            buffer.writeCString(systemID)
            buffer.writeCString(password)
        case .shortMessage(let message):
            buffer.writeCString(message.serviceType)
            buffer.writeAddress(message.source)
            buffer.writeAddress(message.destination)
            buffer.writeInteger(message.esmClass)
            buffer.writeInteger(message.protocolID)
            buffer.writeInteger(message.priorityFlag)
            buffer.writeCString(message.scheduleDeliveryTime)
            buffer.writeCString(message.validityPeriod)
            buffer.writeInteger(message.registeredDelivery)
            buffer.writeInteger(message.replaceIfPresent)
            buffer.writeInteger(message.dataCoding)
            buffer.writeInteger(message.defaultMessageID)
            buffer.writeInteger(UInt8(truncatingIfNeeded: message.shortMessage.count))
            buffer.writeBytes(message.shortMessage.prefix(255))
            buffer.writeTLVs(message.tlvs)
        case .dataSM(let message):
            buffer.writeCString(message.serviceType)
            buffer.writeAddress(message.source)
            buffer.writeAddress(message.destination)
            buffer.writeInteger(message.esmClass)
            buffer.writeInteger(message.registeredDelivery)
            buffer.writeInteger(message.dataCoding)
            buffer.writeTLVs(message.tlvs)
        case .messageID(let id, let tlvs):
            buffer.writeCString(id)
            buffer.writeTLVs(tlvs)
        case .querySM(let query):
            buffer.writeCString(query.messageID)
            buffer.writeAddress(query.source)
        case .querySMResponse(let response):
            buffer.writeCString(response.messageID)
            buffer.writeCString(response.finalDate)
            buffer.writeInteger(response.messageState)
            buffer.writeInteger(response.errorCode)
        case .empty:
            break
        case .raw(let bytes):
            buffer.writeBytes(bytes)
        }
        buffer.setInteger(UInt32(buffer.writerIndex - start), at: start)
    }

    /// Reads one complete PDU from `frame` (exactly `command_length` octets).
    ///
    /// Lenient where real SMSCs are sloppy (a response with an error status and no body, a missing final
    /// NUL in the last string, strings longer than the specification allows); strict where reading on would
    /// mean guessing (a length that runs past the frame).
    public static func read(from frame: inout ByteBuffer) throws(SMPPError) -> SMPPPDU {
        guard let length = frame.readInteger(as: UInt32.self), let rawID = frame.readInteger(as: UInt32.self),
              let rawStatus = frame.readInteger(as: UInt32.self), let sequence = frame.readInteger(as: UInt32.self)
        else { throw .malformed("header shorter than 16 octets") }
        guard Int(length) == frame.readableBytes + 16 else {
            throw .malformed("command_length \(length) does not match the \(frame.readableBytes + 16) octets of the frame")
        }
        let commandID = SMPPCommandID(rawValue: rawID)
        let status = SMPPCommandStatus(rawValue: rawStatus)
        var reader = PDUReader(buffer: frame, command: commandID)
        let body: Body
        switch commandID {
        case .bindTransmitter, .bindReceiver, .bindTransceiver:
            body = .bind(SMPPBind(
                systemID: try reader.cString("system_id"), password: try reader.cString("password"),
                systemType: try reader.cString("system_type"), interfaceVersion: try reader.uint8("interface_version"),
                addressRange: try reader.address("address_range")
            ))
        case .bindTransmitterResp, .bindReceiverResp, .bindTransceiverResp:
            body = reader.isAtEnd ? .bindResponse(systemID: "", tlvs: []) : .bindResponse(systemID: try reader.cString("system_id"), tlvs: try reader.tlvs())
        case .outbind:
            body = .outbind(systemID: try reader.cString("system_id"), password: try reader.cString("password"))
        case .submitSM, .deliverSM:
            var message = SMPPShortMessage(source: SMPPAddress(), destination: SMPPAddress())
            message.serviceType = try reader.cString("service_type")
            message.source = try reader.address("source_addr")
            message.destination = try reader.address("destination_addr")
            message.esmClass = try reader.uint8("esm_class")
            message.protocolID = try reader.uint8("protocol_id")
            message.priorityFlag = try reader.uint8("priority_flag")
            message.scheduleDeliveryTime = try reader.cString("schedule_delivery_time")
            message.validityPeriod = try reader.cString("validity_period")
            message.registeredDelivery = try reader.uint8("registered_delivery")
            message.replaceIfPresent = try reader.uint8("replace_if_present_flag")
            message.dataCoding = try reader.uint8("data_coding")
            message.defaultMessageID = try reader.uint8("sm_default_msg_id")
            let smLength = try reader.uint8("sm_length")
            message.shortMessage = try reader.bytes(Int(smLength), "short_message")
            message.tlvs = try reader.tlvs()
            body = .shortMessage(message)
        case .dataSM:
            body = .dataSM(SMPPDataSM(
                serviceType: try reader.cString("service_type"), source: try reader.address("source_addr"),
                destination: try reader.address("destination_addr"), esmClass: try reader.uint8("esm_class"),
                registeredDelivery: try reader.uint8("registered_delivery"), dataCoding: try reader.uint8("data_coding"),
                tlvs: try reader.tlvs()
            ))
        case .submitSMResp, .deliverSMResp, .dataSMResp:
            body = reader.isAtEnd ? .messageID("", tlvs: []) : .messageID(try reader.cString("message_id"), tlvs: try reader.tlvs())
        case .querySM:
            body = .querySM(SMPPQuery(messageID: try reader.cString("message_id"), source: try reader.address("source_addr")))
        case .querySMResp:
            if reader.isAtEnd {
                body = .querySMResponse(SMPPQueryResponse(messageID: "", finalDate: "", messageState: 0, errorCode: 0))
            } else {
                body = .querySMResponse(SMPPQueryResponse(
                    messageID: try reader.cString("message_id"), finalDate: try reader.cString("final_date"),
                    messageState: try reader.uint8("message_state"), errorCode: try reader.uint8("error_code")
                ))
            }
        case .enquireLink, .enquireLinkResp, .unbind, .unbindResp, .genericNack:
            body = .empty
        default:
            body = .raw(reader.rest())
        }
        return SMPPPDU(commandID: commandID, status: status, sequenceNumber: sequence, body: body)
    }
}

/// Reads the fields of one PDU body, naming the field in every error.
private struct PDUReader {
    var buffer: ByteBuffer
    let command: SMPPCommandID

    var isAtEnd: Bool { buffer.readableBytes == 0 }

    mutating func uint8(_ field: String) throws(SMPPError) -> UInt8 {
        guard let value = buffer.readInteger(as: UInt8.self) else { throw .malformed("\(command): \(field) missing") }
        return value
    }

    mutating func cString(_ field: String) throws(SMPPError) -> String {
        let view = buffer.readableBytesView
        guard !view.isEmpty else { throw .malformed("\(command): \(field) missing") }
        if let end = view.firstIndex(of: 0) {
            let length = end - view.startIndex
            let value = buffer.readString(length: length) ?? ""
            buffer.moveReaderIndex(forwardBy: 1)
            return value
        }
        // No terminating NUL: the string runs to the end of the PDU (seen from some SMSCs in the last field).
        return buffer.readString(length: buffer.readableBytes) ?? ""
    }

    mutating func address(_ field: String) throws(SMPPError) -> SMPPAddress {
        SMPPAddress(ton: try uint8(field + "_ton"), npi: try uint8(field + "_npi"), address: try cString(field))
    }

    mutating func bytes(_ count: Int, _ field: String) throws(SMPPError) -> [UInt8] {
        guard let bytes = buffer.readBytes(length: count) else {
            throw .malformed("\(command): \(field) needs \(count) octets, \(buffer.readableBytes) left")
        }
        return bytes
    }

    mutating func tlvs() throws(SMPPError) -> [SMPPTLV] {
        var tlvs: [SMPPTLV] = []
        while buffer.readableBytes > 0 {
            guard let tag = buffer.readInteger(as: UInt16.self), let length = buffer.readInteger(as: UInt16.self) else {
                throw .malformed("\(command): truncated TLV header")
            }
            let value = try bytes(Int(length), "TLV 0x" + String(tag, radix: 16))
            tlvs.append(SMPPTLV(tag: SMPPTLV.Tag(rawValue: tag), value: value))
        }
        return tlvs
    }

    mutating func rest() -> [UInt8] {
        buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}

extension ByteBuffer {
    fileprivate mutating func writeCString(_ value: String) {
        writeString(value)
        writeInteger(UInt8(0))
    }

    fileprivate mutating func writeAddress(_ address: SMPPAddress) {
        writeInteger(address.ton)
        writeInteger(address.npi)
        writeCString(address.address)
    }

    fileprivate mutating func writeTLVs(_ tlvs: [SMPPTLV]) {
        for tlv in tlvs {
            writeInteger(tlv.tag.rawValue)
            writeInteger(UInt16(truncatingIfNeeded: tlv.value.count))
            writeBytes(tlv.value)
        }
    }
}
