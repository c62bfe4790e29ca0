import AsyncHTTPClient
import Foundation
import HeraldConnectors
import HeraldCore
@testable import HeraldProviders
import Testing

/// Twilio's wire format without sockets: the signature, form bodies, the API's answers and the callbacks.
@Suite struct TwilioWireTests {
    static let url = "https://herald.example.com/v1/providers/tw/status"
    static let parameters: [ProviderCallback.Parameter] = [
        .init("AccountSid", "AC00000000000000000000000000000001"), .init("MessageSid", "SM0123456789abcdef0123456789abcdef"),
        .init("MessageStatus", "delivered"), .init("To", "+14155550100"), .init("Body", "a b+c&d=é"),
    ]

    @Test func signatureMatchesAnIndependentHMAC() {
        // Computed with Python's hmac and hashlib: base64(HMAC-SHA1("12345", url + sorted name+value pairs)).
        #expect(TwilioSignature.sign(url: Self.url, parameters: Self.parameters, authToken: "12345") == "zSM/GSAKHH19QTM0R3y5fszH9W8=")
        #expect(TwilioSignature.verify("zSM/GSAKHH19QTM0R3y5fszH9W8=", url: Self.url, parameters: Self.parameters, authToken: "12345"))
        #expect(!TwilioSignature.verify("zSM/GSAKHH19QTM0R3y5fszH9W8=", url: Self.url + "?x=1", parameters: Self.parameters, authToken: "12345"))
        #expect(!TwilioSignature.verify("zSM/GSAKHH19QTM0R3y5fszH9W8=", url: Self.url, parameters: Self.parameters, authToken: "54321"))
    }

    @Test func formBodiesReadAndWriteAsPythonDoes() throws {
        // urllib.parse.urlencode of the same parameters.
        let python = "AccountSid=AC00000000000000000000000000000001&MessageSid=SM0123456789abcdef0123456789abcdef&MessageStatus=delivered&To=%2B14155550100&Body=a+b%2Bc%26d%3D%C3%A9"
        #expect(FormURLEncoding.encode(Self.parameters) == python)
        #expect(FormURLEncoding.decode(Array(python.utf8)) == Self.parameters)
        #expect(FormURLEncoding.decode(Array("a=%zz&b&=c".utf8)) == [.init("a", "%zz"), .init("b", ""), .init("", "c")])
        #expect(FormURLEncoding.decode([0x61, 0x3D, 0xFF]) == nil)
    }

    static func connector() -> TwilioConnector {
        TwilioConnector(configuration: TwilioConfiguration(name: "tw", baseURL: "http://127.0.0.1:9", accountSID: "AC00000000000000000000000000000001",
                                                           authToken: "12345", from: "+15005550006", publicURL: "https://herald.example.com"),
                        client: .shared)
    }

    static func body(_ json: String) -> [UInt8] { Array(json.utf8) }

    @Test func apiAnswersBecomeSubmitResults() {
        let connector = Self.connector()
        #expect(connector.answer(status: 201, body: Self.body(#"{"sid":"SMabc","status":"queued"}"#))
            == .accepted(providerMessageID: "SMabc", detail: ProviderDetail(status: "queued")))
        guard case .permanentFailure(.invalidNumber, let detail) = connector.answer(status: 400, body: Self.body(
            #"{"code":21211,"message":"The 'To' number +1 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}"#))
        else { Issue.record("21211 is not INVALID_NUMBER"); return }
        #expect(detail?.errorCode == "21211")
        #expect(detail?.text?.contains("not a valid phone number") == true)
        guard case .permanentFailure(.optedOut, _) = connector.answer(status: 400, body: Self.body(#"{"code":21610,"message":"unsubscribed","status":400}"#))
        else { Issue.record("21610 is not OPTED_OUT"); return }
        guard case .temporaryFailure(.throttled, _) = connector.answer(status: 429, body: Self.body(#"{"code":20429,"message":"Too Many Requests","status":429}"#))
        else { Issue.record("429 is not THROTTLED"); return }
        guard case .temporaryFailure(.providerUnavailable, _) = connector.answer(status: 503, body: Self.body("<html>down</html>"))
        else { Issue.record("503 is not a temporary failure"); return }
        guard case .permanentFailure(.unknownProviderCode, let unknown) = connector.answer(status: 400, body: Self.body(#"{"code":21999,"message":"new","status":400}"#))
        else { Issue.record("an unknown code is not UNKNOWN_PROVIDER_CODE"); return }
        #expect(unknown?.errorCode == "21999")
        #expect(connector.isUp)
        guard case .unavailable = connector.answer(status: 401, body: Self.body(#"{"code":20003,"message":"Authenticate","status":401}"#))
        else { Issue.record("401 does not make the connector unavailable"); return }
        #expect(!connector.isUp)
    }

    static func callback(_ parameters: [ProviderCallback.Parameter], kind: ProviderCallback.Kind = .status, token: String = "12345",
                         signature: String?? = .none) -> ProviderCallback {
        let url = "https://herald.example.com/v1/providers/tw/\(kind.rawValue)"
        var headers = ["content-type": "application/x-www-form-urlencoded"]
        switch signature {
        case .none: headers["x-twilio-signature"] = TwilioSignature.sign(url: url, parameters: parameters, authToken: token)
        case .some(let given?): headers["x-twilio-signature"] = given
        case .some(nil): break
        }
        return ProviderCallback(kind: kind, method: "POST", url: url, query: [], headers: headers, body: Array(FormURLEncoding.encode(parameters).utf8),
                                receivedAt: Date(timeIntervalSince1970: 1_800_000_000))
    }

    static func status(_ word: String, code: String? = nil, extra: [ProviderCallback.Parameter] = []) -> [ProviderCallback.Parameter] {
        [.init("AccountSid", "AC00000000000000000000000000000001"), .init("MessageSid", "SMabc"), .init("MessageStatus", word),
         .init("To", "+14155550100")] + (code.map { [.init("ErrorCode", $0)] } ?? []) + extra
    }

    static func receipts(_ verdict: ProviderCallbackVerdict) -> [ProviderReceipt]? {
        if case .accepted(let content) = verdict { content.receipts } else { nil }
    }

    @Test func signedStatusesBecomeReceipts() throws {
        let connector = Self.connector()
        let delivered = try #require(Self.receipts(connector.handle(Self.callback(Self.status("delivered", extra: [.init("RawDlrDoneDate", "2612041130")])))))
        #expect(delivered.map(\.kind) == [.status(.delivered)])
        #expect(delivered[0].providerMessageID == "SMabc")
        #expect(delivered[0].addresses == ["+14155550100"])
        #expect(delivered[0].occurredAt == ISO8601DateFormatter().date(from: "2026-12-04T11:30:00Z"))
        let undelivered = try #require(Self.receipts(connector.handle(Self.callback(Self.status("undelivered", code: "30003")))))
        #expect(undelivered.map(\.kind) == [.status(.undelivered)])
        #expect(undelivered[0].reason == .absentSubscriber)
        #expect(undelivered[0].detail?.errorCode == "30003")
        #expect(undelivered[0].detail?.text == "Unreachable destination handset")
        #expect(try #require(Self.receipts(connector.handle(Self.callback(Self.status("failed", code: "30036")))))[0].kind == .status(.expired))
        #expect(try #require(Self.receipts(connector.handle(Self.callback(Self.status("undelivered", code: "39999")))))[0].reason == .unknownProviderCode)
        #expect(try #require(Self.receipts(connector.handle(Self.callback(Self.status("read")))))[0].kind == .engagement(.read))
        // Progress words and unknown words carry no evidence: stored, acknowledged, nothing applied.
        #expect(try #require(Self.receipts(connector.handle(Self.callback(Self.status("sending"))))).isEmpty)
        #expect(try #require(Self.receipts(connector.handle(Self.callback(Self.status("teleported"))))).isEmpty)
    }

    @Test func unsignedForgedOrForeignCallbacksAreRefused() {
        let connector = Self.connector()
        guard case .refused(401, _) = connector.handle(Self.callback(Self.status("delivered"), signature: .some(nil))) else {
            Issue.record("a missing signature is not 401"); return
        }
        guard case .refused(403, _) = connector.handle(Self.callback(Self.status("delivered"), token: "guess")) else {
            Issue.record("a wrong signature is not 403"); return
        }
        var foreign = Self.status("delivered")
        foreign[0] = .init("AccountSid", "AC99999999999999999999999999999999")
        guard case .refused(403, let why) = connector.handle(Self.callback(foreign)) else { Issue.record("another account is not 403"); return }
        #expect(why.contains("AccountSid"))
        guard case .malformed = connector.handle(Self.callback([.init("AccountSid", "AC00000000000000000000000000000001")])) else {
            Issue.record("a status without MessageSid is not malformed"); return
        }
    }

    @Test func inboundCallbacksBecomeInboundMessages() {
        let parameters: [ProviderCallback.Parameter] = [.init("AccountSid", "AC00000000000000000000000000000001"), .init("From", "+14155550100"),
                                                        .init("To", "+15005550006"), .init("Body", "STOP"), .init("MessageSid", "SMin")]
        guard case .accepted(let content) = Self.connector().handle(Self.callback(parameters, kind: .inbound)) else {
            Issue.record("inbound callback not accepted"); return
        }
        #expect(content.inbound.map(\.text) == ["STOP"])
        #expect(content.inbound.first?.from == "+14155550100")
        #expect(content.responseContentType?.hasPrefix("text/xml") == true)
        #expect(content.responseBody.contains("<Response></Response>"))
    }
}
