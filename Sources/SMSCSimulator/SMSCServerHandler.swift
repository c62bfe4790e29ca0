import struct Foundation.Date
import NIOCore
import SMPP
import SMSText

/// One client session of the simulator: executes the ``SMSCSessionStateMachine`` and plays the outcomes.
final class SMSCServerHandler: ChannelInboundHandler {
    typealias InboundIn = SMPPPDU
    typealias OutboundOut = SMPPPDU

    private let simulator: SMSCSimulator
    private var machine = SMSCSessionStateMachine()
    private var clientSystemID = ""
    private var registered = false
    /// deliver_sm sent and not yet acknowledged, by sequence number: re-sent elsewhere if this session dies.
    private var unacknowledged: [UInt32: SMPPPDU] = [:]
    private var context: ChannelHandlerContext?

    init(simulator: SMSCSimulator) {
        self.simulator = simulator
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelInactive(context: ChannelHandlerContext) {
        if registered {
            simulator.router.unregister(systemID: clientSystemID, id: ObjectIdentifier(self))
        }
        let orphans = unacknowledged.sorted { $0.key < $1.key }.map(\.value)
        unacknowledged = [:]
        for pdu in orphans { simulator.router.deliver(pdu, to: clientSystemID) }
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        simulator.logger.warning("closing client session", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        execute(machine.received(unwrapInboundIn(data)), context: context)
        context.flush()
    }

    private func execute(_ actions: [SMSCSessionStateMachine.Action], context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .send(let pdu):
                context.write(wrapOutboundOut(pdu), promise: nil)
            case .authenticate(let type, let bind, let sequence):
                let status = simulator.authenticate(bind)
                clientSystemID = bind.systemID
                execute(machine.bindDecided(type, status: status, sequenceNumber: sequence, systemID: simulator.configuration.systemID, clientSystemID: bind.systemID), context: context)
                if status == .ok {
                    simulator.counters.withLock { $0.binds += 1 }
                    if type.canReceive { register(context: context) }
                }
            case .request(let pdu):
                handleRequest(pdu, context: context)
            case .answered(let sequence, let status):
                guard let pdu = unacknowledged.removeValue(forKey: sequence) else { continue }
                if status == .ok {
                    if pdu.shortMessage?.isReceipt == true { simulator.counters.withLock { $0.receiptsAcknowledged += 1 } }
                } else {
                    // The client could not take it now: offer it again shortly.
                    let router = simulator.router
                    let systemID = clientSystemID
                    context.eventLoop.scheduleTask(in: .milliseconds(200)) { router.deliver(pdu, to: systemID) }
                }
            case .close(let reason):
                if reason == "client unbound" { simulator.counters.withLock { $0.unbinds += 1 } }
                context.flush()
                context.close(promise: nil)
            }
        }
    }

    private func register(context: ChannelHandlerContext) {
        registered = true
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        simulator.router.register(systemID: clientSystemID, session: .init(id: ObjectIdentifier(self), channel: context.channel) { pdu in
            eventLoop.execute { loopBound.value.sendOutbound(pdu) }
        })
    }

    /// Sends a deliver_sm on this session (numbered here), or hands it back to the router if the session is gone.
    func sendOutbound(_ pdu: SMPPPDU) {
        guard let context, context.channel.isActive, let numbered = machine.outbound(pdu) else {
            simulator.router.deliver(pdu, to: clientSystemID)
            return
        }
        unacknowledged[numbered.sequenceNumber] = pdu
        if pdu.shortMessage?.isReceipt == true { simulator.counters.withLock { $0.receiptsSent += 1 } }
        context.writeAndFlush(wrapOutboundOut(numbered), promise: nil)
    }

    // MARK: submit_sm

    private func handleRequest(_ pdu: SMPPPDU, context: ChannelHandlerContext) {
        guard case .shortMessage(let message) = pdu.body, pdu.commandID == .submitSM else {
            // data_sm and query_sm: accepted / unknown, enough for a simulator.
            context.write(wrapOutboundOut(pdu.response(status: pdu.commandID == .querySM ? .queryFailed : .ok, messageID: simulator.makeMessageID().response)), promise: nil)
            return
        }
        let config = simulator.configuration
        let count = simulator.counters.withLock { counters -> Int in
            counters.submits += 1
            return counters.submits
        }
        if config.dropEvery > 0, count % config.dropEvery == 0 {
            simulator.counters.withLock { $0.dropped += 1 }
            context.close(promise: nil)
            return
        }
        if simulator.roll(config.throttleRate) {
            simulator.counters.withLock { $0.throttled += 1 }
            context.write(wrapOutboundOut(pdu.response(status: .throttled)), promise: nil)
            return
        }
        let outcome = simulator.outcome(for: message.destination.address)
        if case .submitError(let status) = outcome {
            simulator.counters.withLock {
                if status == .throttled { $0.throttled += 1 } else { $0.rejectedSubmits += 1 }
            }
            context.write(wrapOutboundOut(pdu.response(status: status)), promise: nil)
            return
        }
        let ids = simulator.makeMessageID()
        simulator.accepted(id: ids.response, destination: message.destination.address, text: SMSText.decode(message.userData, dataCoding: message.dataCoding))
        let response = pdu.response(messageID: ids.response)
        let receipts = plannedReceipts(for: message, outcome: outcome, receiptID: ids.receipt, number: ids.number)
        let router = simulator.router
        let systemID = clientSystemID
        var sendRest = receipts[...]
        if let first = receipts.first, simulator.roll(config.earlyReceiptRate) {
            // The receipt overtakes the response.
            router.deliver(first, to: systemID)
            sendRest = receipts.dropFirst()
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(5)) {
                loopBound.value.context?.writeAndFlush(loopBound.value.wrapOutboundOut(response), promise: nil)
            }
        } else if config.responseDelay > 0 {
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .nanoseconds(Int64(config.responseDelay * 1_000_000_000))) {
                loopBound.value.context?.writeAndFlush(loopBound.value.wrapOutboundOut(response), promise: nil)
            }
        } else {
            context.write(wrapOutboundOut(response), promise: nil)
        }
        guard !sendRest.isEmpty else { return }
        var at = simulator.delay()
        for receipt in sendRest {
            context.eventLoop.scheduleTask(in: at) { router.deliver(receipt, to: systemID) }
            at = at + .milliseconds(Int64.random(in: 1...20))
        }
        if outcome == .deliveredWithReply {
            let text = "Reply to: " + String(SMSText.decode(message.userData, dataCoding: message.dataCoding).prefix(40))
            let simulator = simulator
            context.eventLoop.scheduleTask(in: at + .milliseconds(50)) {
                simulator.injectInbound(systemID: systemID, from: message.destination.address, to: message.source.address, text: text)
            }
        }
    }

    /// The receipts for one message, in the order they will be sent.
    private func plannedReceipts(for message: SMPPShortMessage, outcome: SMSCOutcome, receiptID: String, number: UInt64) -> [SMPPPDU] {
        guard message.registeredDelivery & 0x03 != 0 else { return [] }
        let final: (stat: String, err: String)
        switch outcome {
        case .receipt(let stat, let err): final = (stat, err)
        case .deliveredWithReply, .throttleOnce: final = ("DELIVRD", "000")
        case .noReceipt, .submitError: return []
        }
        let config = simulator.configuration
        var receipts: [SMPPPDU] = []
        let submitted = Int(Date().timeIntervalSince1970)
        func id() -> (text: String, tlv: String?) {
            config.mixedReceiptIDs ? simulator.mixedReceiptID(number, submitted: receiptID) : (receiptID, receiptID)
        }
        let finalReceipt = receipt(for: message, id: id(), stat: final.stat, err: final.err, submitted: submitted, done: submitted)
        if config.intermediates, message.registeredDelivery & 0x10 != 0 {
            receipts.append(receipt(for: message, id: id(), stat: "ENROUTE", err: "000", submitted: submitted, done: submitted))
        }
        if simulator.roll(config.reorderRate) {
            receipts.insert(finalReceipt, at: 0)
        } else {
            receipts.append(finalReceipt)
        }
        if simulator.roll(config.duplicateRate) {
            // A resent copy is stamped when it is resent (a later done date), and may write the id another way.
            receipts.append(receipt(for: message, id: id(), stat: final.stat, err: final.err, submitted: submitted, done: submitted + Int.random(in: 1...90)))
        }
        simulator.counters.withLock { $0.receiptsCreated += receipts.count }
        return receipts
    }

    private func receipt(for message: SMPPShortMessage, id: (text: String, tlv: String?), stat: String, err: String, submitted: Int, done: Int) -> SMPPPDU {
        let submitDate = ReceiptDate(secondsSince1970: submitted).text, doneDate = ReceiptDate(secondsSince1970: done).text
        let delivered = stat == "DELIVRD" ? "001" : "000"
        let sample = String(SMSText.decode(message.userData, dataCoding: message.dataCoding).prefix(20).map { $0.isASCII ? $0 : "?" })
        let text = "id:\(id.text) sub:001 dlvrd:\(delivered) submit date:\(submitDate) done date:\(doneDate) stat:\(stat) err:\(err) text:\(sample)"
        var tlvs: [SMPPTLV] = []
        if simulator.configuration.receiptTLVs {
            if let tlv = id.tlv { tlvs.append(.cString(.receiptedMessageID, tlv)) }
            if let state = DeliveryReceipt.stateWords.first(where: { $0.value == stat })?.key {
                tlvs.append(.uint8(.messageState, state))
            }
            if let code = UInt16(err), code != 0 {
                tlvs.append(SMPPTLV(tag: .networkErrorCode, value: [3, UInt8(code >> 8), UInt8(code & 0xFF)]))
            }
        }
        let receipt = SMPPShortMessage(
            source: message.destination, destination: message.source, esmClass: 0x04,
            shortMessage: Array(text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }.prefix(254)), tlvs: tlvs
        )
        return .deliverSM(receipt, sequenceNumber: 0)
    }
}
