import Foundation
import HeraldConnectors
import HeraldProviders
import Hummingbird
import Logging
import NIOCore
import SMSText
import ServiceLifecycle
import Synchronization

/// `herald fake-provider vonage`: Vonage's SMS API (`POST /sms/json`, form or JSON, or a GET) with its per-message
/// `status` codes, one `message-id` per part, and signed delivery receipts (`sig`, `timestamp`, `nonce`) posted as JSON
/// to the request's `callback`. The recipient's number chooses the outcome (docs/integrations/vonage.md).
/// `POST /fake/inbound` (form `msisdn`, `to`, `text`) sends a subscriber's message to `--inbound-url`.
public final class FakeVonage: Service {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 9002
        public var apiKey = "fakekey"
        public var apiSecret = "fake-vonage-secret"
        public var signatureSecret = "fake-vonage-signature-secret"
        public var signatureMethod = VonageSignature.Method.md5hash
        /// Delays, duplicates, reordering, callbacks before the API answer.
        public var behaviour = FakeBehaviour()
        public var inboundURL: String?
        /// False: no delivery receipts at all (a benchmark posts its own).
        public var sendsCallbacks = true

        public init() {}
    }

    enum Fate: Sendable, Equatable {
        case refuse(status: String, text: String)
        case refuseOnce(status: String, text: String)
        case end(status: String, errorCode: String)
        /// A failure the first time this number is sent to, delivered afterwards.
        case failOnce(errorCode: String)
    }

    public let configuration: Configuration
    private let logger: Logger
    private let poster: CallbackPoster
    private let seen = Mutex(Set<String>())
    private let onListening: @Sendable (Int) -> Void

    public init(configuration: Configuration, logger: Logger = Logger(label: "fake.vonage"), onListening: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.configuration = configuration
        self.logger = logger
        self.onListening = onListening
        poster = CallbackPoster(logger: logger)
    }

    static func fate(of number: String) -> Fate {
        switch number.suffix(4) {
        case "0429": .refuseOnce(status: "1", text: "Throughput Rate Exceeded - please wait [ 1000 ] and retry")
        case "0233": .refuse(status: "33", text: "Number de-activated")
        case "0702": .failOnce(errorCode: "2")
        case "0707": .failOnce(errorCode: "7")
        case "0703": .end(status: "failed", errorCode: "3")
        case "0704": .end(status: "failed", errorCode: "4")
        case "0706": .end(status: "rejected", errorCode: "6")
        case "0709": .end(status: "failed", errorCode: "9")
        case "0714": .end(status: "failed", errorCode: "14")
        case "0799": .end(status: "failed", errorCode: "99")
        case "0777": .end(status: "failed", errorCode: "77")
        case "0800": .end(status: "expired", errorCode: "1")
        default: .end(status: "delivered", errorCode: "0")
        }
    }

    public func run() async throws {
        let router = Router()
        router.post("/sms/json") { request, _ in try await self.send(request) }
        router.get("/sms/json") { request, _ in try await self.send(request) }
        router.post("/fake/inbound") { request, _ in try await self.inbound(request) }
        try await poster.serve(router, host: configuration.host, port: configuration.port, name: "FakeVonage", logger: logger, onListening: onListening)
    }

    private func send(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        var parameters = request.uri.queryParameters.map { ProviderCallback.Parameter(String($0.key), String($0.value)) }
        if request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true {
            let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
            parameters += object.compactMap { name, value in (value as? String).map { .init(name, $0) } ?? (value as? NSNumber).map { .init(name, $0.stringValue) } }
        } else if let form = FormURLEncoding.decode(body.readableBytesView) {
            parameters += form
        }
        guard parameters["api_key"] == configuration.apiKey else { return try Self.refusal("4", "Bad Credentials") }
        if let secret = parameters["api_secret"] {
            guard secret == configuration.apiSecret else { return try Self.refusal("4", "Bad Credentials") }
        } else {
            guard parameters["sig"] != nil else { return try Self.refusal("2", "Missing api_secret or sig") }
            guard VonageSignature.verify(parameters, secret: configuration.signatureSecret, method: configuration.signatureMethod) else {
                return try Self.refusal("14", "Invalid Signature")
            }
        }
        guard let from = parameters["from"], !from.isEmpty else { return try Self.refusal("2", "Missing from param") }
        guard let to = parameters["to"], !to.isEmpty else { return try Self.refusal("2", "Missing to param") }
        guard let text = parameters["text"], !text.isEmpty else { return try Self.refusal("2", "Missing text param") }
        guard to.allSatisfy(\.isNumber), (7...15).contains(to.count) else { return try Self.refusal("3", "Invalid to address") }
        var final = (status: "delivered", errorCode: "0")
        switch Self.fate(of: to) {
        case .refuse(let status, let text):
            return try Self.refusal(status, text)
        case .refuseOnce(let status, let text):
            if seen.withLock({ $0.insert("refuse:" + to).inserted }) { return try Self.refusal(status, text) }
        case .end(let status, let code):
            final = (status, code)
        case .failOnce(let code):
            if seen.withLock({ $0.insert("fail:" + to).inserted }) { final = ("failed", code) }
        }
        let unicode = parameters["type"] == "unicode"
        let parts = SMSText.segment(text, allowing: unicode ? [.ucs2] : [.gsm7, .ucs2]).segments
        let ids = (0..<parts).map { _ in "0A" + (0..<14).map { _ in String(Int.random(in: 0..<16), radix: 16, uppercase: true) }.joined() }
        let messages: [[String: String]] = ids.map { id in
            ["to": to, "message-id": id, "status": "0", "remaining-balance": "15.53590000", "message-price": "0.03330000", "network": "23410"]
                .merging(parameters["client-ref"].map { ["client-ref": $0] } ?? [:]) { first, _ in first }
        }
        let response = try Self.json(["message-count": String(parts), "messages": messages])
        guard let callback = parameters["callback"], configuration.sendsCallbacks else { return response }
        for id in ids {
            let plan = configuration.behaviour.plan([(word: "buffered", code: "0"), (word: final.status, code: final.errorCode)])
            await poster.deliver(plan.steps.map { step, delay in
                (signed(callback, receiptParameters(id: id, to: to, from: from, status: step.word, errorCode: step.code, clientRef: parameters["client-ref"])), delay)
            }, early: plan.early)
        }
        return response
    }

    private func receiptParameters(id: String, to: String, from: String, status: String, errorCode: String, clientRef: String?) -> [ProviderCallback.Parameter] {
        let scts = FakeDates.utc(Date(), "yyMMddHHmm")
        var parameters: [ProviderCallback.Parameter] = [
            .init("msisdn", to), .init("to", from), .init("network-code", "23410"), .init("messageId", id), .init("price", "0.03330000"),
            .init("status", status), .init("scts", scts), .init("err-code", errorCode), .init("api-key", configuration.apiKey),
            .init("message-timestamp", FakeDates.utc(Date(), "yyyy-MM-dd HH:mm:ss")), .init("timestamp", String(Int(Date().timeIntervalSince1970))),
            .init("nonce", UUID().uuidString.lowercased()),
        ]
        if let clientRef { parameters.append(.init("client-ref", clientRef)) }
        return parameters
    }

    /// JSON with every value a string, `sig` added, as Vonage posts signed webhooks.
    private func signed(_ url: String, _ parameters: [ProviderCallback.Parameter]) -> CallbackPoster.Callback {
        let sig = VonageSignature.sign(parameters, secret: configuration.signatureSecret, method: configuration.signatureMethod)
        var object = Dictionary(parameters.map { ($0.name, $0.value) }) { _, last in last }
        object["sig"] = sig
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return CallbackPoster.Callback(url: url, headers: [("User-Agent", "Vonage-Webhooks/1.0")], contentType: "application/json",
                                       body: String(decoding: data, as: UTF8.self))
    }

    private func inbound(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 16)
        guard let form = FormURLEncoding.decode(body.readableBytesView), let msisdn = form["msisdn"], let to = form["to"] else {
            return try Self.json(["error": "POST /fake/inbound needs msisdn, to and text"], status: 400)
        }
        guard let url = configuration.inboundURL else { return try Self.json(["error": "start the fake with --inbound-url"], status: 400) }
        let id = "0B" + (0..<14).map { _ in String(Int.random(in: 0..<16), radix: 16, uppercase: true) }.joined()
        let text = form["text"] ?? ""
        let parameters: [ProviderCallback.Parameter] = [
            .init("msisdn", msisdn), .init("to", to), .init("messageId", id), .init("text", text), .init("type", "text"),
            .init("keyword", String(text.split(separator: " ").first ?? "").uppercased()), .init("api-key", configuration.apiKey),
            .init("message-timestamp", FakeDates.utc(Date(), "yyyy-MM-dd HH:mm:ss")), .init("timestamp", String(Int(Date().timeIntervalSince1970))),
            .init("nonce", UUID().uuidString.lowercased()),
        ]
        let status = await poster.post(signed(url, parameters))
        return try Self.json(["messageId": id, "delivered_status": "\(status)"])
    }

    /// The SMS API refuses with HTTP 200 and a message whose status is not 0.
    static func refusal(_ status: String, _ text: String) throws -> Response {
        try json(["message-count": "1", "messages": [["status": status, "error-text": text]]])
    }

    static func json(_ object: [String: Any], status: Int = 200) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
