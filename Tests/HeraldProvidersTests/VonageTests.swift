import AsyncHTTPClient
import FakeProviders
import Foundation
import HeraldConnectors
import HeraldCore
@testable import HeraldProviders
import Testing

/// Vonage's wire format without sockets, then Herald against `herald fake-provider vonage` over loopback.
@Suite struct VonageTests {
    static let receipt: [ProviderCallback.Parameter] = [
        .init("msisdn", "447700900000"), .init("to", "Herald"), .init("messageId", "0A0000000123ABCD"), .init("status", "delivered"),
        .init("err-code", "0"), .init("api-key", "fakekey"), .init("timestamp", "1800000000"), .init("text", "a&b=c"),
    ]

    @Test func signaturesMatchAnIndependentImplementation() {
        // Computed with Python's hashlib and hmac over "&name=value" pairs sorted by name, & and = in values as _.
        #expect(VonageSignature.sign(Self.receipt, secret: "secret", method: .md5hash) == "3EA7657C455263E0D61A6F377CD5DD19")
        #expect(VonageSignature.sign(Self.receipt, secret: "secret", method: .sha256) == "77F01FE661378923145BC7F5594190AA9548414CE0704232FA7ED84C9EAE76CA")
        #expect(VonageSignature.sign(Self.receipt, secret: "secret", method: .sha512).hasPrefix("B639DD08CE1A43B22864"))
        #expect(VonageSignature.verify(Self.receipt + [.init("sig", "3ea7657c455263e0d61a6f377cd5dd19")], secret: "secret", method: .md5hash))
        #expect(!VonageSignature.verify(Self.receipt + [.init("sig", "3ea7657c455263e0d61a6f377cd5dd19")], secret: "secret", method: .sha256))
    }

    @Test func everyErrCodeOfTheSeedCatalogueMapsToItsReason() {
        let expected: [String: ReasonCode] = [
            "1": .unknownOutcome, "2": .absentSubscriberTemporary, "3": .absentSubscriber, "4": .callBarred, "5": .portabilityError,
            "6": .antiSpamRejection, "7": .handsetBusy, "8": .networkError, "9": .illegalNumber, "10": .invalidMessage, "11": .unroutable,
            "12": .destinationUnreachable, "13": .ageRestriction, "14": .blockedByCarrier, "15": .prepaidInsufficientFunds, "99": .generalError,
        ]
        for (code, reason) in expected {
            let (kind, mapped, known) = VonageCodes.interpret(status: "failed", errorCode: code)
            #expect(kind == .status(.undelivered) && mapped == reason && known, "err-code \(code)")
        }
        #expect([ReasonCode.handsetBusy, .networkError, .absentSubscriberTemporary].allSatisfy { $0.isRetryable })
        #expect(VonageCodes.interpret(status: "failed", errorCode: "77").reason == .unknownProviderCode)
        #expect(VonageCodes.interpret(status: "delivered", errorCode: "0").kind == .status(.delivered))
        #expect(VonageCodes.interpret(status: "buffered", errorCode: "0").kind == .status(.sent))
        #expect(VonageCodes.interpret(status: "expired", errorCode: "1").kind == .status(.expired))
        let unknown = VonageCodes.interpret(status: "teleported", errorCode: nil)
        #expect(unknown.kind == .status(.sent) && !unknown.known)
    }

    static func connector(secret: String? = "s") -> VonageConnector {
        VonageConnector(configuration: VonageConfiguration(name: "vg", baseURL: "http://127.0.0.1:9", apiKey: "fakekey", apiSecret: secret,
                                                           signatureSecret: "secret", from: "Acme", publicURL: "https://herald.example.com"),
                        client: .shared)
    }

    @Test func apiAnswersBecomeSubmitResults() {
        let connector = Self.connector()
        func answer(_ json: String) -> SubmitResult { connector.answer(status: 200, body: Array(json.utf8)) }
        guard case .acceptedParts(let ids, _) = answer(#"{"message-count":"2","messages":[{"status":"0","message-id":"A1"},{"status":"0","message-id":"A2"}]}"#)
        else { Issue.record("two parts not accepted"); return }
        #expect(ids == ["A1", "A2"])
        guard case .temporaryFailure(.throttled, let detail) = answer(#"{"message-count":"1","messages":[{"status":"1","error-text":"Throttled"}]}"#)
        else { Issue.record("status 1 is not THROTTLED"); return }
        #expect(detail?.errorCode == "1")
        guard case .permanentFailure(.invalidNumber, _) = answer(#"{"message-count":"1","messages":[{"status":"3","error-text":"Invalid to address"}]}"#)
        else { Issue.record("an invalid to address is not INVALID_NUMBER"); return }
        guard case .permanentFailure(.unknownProviderCode, _) = answer(#"{"message-count":"1","messages":[{"status":"42","error-text":"?"}]}"#)
        else { Issue.record("an unknown status is not UNKNOWN_PROVIDER_CODE"); return }
        guard case .unavailable = answer(#"{"message-count":"1","messages":[{"status":"4","error-text":"Bad Credentials"}]}"#)
        else { Issue.record("bad credentials do not make the connector unavailable"); return }
        #expect(!connector.isUp)
    }

    static func callback(_ parameters: [ProviderCallback.Parameter], json: Bool = true) -> ProviderCallback {
        let signed = parameters + [.init("sig", VonageSignature.sign(parameters, secret: "secret", method: .md5hash))]
        let body: [UInt8] = json
            ? Array(try! JSONSerialization.data(withJSONObject: Dictionary(signed.map { ($0.name, $0.value) }) { $1 }))
            : []
        return ProviderCallback(kind: .status, method: json ? "POST" : "GET", url: "https://herald.example.com/v1/providers/vg/status",
                                query: json ? [] : signed, headers: json ? ["content-type": "application/json"] : [:], body: body,
                                receivedAt: Date(timeIntervalSince1970: 1_800_000_030))
    }

    @Test func signedReceiptsAsJSONOrQueryBecomeReceipts() throws {
        let connector = Self.connector()
        var failed = Self.receipt
        failed[3] = .init("status", "failed")
        failed[4] = .init("err-code", "7")
        for json in [true, false] {
            guard case .accepted(let content) = connector.handle(Self.callback(failed, json: json)) else { Issue.record("not accepted"); return }
            let receipt = try #require(content.receipts.first)
            #expect(receipt.providerMessageID == "0A0000000123ABCD")
            #expect(receipt.kind == .status(.undelivered) && receipt.reason == .handsetBusy)
            #expect(receipt.detail?.errorCode == "7")
            #expect(receipt.addresses == ["+447700900000"])
        }
        var stale = Self.receipt
        stale[6] = .init("timestamp", "1700000000")
        guard case .refused(403, let why) = connector.handle(Self.callback(stale)) else { Issue.record("a stale webhook is not refused"); return }
        #expect(why.contains("timestamp"))
        var forged = Self.callback(Self.receipt)
        forged.body = Array(#"{"messageId":"0A0000000123ABCD","status":"failed","err-code":"9","timestamp":"1800000000","sig":"00"}"#.utf8)
        guard case .refused(403, _) = connector.handle(forged) else { Issue.record("a forged sig is not refused"); return }
        forged.body = Array(#"{"messageId":"0A0000000123ABCD","status":"failed"}"#.utf8)
        guard case .refused(401, _) = connector.handle(forged) else { Issue.record("a missing sig is not 401"); return }
    }

    @Test func partsAreCorrelatedOneByOneAndTemporaryFailuresAreRetried() async throws {
        try await ProviderHarness.runVonage(apiSecret: nil, fake: { $0.behaviour.duplicates = 1; $0.behaviour.reorder = 0.5; $0.behaviour.early = 0.5 }) { herald in
            let long = String(repeating: "Vonage splits this itself. ", count: 8)
            let delivered = try await herald.send(["channel": "sms", "to": "+447400120100", "text": long])
            let busy = try await herald.send(["channel": "sms", "to": "+447400120707", "text": "busy once"])
            let illegal = try await herald.send(["channel": "sms", "to": "+447400120709", "text": "illegal"])
            let unknown = try await herald.send(["channel": "sms", "to": "+447400120777", "text": "unknown"])

            let first = try await herald.waitForFinal(delivered)
            #expect(first["status"] as? String == "DELIVERED")
            let segments = try #require(first["segments"] as? Int)
            #expect(segments == 2)
            let ids = Set(first.timeline.filter { $0["event"] as? String == "ACCEPTED" }.compactMap { $0["provider_message_id"] as? String })
            #expect(ids.count == segments, "one Vonage id per part")
            #expect(Set(first.timeline.filter { $0["event"] as? String == "DELIVERED" }.compactMap { $0["part"] as? Int }) == [0, 1])
            // Vonage's price for each part, next to Herald's own.
            let reported = (first["cost"] as? [String: Any])?["provider_reported"] as? [[String: Any]] ?? []
            #expect(Set(reported.compactMap { $0["provider_message_id"] as? String }) == ids)
            #expect(reported.allSatisfy { $0["amount"] as? String == "0.03330000" && $0["connector"] as? String == "vg" }, "early receipts keep their price too")

            let second = try await herald.waitForFinal(busy)
            #expect(second["status"] as? String == "DELIVERED", "Handset Busy is retried")
            let deferred = second.timeline.first { $0["event"] as? String == "DEFERRED" }
            #expect((deferred?["reason"] as? [String: Any])?["code"] as? String == "HANDSET_BUSY")

            let third = try await herald.waitForFinal(illegal)
            #expect(third["status"] as? String == "UNDELIVERED")
            #expect(third.reasonCode == "ILLEGAL_NUMBER")
            let fourth = try await herald.waitForFinal(unknown)
            #expect(fourth.reasonCode == "UNKNOWN_PROVIDER_CODE")
            #expect((fourth.timeline.first { $0["event"] as? String == "UNDELIVERED" }?["provider"] as? [String: Any])?["error_code"] as? String == "77")
        }
    }

    @Test func aTemporaryFailureThatBeatsTheAPIAnswerIsRetried() async throws {
        try await ProviderHarness.runVonage(fake: { $0.behaviour.early = 1 }) { herald in
            let busy = try await herald.send(["channel": "sms", "to": "+447400120702", "text": "absent for now"])
            let message = try await herald.waitForFinal(busy)
            #expect(message["status"] as? String == "DELIVERED")
            let deferred = message.timeline.first { $0["event"] as? String == "DEFERRED" }
            #expect((deferred?["reason"] as? [String: Any])?["code"] as? String == "ABSENT_SUBSCRIBER_TEMPORARY")
        }
    }

    @Test func refusalsAndInboundThroughTheFake() async throws {
        try await ProviderHarness.runVonage { herald in
            let throttled = try await herald.send(["channel": "sms", "to": "+447400120429", "text": "throttled once"])
            let deactivated = try await herald.send(["channel": "sms", "to": "+447400120233", "text": "gone"])
            #expect(try await herald.waitForFinal(throttled)["status"] as? String == "DELIVERED")
            let gone = try await herald.waitForFinal(deactivated)
            #expect(gone["status"] as? String == "FAILED")
            #expect(gone.reasonCode == "ABSENT_SUBSCRIBER")
            let posted = try await herald.request("POST", herald.fakeURL.appendingPathComponent("fake/inbound"),
                                                  form: "msisdn=447400120429&to=447700900001&text=HELP+me", authorized: false)
            #expect(posted.json["delivered_status"] as? String == "204")
            let inbound = try await herald.request("GET", herald.baseURL.appendingPathComponent("v1/inbound"))
            let first = (inbound.json["data"] as? [[String: Any]])?.first
            #expect(first?["text"] as? String == "HELP me")
            #expect(first?["in_reply_to"] as? String == throttled)
        }
    }
}
