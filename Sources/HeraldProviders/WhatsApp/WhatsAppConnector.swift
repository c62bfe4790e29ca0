import AsyncHTTPClient
import Foundation
import HeraldConnectors
import HeraldCore
import Logging
import NIOCore

/// Sends chat messages through Meta's WhatsApp Cloud API and reads its signed webhook notifications.
///
/// `POST /{version}/{phone-number-id}/messages` with the access token as Bearer; the answer's `messages[0].id` (a
/// `wamid.`) is correlated. Notifications (`X-Hub-Signature-256` checked against the app secret) carry `statuses`
/// (sent, delivered, read, failed with `errors[]`) that become receipts, and `messages` from users that become inbound
/// messages and a REPLIED event on the last chat message sent to them. Meta's verification GET (`hub.mode`,
/// `hub.verify_token`, `hub.challenge`) is answered at either webhook URL. Codes: ``WhatsAppCodes``.
public final class WhatsAppConnector: ProviderCallbackHandling {
    public let configuration: WhatsAppConfiguration
    private let client: HTTPClient
    private let state: ProviderState

    public init(configuration: WhatsAppConfiguration, client: HTTPClient, clock: any WallClock = SystemWallClock(), logger: Logger = Logger(label: "herald.whatsapp")) {
        self.configuration = configuration
        self.client = client
        state = ProviderState(connector: configuration.name, provider: "WhatsApp", clock: clock, logger: logger)
    }

    public var name: String { configuration.name }
    public var channels: Set<HeraldCore.Channel> { [.chat] }
    public var takesWholeMessage: Bool { true }
    public var isUp: Bool { state.isUp }

    public var health: ConnectorHealth {
        state.health(type: "whatsapp", channels: ["chat"], where: "WhatsApp phone number \(configuration.phoneNumberID) at \(configuration.baseURL)")
    }

    // MARK: Sending

    public func submit(_ submission: Submission) async -> SubmitResult {
        let to = submission.to.hasPrefix("+") ? String(submission.to.dropFirst()) : submission.to
        var payload: [String: Any] = ["messaging_product": "whatsapp", "recipient_type": "individual", "to": to]
        if let template = submission.messageOptions?.chatTemplate {
            // A template message: the only kind that may open a conversation (free text more than 24 h after the user last
            // wrote is refused with 131047).
            var body: [String: Any] = ["name": template.name, "language": ["code": template.language]]
            if !template.parameters.isEmpty {
                body["components"] = [["type": "body", "parameters": template.parameters.map { ["type": "text", "text": $0] }]]
            }
            payload["type"] = "template"
            payload["template"] = body
        } else {
            payload["type"] = "text"
            payload["text"] = ["preview_url": false, "body": submission.text]
        }
        var request = HTTPClientRequest(url: configuration.messagesURL)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.accessToken)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])) ?? Data()))
        return await state.send(request, with: client, timeout: configuration.timeout, baseURL: configuration.baseURL, answer: answer(status:body:))
    }

    /// The provider's answer to a send, in Herald's words (public for the fuzz target).
    public func answer(status: Int, body: [UInt8]) -> SubmitResult {
        let json = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        if (200..<300).contains(status) {
            guard let id = ((json?["messages"] as? [[String: Any]])?.first?["id"]) as? String, !id.isEmpty else {
                return .temporaryFailure(.providerUnavailable, detail: ProviderDetail(status: "\(status)", text: "WhatsApp answered \(status) without messages[0].id"))
            }
            state.taken()
            return .accepted(providerMessageID: id, detail: ProviderDetail(status: "accepted"))
        }
        let error = json?["error"] as? [String: Any]
        let code = (error?["code"] as? NSNumber)?.intValue
        let details = (error?["error_data"] as? [String: Any])?["details"] as? String
        let text = [error?["message"] as? String, details].compactMap { $0 }.joined(separator: ": ")
        let detail = ProviderDetail(status: "\(status)", errorCode: code.map(String.init), text: text.isEmpty ? "HTTP \(status)" : text)
        switch (status, code) {
        case (401, _), (_, 190?):
            state.markDown("the access token was refused (\(text)): renew it")
            return .unavailable(detail: detail)
        case (429, _), (_, 130429?), (_, 131056?), (_, 80007?):
            return .temporaryFailure(.throttled, detail: detail)
        case (500..., _), (_, 131016?):
            return .temporaryFailure(.providerUnavailable, detail: detail)
        default:
            guard let code, let entry = WhatsAppCodes.errors[code] else {
                if let code { state.logUnknown("error code \(code)", text) }
                return .permanentFailure(code == nil ? .providerRejected : .unknownProviderCode, detail: detail)
            }
            return entry.reason.isRetryable ? .temporaryFailure(entry.reason, detail: detail) : .permanentFailure(entry.reason, detail: detail)
        }
    }

    // MARK: Notifications

    public func handle(_ callback: ProviderCallback) -> ProviderCallbackVerdict {
        if callback.method == "GET" {
            // Meta's subscription check: echo the challenge when the token is ours.
            let query = callback.query
            guard query["hub.mode"] == "subscribe", let challenge = query["hub.challenge"] else {
                return .refused(status: 400, reason: "a GET must be Meta's verification request (hub.mode=subscribe, hub.verify_token, hub.challenge)")
            }
            guard let token = query["hub.verify_token"], ConstantTime.equal(token, configuration.verifyToken) else {
                return .refused(status: 403, reason: "hub.verify_token is not this connector's verify token")
            }
            return .handshake(contentType: "text/plain; charset=utf-8", body: challenge)
        }
        guard let signature = callback.headers["x-hub-signature-256"] else {
            return .refused(status: 401, reason: "X-Hub-Signature-256 is missing")
        }
        guard WhatsAppSignature.verify(signature, body: callback.body, appSecret: configuration.appSecret) else {
            return .refused(status: 403, reason: "X-Hub-Signature-256 does not match (app secret)")
        }
        guard let root = (try? JSONSerialization.jsonObject(with: Data(callback.body))) as? [String: Any], let entries = root["entry"] as? [[String: Any]] else {
            return .malformed("a notification is a JSON object with entry[]")
        }
        var receipts: [ProviderReceipt] = []
        var inbound: [InboundMessage] = []
        for change in entries.flatMap({ $0["changes"] as? [[String: Any]] ?? [] }) {
            guard let value = change["value"] as? [String: Any] else { continue }
            let metadata = value["metadata"] as? [String: Any]
            if let id = metadata?["phone_number_id"] as? String, id != configuration.phoneNumberID {
                return .refused(status: 403, reason: "phone_number_id \(id) is not this connector's")
            }
            let business = (metadata?["display_phone_number"] as? String).map { "+" + $0 } ?? configuration.phoneNumberID
            for status in value["statuses"] as? [[String: Any]] ?? [] {
                if let receipt = receipt(status, at: callback.receivedAt) { receipts.append(receipt) }
            }
            for message in value["messages"] as? [[String: Any]] ?? [] {
                guard let from = message["from"] as? String else { continue }
                var text = ((message["text"] as? [String: Any])?["body"] as? String)
                    ?? ((message["button"] as? [String: Any])?["text"] as? String)
                    ?? "[\(message["type"] as? String ?? "message")]"
                if let interactive = message["interactive"] as? [String: Any] {
                    text = ((interactive["button_reply"] ?? interactive["list_reply"]) as? [String: Any])?["title"] as? String ?? text
                }
                var item = InboundMessage(connector: name, from: "+" + from, to: business, text: text, receivedAt: callback.receivedAt)
                item.channel = .chat
                item.providerMessageID = message["id"] as? String
                inbound.append(item)
            }
        }
        return .accepted(ProviderCallbackContent(receipts: receipts, inbound: inbound, responseStatus: 200))
    }

    private func receipt(_ status: [String: Any], at receivedAt: Date) -> ProviderReceipt? {
        guard let id = status["id"] as? String, let word = status["status"] as? String else { return nil }
        let (kind, known) = WhatsAppCodes.kind(ofStatus: word)
        if !known { state.logUnknown("status word \(word)", id) }
        guard let kind else { return nil }
        let error = (status["errors"] as? [[String: Any]])?.first
        let code = (error?["code"] as? NSNumber)?.intValue
        var reason: ReasonCode?
        var words: [String] = []
        if case .status(.undelivered) = kind {
            reason = WhatsAppCodes.reason(errorCode: code)
            if reason == .unknownProviderCode, let code { state.logUnknown("error code \(code)", id) }
            words += [error?["title"] as? String, ((error?["error_data"] as? [String: Any])?["details"] as? String)].compactMap { $0 }
        }
        let pricing = (status["pricing"] as? [String: Any]).map { pricing in
            ProviderPrice(category: "\(pricing["category"] as? String ?? "unknown") (\(pricing["pricing_model"] as? String ?? "?"), \((pricing["billable"] as? Bool ?? false) ? "billable" : "not billable"))")
        }
        let stamp = (status["timestamp"] as? String).flatMap(Double.init) ?? (status["timestamp"] as? NSNumber)?.doubleValue
        let occurred = stamp.map(Date.init(timeIntervalSince1970:)) ?? receivedAt
        var receipt = ProviderReceipt(
            connector: name, providerMessageID: id, kind: kind, reason: reason, occurredAt: occurred, receivedAt: receivedAt,
            detail: ProviderDetail(status: word, errorCode: code.map(String.init), text: words.isEmpty ? nil : words.joined(separator: "; ")),
            addresses: (status["recipient_id"] as? String).map { ["+" + $0] } ?? []
        )
        receipt.price = pricing
        return receipt
    }
}
