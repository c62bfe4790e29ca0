import Foundation
import HeraldCore
import HeraldEngine
import HeraldHTTP
import HeraldConnectors
import HeraldProviders
import Logging
import HeraldStore
import NIOCore
import SMPP
import SMSText
import SMTP

/// The fuzz targets: each takes arbitrary bytes and must return without trapping, whatever they are.
///
/// Built two ways. `scripts/fuzz.sh` builds with `-sanitize=fuzzer -DFUZZING` and libFuzzer drives
/// ``LLVMFuzzerTestOneInput`` (target chosen by `HERALD_FUZZ_TARGET`); a normal build is a replayer
/// (`herald-fuzz TARGET FILE...`) that the test run uses to feed the seed corpus and every crash ever found through the
/// same code.
enum FuzzTarget: String, CaseIterable {
    /// SMPP frames from the network: frame decoder, PDU reader, then the PDU written back and read again.
    case pdu
    /// Delivery receipt text: the tolerant parser, dates, id forms and the matcher's address check.
    case receipt
    /// Template sources as `POST /v1/templates` takes them: limits, parse, render.
    case template
    /// Campaign CSV uploads, in chunks as they arrive.
    case csv
    /// `POST /v1/messages` bodies: JSON decoding, the NUL scan, validation, segmentation.
    case json
    /// SMTP from the network: the bytes as a client's session to the server state machine, as a server's replies to
    /// the client state machine, and as a bounce for the DSN reader; also as every field of a MIME message.
    case smtp
    /// HTTP providers: the bytes as a correctly signed Twilio form callback, Vonage receipt (JSON, form and query) and
    /// WhatsApp notification, and as each provider API's answer to a send.
    case provider

    func run(_ bytes: [UInt8]) {
        switch self {
        case .pdu: Self.pdu(bytes)
        case .receipt: Self.receipt(bytes)
        case .template: Self.template(bytes)
        case .csv: Self.csv(bytes)
        case .json: Self.json(bytes)
        case .smtp: Self.smtp(bytes)
        case .provider: Self.provider(bytes)
        }
    }

    static func pdu(_ bytes: [UInt8]) {
        var buffer = ByteBuffer(bytes: bytes)
        let decoder = SMPPFrameDecoder()
        while true {
            let before = buffer.readableBytes
            guard case let decoded?? = try? decoder.next(from: &buffer) else { return }
            var pdu = decoded
            _ = pdu.messageID
            _ = pdu.shortMessage.map { SMSText.decode($0.userData, dataCoding: $0.dataCoding) }
            if case .shortMessage(let message) = pdu.body, message.isReceipt {
                _ = DeliveryReceipt(text: String(decoding: message.userData, as: UTF8.self), tlvs: message.tlvs)
            }
            if pdu.wireProblem == nil {
                var out = ByteBuffer()
                pdu.write(to: &out)
                pdu = (try? SMPPPDU.read(from: &out)) ?? pdu
            }
            if buffer.readableBytes == before { return }
        }
    }

    static let twilio = TwilioConnector(configuration: TwilioConfiguration(name: "tw", baseURL: "http://127.0.0.1:9", accountSID: "AC00000000000000000000000000000001",
                                                                          authToken: "t", from: "+15005550006", publicURL: "https://h"), client: .shared, logger: quiet)
    static let vonage = VonageConnector(configuration: VonageConfiguration(name: "vg", baseURL: "http://127.0.0.1:9", apiKey: "k", apiSecret: "s",
                                                                          signatureSecret: "sig", signatureMethod: .sha256, from: "A", publicURL: "https://h"),
                                        client: .shared, logger: quiet)
    static let whatsApp = WhatsAppConnector(configuration: WhatsAppConfiguration(name: "wa", baseURL: "http://127.0.0.1:9", phoneNumberID: "1", accessToken: "t",
                                                                                appSecret: "app", verifyToken: "v"), client: .shared, logger: quiet)
    /// Connectors log refusals and unknown codes; fuzzing makes millions.
    static let quiet = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })

    static func provider(_ bytes: [UInt8]) {
        let now = Date()
        for kind in [ProviderCallback.Kind.status, .inbound] {
            let url = "https://h/v1/providers/x/\(kind.rawValue)"
            // Twilio: signed over whatever the form decodes to, so the reading code runs.
            let form = FormURLEncoding.decode(bytes) ?? []
            _ = twilio.handle(ProviderCallback(kind: kind, method: "POST", url: url, query: [], headers: [
                "x-twilio-signature": TwilioSignature.sign(url: url, parameters: form, authToken: "t")], body: bytes, receivedAt: now))
            // Vonage: the bytes as a JSON object, a form and a query, each with a valid sig and a fresh timestamp.
            var parameters = form + [.init("timestamp", String(Int(now.timeIntervalSince1970)))]
            parameters.append(.init("sig", VonageSignature.sign(parameters, secret: "sig", method: .sha256)))
            _ = vonage.handle(ProviderCallback(kind: kind, method: "GET", url: url, query: parameters, headers: [:], body: [], receivedAt: now))
            _ = vonage.handle(ProviderCallback(kind: kind, method: "POST", url: url, query: [], headers: ["content-type": "application/json"], body: bytes,
                                               receivedAt: now))
            _ = vonage.handle(ProviderCallback(kind: kind, method: "POST", url: url, query: [], headers: [:], body: bytes, receivedAt: now))
            // WhatsApp: the bytes as a notification body with a valid signature, and as a verification query.
            _ = whatsApp.handle(ProviderCallback(kind: kind, method: "POST", url: url, query: [], headers: [
                "x-hub-signature-256": WhatsAppSignature.sign(bytes, appSecret: "app")], body: bytes, receivedAt: now))
            _ = whatsApp.handle(ProviderCallback(kind: kind, method: "GET", url: url, query: form, headers: [:], body: [], receivedAt: now))
        }
        for status in [200, 201, 400, 401, 429, 500] {
            _ = twilio.answer(status: status, body: bytes)
            _ = vonage.answer(status: status, body: bytes)
            _ = whatsApp.answer(status: status, body: bytes)
        }
    }

    static func smtp(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = DeliveryStatusNotification.parse(text)
        _ = FeedbackReport.parse(text)
        var server = SMTPServerStateMachine(hostname: "fuzz.test", maximumSize: 4096,
                                            security: .init(offersStartTLS: true, authenticator: { $0 == "u" && $1 == "p" })) { _ in .accept }
        var client = SMTPClientStateMachine(envelope: .init(sender: "a@b.test", recipients: ["c@d.test", "é@f.test"], mailDSNParameters: ["ENVID=x"],
                                                            recipientDSNParameters: ["NOTIFY=FAILURE"]), helloName: "fuzz.test",
                                            security: .init(tls: .startTLS(required: false), credentials: .init(username: "u", password: "p")))
        // Lines as SMTPLineDecoder hands them over: split at LF, CR dropped, at most 1,000 octets.
        for raw in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).prefix(10_000) {
            var line = raw.prefix(1000)
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let string = String(decoding: line, as: UTF8.self)
            _ = server.received(line: string)
            _ = client.received(line: string)
            // As if every handshake succeeded at once.
            server.tlsEstablished()
            _ = client.tlsEstablished()
        }
        _ = EmailAddress.normalise(String(text.prefix(400)))
        _ = MessageOptions(headers: [String(text.prefix(80)): text], attachments: [.init(filename: field(text), contentType: field(text), content: text)]).problem()
        _ = client.closed()
        let field = field(text)
        _ = MIMEMessage(from: field, to: field, subject: field, text: text, html: text, messageID: field, date: field).rendered(boundary: "b")
        _ = SMTPData.stuffed(text)
    }

    static func field(_ text: String) -> String { String(text.prefix(2000)) }

    static func receipt(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let parsed = DeliveryReceipt(text: text, tlvs: [SMPPTLV(tag: .receiptedMessageID, value: Array(bytes.prefix(65)))])
        _ = parsed.doneDate?.secondsSince1970(offsetSeconds: 3600)
        _ = parsed.submitDate?.text
        for id in [parsed.messageID, parsed.textMessageID].compactMap({ $0 }) {
            _ = MessageIDFormat.normalized(id)
            _ = MessageIDFormat.alternatives(of: id)
            for format in MessageIDFormat.allCases { _ = format.canonical(id) }
        }
        _ = ReceiptMatcher.addressFits([text], "+447400123456")
        _ = ReceiptDate(text)
        _ = LogText.escaped(text)
    }

    static func template(_ bytes: [UInt8]) {
        let source = String(decoding: bytes, as: UTF8.self)
        guard TemplateRenderer.check(source) == nil else { return }
        let template = MessageTemplate(accountID: "acc", name: "fuzz", channel: .sms, subject: nil, body: source, updatedAt: Date())
        _ = TemplateRenderer.requiredVariables(source)
        if let compiled = try? TemplateRenderer.Compiled(template) {
            var variables: [String: String] = [:]
            for name in compiled.required { variables[name] = "v" }
            _ = compiled.render(variables)
        }
    }

    static func csv(_ bytes: [UInt8]) {
        var reader = CSVReader()
        var records: [CSVReader.Record] = []
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        reader.read(bytes[..<split], into: &records)
        reader.read(bytes[split...], into: &records)
        reader.finish(into: &records)
    }

    static func json(_ bytes: [UInt8]) {
        guard let draft = try? HeraldAPI.validateSendBody(Data(bytes)) else { return }
        _ = SMSSegmenter().segment(draft.text)
    }
}

#if FUZZING
import HeraldFuzzSupport

/// The executable's entry point in a fuzzing build (SwiftPM links `main` to `herald_fuzz_main`): libFuzzer's driver,
/// with the target from `HERALD_FUZZ_TARGET`.
@_cdecl("herald_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    _ = FuzzTarget.chosen
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        FuzzTarget.chosen.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }
}

/// libFuzzer's entry point when its own `main` runs (a release build, where SwiftPM does not rename it).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.chosen.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

extension FuzzTarget {
    static let chosen: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["HERALD_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("set HERALD_FUZZ_TARGET to one of: \(allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(64)
        }
        return target
    }()
}
#else
/// `herald-fuzz TARGET FILE|DIRECTORY...`: runs every file through the target (the corpus as a regression test).
@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("usage: herald-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE|DIRECTORY...\n".utf8))
            exit(64)
        }
        var count = 0
        for path in arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                target.run([UInt8](data))
                count += 1
            }
        }
        print("\(name): \(count) inputs replayed, no crash")
    }
}
#endif
