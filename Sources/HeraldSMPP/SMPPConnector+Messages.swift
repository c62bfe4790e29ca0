import Foundation
import HeraldConnectors
import HeraldCore
import NIOCore
import SMPP
import SMSText

extension SMPPConnector {
    /// The submit_sm for one part: smallest alphabet the SMSC accepts, concatenation per connector, a
    /// reference shared by all parts of the message, validity from the message.
    func shortMessage(for submission: Submission) -> SMPPShortMessage {
        let alphabet = SMSText.alphabet(for: submission.text, allowing: configuration.alphabets)
        let octets = SMSText.encode(submission.text, as: alphabet) ?? SMSText.encode(submission.text, as: .ucs2) ?? []
        var message = SMPPShortMessage(
            serviceType: configuration.serviceType,
            source: .sender(submission.from ?? configuration.defaultSender),
            destination: .international(submission.to),
            validityPeriod: configuration.sendValidity ? Self.absoluteTime(submission.validUntil) : "",
            registeredDelivery: configuration.registeredDelivery,
            dataCoding: alphabet.dataCoding
        )
        configuration.concatenation.apply(
            part: octets, reference: Self.reference(for: submission.messageID), total: submission.partCount, index: submission.part + 1,
            to: &message
        )
        return message
    }

    /// A concatenation reference derived from the message id: the same for every part and every retry.
    static func reference(for messageID: String) -> UInt16 {
        var hash: UInt32 = 2_166_136_261
        for byte in messageID.utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        return UInt16(truncatingIfNeeded: hash ^ (hash >> 16))
    }

    /// SMPP absolute time `YYMMDDhhmmsstnnp` in UTC.
    static func absoluteTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String {
            let v = (value ?? 0) % 100
            return v < 10 ? "0\(v)" : "\(v)"
        }
        return two(c.year) + two(c.month) + two(c.day) + two(c.hour) + two(c.minute) + two(c.second) + "000+"
    }

    /// A deliver_sm / data_sm from the SMSC: a receipt goes to the receipt path, anything else is an inbound
    /// message. Either is acknowledged once stored.
    func handleInbound(_ pdu: SMPPPDU, channel: any NIOCore.Channel) {
        let now = Date()
        let ticket = board.received(on: channel, now: now)
        let board = self.board
        let acknowledge: @Sendable () -> Void = {
            if let ticket { board.stored(ticket) }
            channel.writeAndFlush(ESMEOutbound.respond(pdu.response()), promise: nil)
        }
        switch pdu.body {
        case .shortMessage(let message) where message.isReceipt:
            sink.deliver(receipt(text: Self.receiptText(message.userData, dataCoding: message.dataCoding), tlvs: message.tlvs,
                                 addresses: [message.source, message.destination], at: now), onStored: acknowledge)
        case .dataSM(let message) where message.isReceipt:
            let payload = message.tlvs[.messagePayload]?.value ?? []
            sink.deliver(receipt(text: Self.receiptText(payload, dataCoding: message.dataCoding), tlvs: message.tlvs,
                                 addresses: [message.source, message.destination], at: now), onStored: acknowledge)
        case .shortMessage(let message):
            let inbound = InboundMessage(connector: name, from: Self.number(message.source), to: Self.number(message.destination),
                                         text: SMSText.decode(message.userData, dataCoding: message.dataCoding), receivedAt: now)
            onInbound(inbound, acknowledge)
        case .dataSM(let message):
            let inbound = InboundMessage(connector: name, from: Self.number(message.source), to: Self.number(message.destination),
                                         text: SMSText.decode(message.tlvs[.messagePayload]?.value ?? [], dataCoding: message.dataCoding), receivedAt: now)
            onInbound(inbound, acknowledge)
        default:
            acknowledge()
        }
    }

    /// A receipt as Herald's input: status and reason by the connector's profile, every raw field kept, the id in
    /// every form it may have been correlated under, the numbers it names and its submit date for the matcher.
    func receipt(text: String, tlvs: [SMPPTLV], addresses: [SMPPAddress] = [], at now: Date) -> ProviderReceipt {
        let parsed = DeliveryReceipt(text: text, tlvs: tlvs)
        let (status, reason) = configuration.receiptProfile.interpret(parsed)
        let offset = configuration.receiptTimeZoneOffset
        func date(_ value: ReceiptDate?) -> Date? {
            value.map { Date(timeIntervalSince1970: TimeInterval($0.secondsSince1970(offsetSeconds: offset))) }
        }
        // The done date is the event time; without one, the submit date (stable across copies of the receipt, so a
        // duplicate is still recognised), and only then the arrival time.
        let occurredAt = date(parsed.doneDate ?? parsed.submitDate) ?? now
        var raw = text
        if let state = parsed.messageState { raw += (raw.isEmpty ? "" : " ") + "[message_state=\(state)]" }
        let keys = matchKeys(receiptIDs: [parsed.messageID, parsed.textMessageID].compactMap { $0 })
        return ProviderReceipt(
            connector: name, providerMessageID: keys.first?.key ?? "",
            kind: .status(status), reason: reason, occurredAt: occurredAt, receivedAt: now,
            detail: ProviderDetail(status: parsed.stat, errorCode: parsed.error, networkErrorCode: parsed.networkErrorCode, text: raw),
            matchKeys: keys, addresses: addresses.map(Self.number).filter { !$0.isEmpty }, submittedAt: date(parsed.submitDate)
        )
    }

    /// The forms a receipt's ids are looked up under. With `receipt_id_format` or `submit_id_format` set, exactly the
    /// canonical form of the first id (the operator said how the SMSC writes them). Otherwise (`auto`) each id as
    /// written (normalised), then read as decimal written in hex, then read as hex written in decimal.
    func matchKeys(receiptIDs: [String]) -> [ProviderReceipt.MatchKey] {
        guard configuration.submitIDFormat == .auto, configuration.receiptIDFormat == .auto else {
            let format = configuration.receiptIDFormat == .auto ? MessageIDFormat.string : configuration.receiptIDFormat
            return [ProviderReceipt.MatchKey(format.canonical(receiptIDs.first ?? ""))]
        }
        var keys: [ProviderReceipt.MatchKey] = []
        func add(_ key: String?, _ form: ProviderReceipt.MatchKey.Form) {
            guard let key, !key.isEmpty, !keys.contains(where: { $0.key == key }) else { return }
            keys.append(ProviderReceipt.MatchKey(key, form: form))
        }
        for id in receiptIDs { add(MessageIDFormat.normalized(id), .exact) }
        // As written before ids were normalised (correlations stored by an earlier Herald keep their leading zeros).
        for id in receiptIDs { add(MessageIDFormat.string.canonical(id), .exact) }
        for id in receiptIDs {
            let other = MessageIDFormat.alternatives(of: id)
            add(other.decimalAsHex, .decimalOfHex)
            add(other.hexAsDecimal, .hexOfDecimal)
        }
        return keys.isEmpty ? [ProviderReceipt.MatchKey("")] : keys
    }

    /// The keys a receipt parked before this submission's correlation may be filed under: a receipt's forms are
    /// computed from the receipt's id, so the correlation looks for the receipt written in each of its own forms.
    public func matchKeys(forProviderID id: String) -> [String] {
        guard configuration.submitIDFormat == .auto, configuration.receiptIDFormat == .auto else { return [id] }
        let other = MessageIDFormat.alternatives(of: id)
        var keys = [id]
        for key in [other.decimalAsHex, other.hexAsDecimal].compactMap({ $0 }) where !keys.contains(key) { keys.append(key) }
        return keys
    }

    /// Receipt text is ASCII in practice: read it byte for byte (GSM-7 decoding would turn `_` into `§`),
    /// except UCS-2.
    static func receiptText(_ bytes: [UInt8], dataCoding: UInt8) -> String {
        dataCoding == 8 ? SMSText.decode(bytes, dataCoding: 8) : SMSText.decode(bytes, dataCoding: 3)
    }

    /// `+digits` for an international number, the address as is otherwise.
    static func number(_ address: SMPPAddress) -> String {
        address.ton == 1 && !address.address.hasPrefix("+") ? "+" + address.address : address.address
    }
}
