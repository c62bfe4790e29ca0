import AsyncHTTPClient
import Foundation
import HeraldConnectors
import HeraldCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

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
    private let state = Mutex(State())

    private struct State {
        /// Not used until then: the API refused the credentials, or could not be reached.
        var downUntil: Date?
        var lastError: String?
        var sent = 0
        /// Unknown status words and error codes already logged (each once).
        var logged: Set<String> = []
    }

    /// How long the connector counts as down after Twilio could not be reached or refused the credentials.
    static let downFor: TimeInterval = 5

    /// `client`: the process's ``ProviderHTTPClient`` (its pool and lifetime are shared by every provider connector).
    public init(configuration: TwilioConfiguration, client: HTTPClient, clock: any WallClock = SystemWallClock(), logger: Logger = Logger(label: "herald.twilio")) {
        self.configuration = configuration
        self.client = client
        self.clock = clock
        self.logger = logger
    }

    public var name: String { configuration.name }
    public var channels: Set<HeraldCore.Channel> { [.sms] }
    public var takesWholeMessage: Bool { true }

    public var health: ConnectorHealth {
        let (up, detail) = state.withLock { state -> (Bool, String) in
            let up = state.downUntil.map { clock.now() >= $0 } ?? true
            let last = state.lastError.map { "; last error: \($0)" } ?? ""
            return (up, "Twilio account \(configuration.accountSID) at \(configuration.baseURL), \(state.sent) sent\(last)")
        }
        return ConnectorHealth(name: name, type: "twilio", channels: ["sms"], isUp: up, detail: detail)
    }

    public var isUp: Bool {
        state.withLock { state in state.downUntil.map { clock.now() >= $0 } ?? true }
    }

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
        let status: Int, body: ByteBuffer
        do {
            let response = try await client.execute(request, timeout: .init(configuration.timeout))
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            return failed(error)
        }
        return answer(status: status, body: Array(buffer: body))
    }

    /// Twilio's answer to a create request, in Herald's words.
    func answer(status: Int, body: [UInt8]) -> SubmitResult {
        if (200..<300).contains(status) {
            guard let message = try? JSONDecoder().decode(TwilioMessageJSON.self, from: Data(body)), !message.sid.isEmpty else {
                // Taken (2xx) but no id to follow: its statuses can never be matched.
                return .temporaryFailure(.providerUnavailable, detail: ProviderDetail(status: "\(status)", text: "Twilio answered \(status) without a message sid"))
            }
            state.withLock {
                $0.sent += 1
                $0.downUntil = nil
            }
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
            markDown("authentication refused: check account_sid and the auth token")
            return .unavailable(detail: detail)
        case (500..., _):
            return .temporaryFailure(.providerUnavailable, detail: detail)
        default:
            guard let code, let entry = TwilioCodes.errors[code] else {
                if let code { logOnce("error code \(code)", detail.text ?? "") }
                return .permanentFailure(code == nil ? .providerRejected : .unknownProviderCode, detail: detail)
            }
            return entry.reason.isRetryable ? .temporaryFailure(entry.reason, detail: detail) : .permanentFailure(entry.reason, detail: detail)
        }
    }

    /// A request that got no answer: not connected means nothing was sent (the message waits or fails over); a timeout
    /// after sending may have reached Twilio (retried as a temporary failure).
    private func failed(_ error: any Error) -> SubmitResult {
        let text = "\(error)"
        let notConnected = error is NIOConnectionError || (error as? HTTPClientError) == .connectTimeout
            || (error as? IOError).map { $0.errnoCode == ECONNREFUSED || $0.errnoCode == ENETUNREACH || $0.errnoCode == EHOSTUNREACH } == true
            || text.contains("connectTimeout") || text.contains("Connection refused")
        if notConnected {
            markDown("cannot connect to \(configuration.baseURL): \(text)")
            return .unavailable(detail: ProviderDetail(text: "cannot connect to Twilio at \(configuration.baseURL): \(text)"))
        }
        state.withLock { $0.lastError = text }
        return .temporaryFailure(.providerUnavailable, detail: ProviderDetail(text: "no answer from Twilio: \(text)"))
    }

    private func markDown(_ why: String) {
        state.withLock {
            $0.downUntil = clock.now().addingTimeInterval(Self.downFor)
            $0.lastError = why
        }
        logger.error("twilio connector unavailable", metadata: ["connector": "\(name)", "why": "\(why)"])
    }

    private func logOnce(_ what: String, _ text: String) {
        guard state.withLock({ $0.logged.insert(what).inserted }) else { return }
        logger.warning("Twilio sent an unknown \(what); kept raw, mapped to UNKNOWN_PROVIDER_CODE or no change",
                       metadata: ["connector": "\(name)", "text": "\(LogText.escaped(text))"])
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
        if !known { logOnce("status word \(word)", sid) }
        guard let kind else { return .accepted(ProviderCallbackContent(responseStatus: 204)) }
        var reason: ReasonCode?
        var text = parameters["ErrorMessage"]
        if case .status(let status) = kind, status == .failed || status == .undelivered || status == .expired {
            reason = TwilioCodes.reason(errorCode: errorCode, status: status)
            if let errorCode {
                if let entry = TwilioCodes.errors[errorCode] { text = text ?? entry.meaning } else { logOnce("error code \(errorCode)", sid) }
            }
        }
        let receipt = ProviderReceipt(
            connector: name, providerMessageID: sid, kind: kind, reason: reason, occurredAt: Self.doneDate(parameters["RawDlrDoneDate"]) ?? receivedAt,
            receivedAt: receivedAt, detail: ProviderDetail(status: word, errorCode: parameters["ErrorCode"], text: text),
            addresses: [parameters["To"]].compactMap { $0 }
        )
        return .accepted(ProviderCallbackContent(receipts: [receipt], responseStatus: 204))
    }

    private func inbound(_ parameters: [ProviderCallback.Parameter], at receivedAt: Date) -> ProviderCallbackVerdict {
        guard let from = parameters["From"], let to = parameters["To"], !from.isEmpty, !to.isEmpty else {
            return .malformed("an inbound message callback needs From and To")
        }
        let message = InboundMessage(connector: name, from: from, to: to, text: parameters["Body"] ?? "", receivedAt: receivedAt)
        return .accepted(ProviderCallbackContent(inbound: [message], responseStatus: 200, responseContentType: "text/xml; charset=utf-8",
                                                 responseBody: #"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#))
    }

    /// `RawDlrDoneDate` (`YYMMDDhhmm`, UTC): when the carrier reported the outcome.
    static func doneDate(_ text: String?) -> Date? {
        guard let text, text.count == 10, text.allSatisfy(\.isASCII), let _ = Int(text) else { return nil }
        let digits = text.compactMap { $0.wholeNumberValue }
        var components = DateComponents()
        components.timeZone = TimeZone(identifier: "UTC")
        components.year = 2000 + digits[0] * 10 + digits[1]
        components.month = digits[2] * 10 + digits[3]
        components.day = digits[4] * 10 + digits[5]
        components.hour = digits[6] * 10 + digits[7]
        components.minute = digits[8] * 10 + digits[9]
        guard (1...12).contains(components.month!), (1...31).contains(components.day!), components.hour! < 24, components.minute! < 60 else { return nil }
        return Calendar(identifier: .gregorian).date(from: components)
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
