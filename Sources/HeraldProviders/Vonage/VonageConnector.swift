import AsyncHTTPClient
import Foundation
import HeraldConnectors
import HeraldCore
import Logging
import NIOCore
import SMSText

/// Sends SMS through Vonage's SMS API and reads Vonage's signed delivery receipts and inbound messages.
///
/// One `POST /sms/json` per message (Vonage splits long texts and answers one `message-id` per part:
/// ``SubmitResult/acceptedParts(providerMessageIDs:detail:)``), with `callback` pointing at Herald and `client-ref` naming
/// the Herald message. Receipts (`messageId`, `status`, `err-code`) are checked against the signature secret (`sig`)
/// and become receipts of the part they name. Codes: ``VonageCodes``.
public final class VonageConnector: ProviderCallbackHandling {
    public let configuration: VonageConfiguration
    private let client: HTTPClient
    private let clock: any WallClock
    private let state: ProviderState

    public init(configuration: VonageConfiguration, client: HTTPClient, clock: any WallClock = SystemWallClock(), logger: Logger = Logger(label: "herald.vonage")) {
        self.configuration = configuration
        self.client = client
        self.clock = clock
        state = ProviderState(connector: configuration.name, provider: "Vonage", clock: clock, logger: logger)
    }

    public var name: String { configuration.name }
    public var channels: Set<HeraldCore.Channel> { [.sms] }
    public var takesWholeMessage: Bool { true }
    public var isUp: Bool { state.isUp }

    public var health: ConnectorHealth {
        state.health(type: "vonage", channels: ["sms"], where: "Vonage key \(configuration.apiKey) at \(configuration.baseURL)")
    }

    // MARK: Sending

    public func submit(_ submission: Submission) async -> SubmitResult {
        guard let from = submission.from ?? configuration.from else {
            return .permanentFailure(.providerRejected, detail: ProviderDetail(text: "connector \(name) has no sender: give the message a from, or the connector a from"))
        }
        // Vonage writes numbers without the leading +.
        var form: [ProviderCallback.Parameter] = [
            .init("api_key", configuration.apiKey), .init("from", from.hasPrefix("+") ? String(from.dropFirst()) : from),
            .init("to", submission.to.hasPrefix("+") ? String(submission.to.dropFirst()) : submission.to), .init("text", submission.text),
            .init("callback", configuration.statusCallbackURL), .init("status-report-req", "1"), .init("client-ref", submission.messageID),
        ]
        if SMSText.alphabet(for: submission.text) != .gsm7 { form.append(.init("type", "unicode")) }
        let ttl = Int(submission.validUntil.timeIntervalSince(clock.now()) * 1000)
        if ttl < 604_800_000 { form.append(.init("ttl", String(max(20_000, ttl)))) }
        if let secret = configuration.apiSecret {
            form.append(.init("api_secret", secret))
        } else {
            form.append(.init("timestamp", String(Int(clock.now().timeIntervalSince1970))))
            form.append(.init("sig", VonageSignature.sign(form, secret: configuration.signatureSecret, method: configuration.signatureMethod ?? .md5hash)))
        }
        var request = HTTPClientRequest(url: configuration.smsURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: FormURLEncoding.encode(form)))
        return await state.send(request, with: client, timeout: configuration.timeout, baseURL: configuration.baseURL, answer: answer(status:body:))
    }

    /// Vonage's answer in Herald's words: every part's id when all were taken, else the first refusal's code.
    /// The provider's answer to a send, in Herald's words (public for the fuzz target).
    public func answer(status: Int, body: [UInt8]) -> SubmitResult {
        if status == 429 { return .temporaryFailure(.throttled, detail: ProviderDetail(status: "429", text: "HTTP 429 Too Many Requests")) }
        guard (200..<300).contains(status) else {
            return .temporaryFailure(.providerUnavailable, detail: ProviderDetail(status: "\(status)", text: "HTTP \(status)"))
        }
        guard let reply = VonageSubmitJSON(body), !reply.messages.isEmpty else {
            return .temporaryFailure(.providerUnavailable, detail: ProviderDetail(status: "\(status)", text: "Vonage answered without messages[]"))
        }
        let taken = reply.messages.filter { $0.status == "0" }.compactMap(\.messageID)
        if taken.count == reply.messages.count {
            state.taken()
            let price = reply.messages.compactMap(\.price).compactMap { Decimal(string: $0) }.reduce(0, +)
            return .acceptedParts(providerMessageIDs: taken, detail: ProviderDetail(status: "0", text: "message-count \(taken.count), message-price \(price)"))
        }
        guard let refusal = reply.messages.first(where: { $0.status != "0" }) else {
            return .temporaryFailure(.providerUnavailable, detail: ProviderDetail(text: "Vonage took the message without a message-id"))
        }
        let code = refusal.status ?? "?"
        var detail = ProviderDetail(status: code, errorCode: code, text: refusal.errorText ?? VonageCodes.submitStatuses[code]?.meaning)
        if !taken.isEmpty {
            // Some parts were taken: follow them (the rest never arrives; the validity timer ends the message).
            state.taken()
            detail.text = "\(taken.count) of \(reply.messages.count) parts taken; part refused with \(code): \(detail.text ?? "")"
            return .acceptedParts(providerMessageIDs: taken, detail: detail)
        }
        guard let known = VonageCodes.submitStatuses[code] else {
            state.logUnknown("status \(code)", detail.text ?? "")
            return .permanentFailure(.unknownProviderCode, detail: detail)
        }
        switch known.outcome {
        case .temporary(let reason): return .temporaryFailure(reason, detail: detail)
        case .permanent(let reason):
            // "Invalid Parameters" naming the recipient is the number's fault, not the account's.
            if code == "3", refusal.errorText?.lowercased().contains("to address") == true { return .permanentFailure(.invalidNumber, detail: detail) }
            return .permanentFailure(reason, detail: detail)
        case .credentials:
            state.markDown("\(known.meaning): check api_key, the API secret and the signature secret")
            return .unavailable(detail: detail)
        }
    }

    // MARK: Callbacks

    public func handle(_ callback: ProviderCallback) -> ProviderCallbackVerdict {
        guard let parameters = Self.parameters(of: callback) else {
            return .refused(status: 400, reason: "the body is neither JSON with string values nor application/x-www-form-urlencoded UTF-8")
        }
        guard parameters["sig"] != nil else {
            return .refused(status: 401, reason: "sig is missing: turn on signed webhooks for the Vonage account")
        }
        let methods = configuration.signatureMethod.map { [$0] } ?? VonageSignature.Method.allCases
        guard methods.contains(where: { VonageSignature.verify(parameters, secret: configuration.signatureSecret, method: $0) }) else {
            return .refused(status: 403, reason: "sig does not match (the signature secret, or signature_method \(configuration.signatureMethod?.rawValue ?? "any"))")
        }
        if let stamp = parameters["timestamp"], abs((Double(stamp) ?? 0) - callback.receivedAt.timeIntervalSince1970) > configuration.timestampTolerance {
            return .refused(status: 403, reason: "timestamp \(stamp) is more than \(Int(configuration.timestampTolerance)) s from now (a replayed webhook?)")
        }
        if let key = parameters["api-key"], key != configuration.apiKey {
            return .refused(status: 403, reason: "api-key \(key) is not this connector's")
        }
        switch callback.kind {
        case .status: return receipt(parameters, at: callback.receivedAt)
        case .inbound: return inbound(parameters, at: callback.receivedAt)
        }
    }

    /// A GET's query, or a POST's JSON object or form.
    static func parameters(of callback: ProviderCallback) -> [ProviderCallback.Parameter]? {
        guard callback.method == "POST" else { return callback.query }
        if callback.headers["content-type"]?.lowercased().hasPrefix("application/json") == true {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(callback.body))) as? [String: Any] else { return nil }
            return object.sorted { $0.key < $1.key }.compactMap { name, value in
                switch value {
                case let text as String: .init(name, text)
                case let number as NSNumber: .init(name, number.stringValue)
                default: nil
                }
            }
        }
        return FormURLEncoding.decode(callback.body).map { callback.query + $0 }
    }

    private func receipt(_ parameters: [ProviderCallback.Parameter], at receivedAt: Date) -> ProviderCallbackVerdict {
        guard let id = parameters["messageId"], !id.isEmpty, let word = parameters["status"], !word.isEmpty else {
            return .malformed("a delivery receipt needs messageId and status")
        }
        let errorCode = parameters["err-code"]
        let (kind, reason, known) = VonageCodes.interpret(status: word, errorCode: errorCode)
        if !known { state.logUnknown("status word \(word)", id) }
        if reason == .unknownProviderCode, let errorCode { state.logUnknown("err-code \(errorCode)", id) }
        let words = [reason.flatMap { _ in errorCode.flatMap { VonageCodes.receiptErrors[$0]?.meaning } }].compactMap { $0 }
        let msisdn = parameters["msisdn"] ?? ""
        var receipt = ProviderReceipt(
            connector: name, providerMessageID: id, kind: kind, reason: reason, occurredAt: ProviderDate.utc(parameters["scts"]) ?? receivedAt,
            receivedAt: receivedAt,
            detail: ProviderDetail(status: word, errorCode: errorCode, networkErrorCode: parameters["network-code"], text: words.isEmpty ? nil : words.joined(separator: "; ")),
            addresses: msisdn.isEmpty ? [] : ["+" + msisdn]
        )
        // Vonage's receipt names the amount, in the account's currency (which it does not name).
        receipt.price = parameters["price"].map { ProviderPrice(amount: $0) }
        return .accepted(ProviderCallbackContent(receipts: [receipt], responseStatus: 204))
    }

    private func inbound(_ parameters: [ProviderCallback.Parameter], at receivedAt: Date) -> ProviderCallbackVerdict {
        guard let msisdn = parameters["msisdn"], let to = parameters["to"], !msisdn.isEmpty, !to.isEmpty else {
            return .malformed("an inbound message needs msisdn and to")
        }
        let from = msisdn.allSatisfy(\.isNumber) ? "+" + msisdn : msisdn
        var message = InboundMessage(connector: name, from: from, to: to.allSatisfy(\.isNumber) ? "+" + to : to, text: parameters["text"] ?? "", receivedAt: receivedAt)
        message.providerMessageID = parameters["messageId"]
        return .accepted(ProviderCallbackContent(inbound: [message], responseStatus: 204))
    }
}

/// The SMS API's answer: `{"message-count": "2", "messages": [{"status": "0", "message-id": "...", "message-price": "..."}]}`
/// (values read whether Vonage writes them as strings or numbers).
struct VonageSubmitJSON {
    struct Message {
        var status: String?
        var messageID: String?
        var price: String?
        var errorText: String?
    }

    var messages: [Message]

    init?(_ body: [UInt8]) {
        guard let root = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any], let items = root["messages"] as? [[String: Any]] else {
            return nil
        }
        func text(_ value: Any?) -> String? {
            switch value {
            case let string as String: string
            case let number as NSNumber: number.stringValue
            default: nil
            }
        }
        messages = items.map { Message(status: text($0["status"]), messageID: text($0["message-id"]), price: text($0["message-price"]),
                                       errorText: text($0["error-text"])) }
    }
}
