import Foundation
import HeraldConnectors
import HeraldProviders
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// `herald fake-provider whatsapp`: Meta's WhatsApp Cloud API (`POST /{version}/{phone-number-id}/messages` with a
/// Bearer token, Graph API error bodies) and its webhook notifications signed with `X-Hub-Signature-256`, posted to
/// `--webhook-url`: statuses sent and delivered (and read, failed with `errors[]`, or a user's reply, by the recipient's
/// number; a template named `missing_template` fails with 132001; docs/integrations/whatsapp.md). `POST /fake/inbound` (`From`, `Body`) sends a user's message;
/// `POST /fake/verify` runs Meta's verification GET against the webhook URL and answers what it got back.
public final class FakeWhatsApp: Service {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 9003
        public var phoneNumberID = "106540352242922"
        public var displayPhoneNumber = "15550001111"
        public var accessToken = "fake-whatsapp-token"
        public var appSecret = "fake-whatsapp-app-secret"
        public var verifyToken = "fake-verify-token"
        public var webhookURL: String?
        /// Delays, duplicates, reordering, callbacks before the API answer.
        public var behaviour = FakeBehaviour()

        public init() {}
    }

    enum Fate: Sendable, Equatable {
        case refuse(httpStatus: Int, code: Int, message: String)
        case refuseOnce(httpStatus: Int, code: Int, message: String)
        case statuses([String], errorCode: Int?, reply: String?)
    }

    public let configuration: Configuration
    private let logger: Logger
    private let poster: CallbackPoster
    private let seen = Mutex(Set<String>())
    private let onListening: @Sendable (Int) -> Void

    public init(configuration: Configuration, logger: Logger = Logger(label: "fake.whatsapp"), onListening: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.configuration = configuration
        self.logger = logger
        self.onListening = onListening
        poster = CallbackPoster(logger: logger)
    }

    static func fate(of number: String) -> Fate {
        switch number.suffix(4) {
        case "0030": .refuse(httpStatus: 400, code: 131030, message: "(#131030) Recipient phone number not in allowed list")
        case "0429": .refuseOnce(httpStatus: 429, code: 130429, message: "(#130429) Rate limit hit")
        case "1026": .statuses(["sent", "failed"], errorCode: 131026, reply: nil)
        case "1047": .statuses(["failed"], errorCode: 131047, reply: nil)
        case "1049": .statuses(["sent", "failed"], errorCode: 131049, reply: nil)
        case "9999": .statuses(["sent", "failed"], errorCode: 139999, reply: nil)
        case "0011": .statuses(["sent", "delivered", "read"], errorCode: nil, reply: nil)
        case "0022": .statuses(["sent", "delivered", "read"], errorCode: nil, reply: "Thanks, got it!")
        case "0033": .statuses(["read"], errorCode: nil, reply: nil)
        default: .statuses(["sent", "delivered"], errorCode: nil, reply: nil)
        }
    }

    public func run() async throws {
        let router = Router()
        router.post("/:version/:phone/messages") { request, context in try await self.send(request, context) }
        router.post("/fake/inbound") { request, _ in try await self.inbound(request) }
        router.post("/fake/verify") { _, _ in try await self.verify() }
        try await poster.serve(router, host: configuration.host, port: configuration.port, name: "FakeWhatsApp", logger: logger, onListening: onListening)
    }

    private func send(_ request: Request, _ context: some RequestContext) async throws -> Response {
        guard request.headers[.authorization] == "Bearer \(configuration.accessToken)" else {
            return try Self.error(401, code: 190, type: "OAuthException", message: "Invalid OAuth access token - Cannot parse access token")
        }
        guard context.parameters.get("phone") == configuration.phoneNumberID else {
            return try Self.error(400, code: 100, type: "GraphMethodException", message: "Unsupported post request. Object with ID does not exist")
        }
        let body = try await request.body.collect(upTo: 1 << 20)
        guard let payload = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] else {
            return try Self.error(400, code: 100, type: "OAuthException", message: "(#100) The parameter messaging_product is required.")
        }
        guard payload["messaging_product"] as? String == "whatsapp" else {
            return try Self.error(400, code: 100, type: "OAuthException", message: "(#100) The parameter messaging_product is required.")
        }
        guard let to = payload["to"] as? String, !to.isEmpty, to.allSatisfy(\.isNumber) else {
            return try Self.error(400, code: 100, type: "OAuthException", message: "(#100) Invalid parameter: to")
        }
        var templateFate: Fate?
        switch payload["type"] as? String ?? "text" {
        case "text":
            guard let text = (payload["text"] as? [String: Any])?["body"] as? String, !text.isEmpty else {
                return try Self.error(400, code: 100, type: "OAuthException", message: "(#100) The parameter text['body'] is required.")
            }
            guard text.count <= 4096 else { return try Self.error(400, code: 100, type: "OAuthException", message: "(#100) Param text['body'] must be at most 4096 characters long.") }
        case "template":
            guard let template = payload["template"] as? [String: Any], let name = template["name"] as? String,
                  (template["language"] as? [String: Any])?["code"] is String
            else {
                return try Self.error(400, code: 100, type: "OAuthException", message: "(#100) The parameters template['name'] and template['language']['code'] are required.")
            }
            // A template nobody approved: taken, then failed (as Meta reports it).
            if name == "missing_template" { templateFate = .statuses(["failed"], errorCode: 132001, reply: nil) }
        default:
            return try Self.error(400, code: 131051, type: "OAuthException", message: "(#131051) Unsupported message type")
        }
        var fate = templateFate ?? Self.fate(of: to)
        if case .refuseOnce(let status, let code, let message) = fate {
            if seen.withLock({ $0.insert(to).inserted }) { return try Self.error(status, code: code, type: "OAuthException", message: message) }
            fate = .statuses(["sent", "delivered"], errorCode: nil, reply: nil)
        }
        guard case .statuses(let words, let errorCode, let reply) = fate else {
            if case .refuse(let status, let code, let message) = fate { return try Self.error(status, code: code, type: "OAuthException", message: message) }
            return try Self.error(500, code: 1, type: "OAuthException", message: "An unknown error occurred")
        }
        let id = "wamid.HBgL" + (0..<24).map { _ in String(Int.random(in: 0..<16), radix: 16, uppercase: true) }.joined() + "AA=="
        let response = try Self.json(200, ["messaging_product": "whatsapp", "contacts": [["input": to, "wa_id": to]], "messages": [["id": id]]])
        guard let url = configuration.webhookURL else { return response }
        let plan = configuration.behaviour.plan(words)
        await poster.deliver(plan.steps.map { word, delay in
            (signed(url, statusNotification(id: id, to: to, status: word, errorCode: word == "failed" ? errorCode : nil)), delay)
        }, early: plan.early)
        if let reply {
            poster.post(signed(url, messageNotification(from: to, text: reply, context: id)), afterMilliseconds: (plan.steps.last?.afterMs ?? 0) + 50)
        }
        return response
    }

    private func envelope(_ value: [String: Any]) -> [String: Any] {
        var value = value
        value["messaging_product"] = "whatsapp"
        value["metadata"] = ["display_phone_number": configuration.displayPhoneNumber, "phone_number_id": configuration.phoneNumberID]
        return ["object": "whatsapp_business_account", "entry": [["id": "102290129340398", "changes": [["field": "messages", "value": value]]]]]
    }

    private func statusNotification(id: String, to: String, status: String, errorCode: Int?) -> [String: Any] {
        var item: [String: Any] = ["id": id, "status": status, "timestamp": String(Int(Date().timeIntervalSince1970)), "recipient_id": to]
        if status == "sent" || status == "delivered" {
            item["conversation"] = ["id": "CONVERSATION_ID", "origin": ["type": "service"]]
            item["pricing"] = ["billable": true, "pricing_model": "CBP", "category": "service"]
        }
        if let errorCode {
            item["errors"] = [["code": errorCode, "title": errorCode == 131026 ? "Message undeliverable" : "Error \(errorCode)",
                               "message": errorCode == 131026 ? "Message undeliverable" : "Error \(errorCode)",
                               "error_data": ["details": "Message failed to send (fake, code \(errorCode))"]]]
        }
        return envelope(["statuses": [item]])
    }

    private func messageNotification(from: String, text: String, context: String?) -> [String: Any] {
        var message: [String: Any] = [
            "from": from, "id": "wamid.IN" + UUID().uuidString.replacingOccurrences(of: "-", with: ""), "timestamp": String(Int(Date().timeIntervalSince1970)),
            "type": "text", "text": ["body": text],
        ]
        if let context { message["context"] = ["from": configuration.displayPhoneNumber, "id": context] }
        return envelope(["contacts": [["profile": ["name": "Fake User"], "wa_id": from]], "messages": [message]])
    }

    private func signed(_ url: String, _ object: [String: Any]) -> CallbackPoster.Callback {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return CallbackPoster.Callback(url: url, headers: [("X-Hub-Signature-256", WhatsAppSignature.sign(Array(data), appSecret: configuration.appSecret)),
                                                           ("User-Agent", "facebookexternalua")],
                                       contentType: "application/json", body: String(decoding: data, as: UTF8.self))
    }

    private func inbound(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 16)
        guard let form = FormURLEncoding.decode(body.readableBytesView), let from = form["From"] else {
            return try Self.json(400, ["error": "POST /fake/inbound needs From and Body"])
        }
        guard let url = configuration.webhookURL else { return try Self.json(400, ["error": "start the fake with --webhook-url"]) }
        let user = from.hasPrefix("+") ? String(from.dropFirst()) : from
        let status = await poster.post(signed(url, messageNotification(from: user, text: form["Body"] ?? "", context: nil)))
        return try Self.json(200, ["delivered_status": "\(status)"])
    }

    /// Meta's subscription check: GET the webhook URL with hub.mode, hub.verify_token and hub.challenge.
    private func verify() async throws -> Response {
        guard let url = configuration.webhookURL else { return try Self.json(400, ["error": "start the fake with --webhook-url"]) }
        let challenge = String(Int.random(in: 100_000...999_999))
        var components = URLComponents(string: url)
        components?.queryItems = [.init(name: "hub.mode", value: "subscribe"), .init(name: "hub.verify_token", value: configuration.verifyToken),
                                  .init(name: "hub.challenge", value: challenge)]
        let (status, echoed) = await poster.get(components?.string ?? url)
        return try Self.json(200, ["status": status, "challenge": challenge, "echoed": echoed, "verified": status == 200 && echoed == challenge])
    }

    static func error(_ status: Int, code: Int, type: String, message: String) throws -> Response {
        try json(status, ["error": ["message": message, "type": type, "code": code, "error_data": ["messaging_product": "whatsapp", "details": message],
                                    "fbtrace_id": "A" + UUID().uuidString.prefix(20)]])
    }

    static func json(_ status: Int, _ object: [String: Any]) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
