import AsyncHTTPClient
import Foundation
import HeraldConnectors
import HeraldCore
import Logging
import NIOCore
import NIOHTTP1

/// Sends SMS through Twilio's Messages API and reads Twilio's signed status and inbound callbacks.
///
/// One `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` per message (Twilio splits long texts itself, so the
/// whole message goes at once: ``takesWholeMessage``), with `StatusCallback` pointing at Herald. The answer's `sid`
/// is correlated; Twilio's callbacks (`MessageSid`, `MessageStatus`, `ErrorCode`) become receipts after their
/// `X-Twilio-Signature` is checked. Codes: ``TwilioCodes``.
public final class TwilioConnector: ProviderCallbackHandling {
    public let configuration: TwilioConfiguration
    private let client: HTTPClient
    private let logger: Logger
    private let clock: any WallClock
    private let state: ProviderState

    /// `client`: the process's ``ProviderHTTPClient`` (its pool and lifetime are shared by every provider connector).
    public init(configuration: TwilioConfiguration, client: HTTPClient, clock: any WallClock = SystemWallClock(), logger: Logger = Logger(label: "herald.twilio")) {
        self.configuration = configuration
        self.client = client
        self.clock = clock
        self.logger = logger
        state = ProviderState(connector: configuration.name, provider: "Twilio", clock: clock, logger: logger)
    }

    public var name: String { configuration.name }
    public var channels: Set<HeraldCore.Channel> { [.sms] }
    public var takesWholeMessage: Bool { true }

    public var health: ConnectorHealth {
        state.health(type: "twilio", channels: ["sms"], where: "Twilio account \(configuration.accountSID) at \(configuration.baseURL)")
    }

    public var isUp: Bool { state.isUp }

    // MARK: Sending

    public func submit(_ submission: Submission) async -> SubmitResult {
        var form: [ProviderCallback.Parameter] = [.init("To", submission.to)]
        if let from = submission.from ?? configuration.from {
            form.append(.init("From", from))
        }
        if let service = configuration.messagingServiceSID, submission.from == nil {
            form = form.filter { $0.name != "From" } + [.init("MessagingServiceSid", service)]
        }
        guard form.contains(where: { $0.name == "From" || $0.name == "MessagingServiceSid" }) else {
            return .permanentFailure(.providerRejected, detail: ProviderDetail(
                text: "connector \(name) has no sender: give the message a from, or the connector a from or messaging_service_sid"))
        }
        form.append(.init("Body", submission.text))
        form.append(.init("StatusCallback", configuration.statusCallbackURL))
        let validity = Int(submission.validUntil.timeIntervalSince(clock.now()).rounded(.down))
        if validity < 36_000 { form.append(.init("ValidityPeriod", String(max(1, validity)))) }

        var request = HTTPClientRequest(url: configuration.messagesURL)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Basic " + Data("\(configuration.accountSID):\(configuration.authToken)".utf8).base64EncodedString())
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: FormURLEncoding.encode(form)))
        return await state.send(request, with: client, timeout: configuration.timeout, baseURL: configuration.baseURL, answer: answer(status:body:))
    }

    /// Twilio's answer to a create request, in Herald's words (public for the fuzz target).
    public func answer(status: Int, body: [UInt8]) -> SubmitResult {
        if (200..<300).contains(status) {
            guard let message = try? JSONDecoder().decode(TwilioMessageJSON.self, from: Data(body)), !message.sid.isEmpty else {
                // Taken (2xx) but no id to follow: its statuses can never be matched.
                return .temporaryFailure(.providerUnavailable, detail: ProviderDetail(status: "\(status)", text: "Twilio answered \(status) without a message sid"))
            }
            state.taken()
            return .accepted(providerMessageID: message.sid, detail: ProviderDetail(status: message.status))
        }
        let error = try? JSONDecoder().decode(TwilioErrorJSON.self, from: Data(body))
        let code = error?.code
        var detail = ProviderDetail(status: "\(status)", errorCode: code.map(String.init), text: error?.message ?? "HTTP \(status)")
        if let more = error?.more_info { detail.text = (detail.text ?? "") + " (\(more))" }
        switch (status, code) {
        case (429, _), (_, 20429?):
            return .temporaryFailure(.throttled, detail: detail)
        case (401, _), (_, 20003?):
            state.markDown("authentication refused: check account_sid and the auth token")
            return .unavailable(detail: detail)
        case (500..., _):
            return .temporaryFailure(.providerUnavailable, detail: detail)
        default:
            guard let code, let entry = TwilioCodes.errors[code] else {
                if let code { state.logUnknown("error code \(code)", detail.text ?? "") }
                return .permanentFailure(code == nil ? .providerRejected : .unknownProviderCode, detail: detail)
            }
            return entry.reason.isRetryable ? .temporaryFailure(entry.reason, detail: detail) : .permanentFailure(entry.reason, detail: detail)
        }
    }

    // MARK: Callbacks

    public func handle(_ callback: ProviderCallback) -> ProviderCallbackVerdict {
        guard callback.method == "POST" else { return .refused(status: 405, reason: "Twilio callbacks are POSTs") }
        guard let parameters = FormURLEncoding.decode(callback.body) else {
            return .refused(status: 400, reason: "the body is not application/x-www-form-urlencoded UTF-8")
        }
        guard let signature = callback.headers["x-twilio-signature"] else {
            return .refused(status: 401, reason: "X-Twilio-Signature is missing")
        }
        guard TwilioSignature.verify(signature, url: callback.url, parameters: parameters, authToken: configuration.authToken) else {
            return .refused(status: 403, reason: "X-Twilio-Signature does not match (auth token, or the public URL Twilio was given: \(callback.url))")
        }
        if let account = parameters["AccountSid"], account != configuration.accountSID {
            return .refused(status: 403, reason: "AccountSid \(account) is not this connector's account")
        }
        switch callback.kind {
        case .status: return status(parameters, at: callback.receivedAt)
        case .inbound: return inbound(parameters, at: callback.receivedAt)
        }
    }

    private func status(_ parameters: [ProviderCallback.Parameter], at receivedAt: Date) -> ProviderCallbackVerdict {
        guard let sid = parameters["MessageSid"] ?? parameters["SmsSid"], !sid.isEmpty,
              let word = parameters["MessageStatus"] ?? parameters["SmsStatus"], !word.isEmpty
        else { return .malformed("a status callback needs MessageSid and MessageStatus") }
        let errorCode = parameters["ErrorCode"].flatMap { Int($0) }
        let (kind, known) = TwilioCodes.kind(ofStatus: word, errorCode: errorCode)
        if !known { state.logUnknown("status word \(word)", sid) }
        guard let kind else { return .accepted(ProviderCallbackContent(responseStatus: 204)) }
        var reason: ReasonCode?
        var text = parameters["ErrorMessage"]
        if case .status(let status) = kind, status == .failed || status == .undelivered || status == .expired {
            reason = TwilioCodes.reason(errorCode: errorCode, status: status)
            if let errorCode {
                if let entry = TwilioCodes.errors[errorCode] { text = text ?? entry.meaning } else { state.logUnknown("error code \(errorCode)", sid) }
            }
        }
        var receipt = ProviderReceipt(
            connector: name, providerMessageID: sid, kind: kind, reason: reason, occurredAt: ProviderDate.utc(parameters["RawDlrDoneDate"]) ?? receivedAt,
            receivedAt: receivedAt, detail: ProviderDetail(status: word, errorCode: parameters["ErrorCode"], text: text),
            addresses: [parameters["To"]].compactMap { $0 }
        )
        // Status callbacks rarely carry the price; when one does (`Price`, `PriceUnit`), it is kept.
        receipt.price = parameters["Price"].flatMap { $0.isEmpty ? nil : ProviderPrice(amount: $0, currency: parameters["PriceUnit"]) }
        return .accepted(ProviderCallbackContent(receipts: [receipt], responseStatus: 204))
    }

    private func inbound(_ parameters: [ProviderCallback.Parameter], at receivedAt: Date) -> ProviderCallbackVerdict {
        guard let from = parameters["From"], let to = parameters["To"], !from.isEmpty, !to.isEmpty else {
            return .malformed("an inbound message callback needs From and To")
        }
        var message = InboundMessage(connector: name, from: from, to: to, text: parameters["Body"] ?? "", receivedAt: receivedAt)
        message.providerMessageID = parameters["MessageSid"] ?? parameters["SmsSid"]
        return .accepted(ProviderCallbackContent(inbound: [message], responseStatus: 200, responseContentType: "text/xml; charset=utf-8",
                                                 responseBody: #"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#))
    }
}

/// The fields of Twilio's Message resource Herald reads.
struct TwilioMessageJSON: Decodable {
    var sid: String
    var status: String?
}

/// Twilio's error body: `{"code": 21211, "message": "...", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}`.
struct TwilioErrorJSON: Decodable {
    var code: Int?
    var message: String?
    var more_info: String?
    var status: Int?
}
