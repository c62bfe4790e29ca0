import AsyncHTTPClient
import Foundation
import HeraldConnectors
import HeraldProviders
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// `herald fake-provider twilio`: Twilio's Messages API and its signed status callbacks, over real HTTP, for tests,
/// demos and users' own test setups (docs/integrations/twilio.md lists the magic numbers).
///
/// `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` checks Basic auth and the required fields as Twilio does and
/// answers 201 with a Message resource (`SM` + 32 hex digits, status `queued`) or Twilio's error body. Then it posts
/// `sent` and the final status to the message's `StatusCallback`, signed with `X-Twilio-Signature`; by the
/// recipient's number a message is refused (Twilio's test numbers), throttled once, or ends undelivered or failed with
/// an error code. `GET .../Messages/{Sid}.json` reads a message back. `POST /fake/inbound` (form `From`, `To`, `Body`)
/// makes a subscriber's message arrive at `--inbound-url`.
public final class FakeTwilio: Service {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 9001
        public var accountSID = "AC00000000000000000000000000000001"
        public var authToken = "fake-twilio-token"
        /// Delays, duplicates, reordering, callbacks before the API answer.
        public var behaviour = FakeBehaviour()
        /// Where `POST /fake/inbound` sends subscribers' messages (Herald's `/v1/providers/{connector}/inbound`).
        public var inboundURL: String?
        /// False: no status callbacks at all (a benchmark posts its own).
        public var sendsCallbacks = true

        public init() {}
    }

    /// One message as the fake keeps it.
    struct Message: Sendable {
        var sid: String
        var to: String
        var from: String
        var body: String
        var status: String
        var errorCode: Int?
        var statusCallback: String?
        var created: Date
    }

    /// A recipient's fate, by the end of the number (docs/integrations/twilio.md).
    enum Fate: Sendable, Equatable {
        case refuse(httpStatus: Int, code: Int, message: String)
        case refuseOnce(httpStatus: Int, code: Int, message: String)
        case end(status: String, errorCode: Int?)
    }

    public let configuration: Configuration
    private let logger: Logger
    private let poster: CallbackPoster
    private let messages = Mutex([String: Message]())
    /// Numbers already refused once (the `refuseOnce` fates).
    private let refusedOnce = Mutex(Set<String>())
    private let onListening: @Sendable (Int) -> Void

    public init(configuration: Configuration, logger: Logger = Logger(label: "fake.twilio"), onListening: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.configuration = configuration
        self.logger = logger
        self.onListening = onListening
        poster = CallbackPoster(logger: logger)
    }

    static func fate(of number: String) -> Fate {
        switch number {
        case "+15005550001": return .refuse(httpStatus: 400, code: 21211, message: "The 'To' number \(number) is not a valid phone number.")
        case "+15005550002": return .refuse(httpStatus: 400, code: 21612, message: "The 'To' phone number: \(number), is not currently reachable using the 'From' phone number via SMS.")
        case "+15005550003": return .refuse(httpStatus: 400, code: 21408, message: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: \(number).")
        case "+15005550004": return .refuse(httpStatus: 400, code: 21610, message: "Attempt to send to unsubscribed recipient")
        case "+15005550009": return .refuse(httpStatus: 400, code: 21614, message: "'To' number is not a valid mobile number")
        default: break
        }
        switch number.suffix(4) {
        case "0429": return .refuseOnce(httpStatus: 429, code: 20429, message: "Too Many Requests")
        case "0500": return .refuseOnce(httpStatus: 500, code: 20500, message: "Internal Server Error")
        case "0301": return .end(status: "undelivered", errorCode: 30003)
        case "0304": return .end(status: "undelivered", errorCode: 30004)
        case "0305": return .end(status: "undelivered", errorCode: 30005)
        case "0306": return .end(status: "undelivered", errorCode: 30006)
        case "0307": return .end(status: "failed", errorCode: 30007)
        case "0308": return .end(status: "undelivered", errorCode: 30008)
        case "0334": return .end(status: "failed", errorCode: 30034)
        case "0399": return .end(status: "undelivered", errorCode: 39999)
        default: return .end(status: "delivered", errorCode: nil)
        }
    }

    public func run() async throws {
        let router = Router()
        router.post("/2010-04-01/Accounts/:account/Messages.json") { request, context in try await self.create(request, context) }
        router.get("/2010-04-01/Accounts/:account/Messages/:sid") { request, context in try await self.fetch(request, context) }
        router.post("/fake/inbound") { request, _ in try await self.inbound(request) }
        try await poster.serve(router, host: configuration.host, port: configuration.port, name: "FakeTwilio", logger: logger, onListening: onListening)
    }

    // MARK: The API

    private func create(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let account = context.parameters.get("account") ?? ""
        guard authorized(request, account: account) else {
            return Self.error(401, code: 20003, message: "Authenticate")
        }
        let body = try await request.body.collect(upTo: 1 << 20)
        guard let form = FormURLEncoding.decode(body.readableBytesView) else {
            return Self.error(400, code: 20001, message: "Unable to parse the request body")
        }
        guard let to = form["To"], !to.isEmpty else { return Self.error(400, code: 21604, message: "A 'To' phone number is required.") }
        let from = form["From"] ?? form["MessagingServiceSid"].map { _ in "+15005550006" }
        guard let from, !from.isEmpty else { return Self.error(400, code: 21603, message: "A 'From' or 'MessagingServiceSid' parameter is required to send a message") }
        guard let text = form["Body"], !text.isEmpty else { return Self.error(400, code: 21602, message: "Message body is required.") }
        guard text.count <= 1600 else { return Self.error(400, code: 21617, message: "The concatenated message body exceeds the 1600 character limit.") }
        guard to.first == "+", to.dropFirst().allSatisfy(\.isNumber), (8...16).contains(to.count) else {
            return Self.error(400, code: 21211, message: "The 'To' number \(to) is not a valid phone number.")
        }
        if let validity = form["ValidityPeriod"], Int(validity).map({ (1...36_000).contains($0) }) != true {
            return Self.error(400, code: 21624, message: "Validity period can only be set to integers between 1 and 36,000 seconds.")
        }
        if let callback = form["StatusCallback"], URL(string: callback)?.scheme?.hasPrefix("http") != true {
            return Self.error(400, code: 21609, message: "Invalid StatusCallback URL")
        }
        var final = (status: "delivered", errorCode: Int?.none)
        switch Self.fate(of: to) {
        case .refuse(let status, let code, let message):
            return Self.error(status, code: code, message: message)
        case .refuseOnce(let status, let code, let message):
            if refusedOnce.withLock({ $0.insert(to).inserted }) { return Self.error(status, code: code, message: message) }
        case .end(let status, let errorCode):
            final = (status, errorCode)
        }
        let sid = "SM" + (0..<32).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
        let message = Message(sid: sid, to: to, from: from, body: text, status: "queued", errorCode: nil, statusCallback: form["StatusCallback"], created: Date())
        messages.withLock { $0[sid] = message }
        let response = try Self.json(201, resource(message, account: account))
        guard let callback = message.statusCallback, configuration.sendsCallbacks else {
            messages.withLock { $0[sid]?.status = final.status; $0[sid]?.errorCode = final.errorCode }
            return response
        }
        let plan = configuration.behaviour.plan([(word: "sent", code: Int?.none), (word: final.status, code: final.errorCode)])
        await poster.deliver(plan.steps.map { step, delay in
            (signed(callback, statusParameters(message, account: account, status: step.word, errorCode: step.code)), delay)
        }, early: plan.early)
        messages.withLock { $0[sid]?.status = final.status; $0[sid]?.errorCode = final.errorCode }
        return response
    }

    private func fetch(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let account = context.parameters.get("account") ?? ""
        guard authorized(request, account: account) else { return Self.error(401, code: 20003, message: "Authenticate") }
        let sid = (context.parameters.get("sid") ?? "").replacingOccurrences(of: ".json", with: "")
        guard let message = messages.withLock({ $0[sid] }) else {
            return Self.error(404, code: 20404, message: "The requested resource /2010-04-01/Accounts/\(account)/Messages/\(sid).json was not found")
        }
        return try Self.json(200, resource(message, account: account))
    }

    /// A subscriber's message to the account's number, posted to `--inbound-url` as Twilio does.
    private func inbound(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 16)
        guard let form = FormURLEncoding.decode(body.readableBytesView), let from = form["From"], let to = form["To"] else {
            return Self.error(400, code: 20001, message: "POST /fake/inbound needs From, To and Body")
        }
        guard let url = configuration.inboundURL else { return Self.error(400, code: 20001, message: "start the fake with --inbound-url") }
        let sid = "SM" + (0..<32).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
        let parameters: [ProviderCallback.Parameter] = [
            .init("AccountSid", configuration.accountSID), .init("ApiVersion", "2010-04-01"), .init("Body", form["Body"] ?? ""),
            .init("From", from), .init("MessageSid", sid), .init("NumMedia", "0"), .init("NumSegments", "1"), .init("SmsMessageSid", sid),
            .init("SmsSid", sid), .init("SmsStatus", "received"), .init("To", to),
        ]
        let status = await post(url, parameters)
        return try Self.json(200, ["sid": sid, "delivered_status": "\(status)"])
    }

    private func authorized(_ request: Request, account: String) -> Bool {
        guard account == configuration.accountSID, let header = request.headers[.authorization], header.hasPrefix("Basic "),
              let decoded = Data(base64Encoded: String(header.dropFirst(6))).flatMap({ String(data: $0, encoding: .utf8) })
        else { return false }
        return decoded == "\(configuration.accountSID):\(configuration.authToken)"
    }

    private func statusParameters(_ message: Message, account: String, status: String, errorCode: Int?) -> [ProviderCallback.Parameter] {
        var parameters: [ProviderCallback.Parameter] = [
            .init("AccountSid", account), .init("ApiVersion", "2010-04-01"), .init("From", message.from), .init("MessageSid", message.sid),
            .init("MessageStatus", status), .init("SmsSid", message.sid), .init("SmsStatus", status), .init("To", message.to),
        ]
        if let errorCode { parameters.append(.init("ErrorCode", String(errorCode))) }
        if status == "delivered" || status == "undelivered" {
            parameters.append(.init("RawDlrDoneDate", FakeDates.utc(Date(), "yyMMddHHmm")))
        }
        return parameters
    }

    /// A callback signed as Twilio signs it.
    private func signed(_ url: String, _ parameters: [ProviderCallback.Parameter]) -> CallbackPoster.Callback {
        CallbackPoster.Callback(url: url, headers: [("X-Twilio-Signature", TwilioSignature.sign(url: url, parameters: parameters, authToken: configuration.authToken)),
                                                    ("User-Agent", "TwilioProxy/1.1")],
                                contentType: "application/x-www-form-urlencoded", body: FormURLEncoding.encode(parameters))
    }

    @discardableResult
    private func post(_ url: String, _ parameters: [ProviderCallback.Parameter]) async -> Int {
        await poster.post(signed(url, parameters))
    }

    // MARK: Twilio's JSON

    private func resource(_ message: Message, account: String) -> [String: Any] {
        let uri = "/2010-04-01/Accounts/\(account)/Messages/\(message.sid).json"
        return [
            "account_sid": account, "api_version": "2010-04-01", "body": message.body, "date_created": FakeDates.utc(message.created, "EEE, dd MMM yyyy HH:mm:ss Z"),
            "date_sent": NSNull(), "date_updated": FakeDates.utc(message.created, "EEE, dd MMM yyyy HH:mm:ss Z"), "direction": "outbound-api",
            "error_code": message.errorCode.map { $0 as Any } ?? NSNull(), "error_message": NSNull(), "from": message.from,
            "messaging_service_sid": NSNull(), "num_media": "0", "num_segments": "1", "price": NSNull(), "price_unit": "USD",
            "sid": message.sid, "status": message.status, "subresource_uris": ["media": uri.replacingOccurrences(of: ".json", with: "/Media.json")],
            "to": message.to, "uri": uri,
        ]
    }

    static func error(_ status: Int, code: Int, message: String) -> Response {
        (try? json(status, ["code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/\(code)", "status": status]))
            ?? Response(status: .internalServerError)
    }

    static func json(_ status: Int, _ object: [String: Any]) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(status: .init(code: status), headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
