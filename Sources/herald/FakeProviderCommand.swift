import ArgumentParser
import FakeProviders
import HeraldProviders
import Foundation
import Logging
import ServiceLifecycle

struct FakeProviderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-provider",
        abstract: "Run a fake of an HTTP messaging provider's public API that calls back with signed statuses, for tests and demos.",
        discussion: """
            twilio: POST /2010-04-01/Accounts/{AccountSid}/Messages.json with Basic auth (--account-sid, --auth-token), Twilio's \
            required fields and error bodies; statuses sent and then delivered / undelivered / failed to each message's \
            StatusCallback, signed with X-Twilio-Signature. Recipients choose the outcome (docs/integrations/twilio.md): \
            +15005550001 invalid (21211), +15005550004 unsubscribed (21610), +15005550009 not mobile (21614); numbers ending \
            0429 are throttled once (429 / 20429), 0500 get a 500 once, 0301 end undelivered 30003, 0305 undelivered 30005, \
            0307 failed 30007, 0399 undelivered with an unknown code 39999; others are delivered. POST /fake/inbound \
            (From, To, Body) sends a subscriber's message to --inbound-url.

            vonage: POST /sms/json (form or JSON, or GET) with api_key and api_secret (--api-key, --api-secret) or a sig made \
            with --signature-secret; one message-id per part; signed JSON delivery receipts to each request's callback. \
            Recipients ending 0429 are throttled once (status 1), 0233 are de-activated (33), 0702 / 0707 fail once with \
            err-code 2 / 7 and are delivered when sent again, 0703 / 0704 / 0709 / 0714 / 0799 fail with that err-code, 0706 is \
            rejected (6), 0777 fails with an unknown err-code 77, 0800 expires; others are delivered. POST /fake/inbound \
            (msisdn, to, text) sends a subscriber's message to --inbound-url.

            whatsapp: POST /{version}/{phone-number-id}/messages with the Bearer token (--access-token), text or template; \
            notifications signed with X-Hub-Signature-256 (--app-secret) to --webhook-url: sent then delivered; recipients \
            ending 0011 also read, 0022 read and a user reply, 0033 read only; 1026 / 1047 / 1049 fail with that 13xxxx code, \
            9999 with an unknown code 139999; 0030 is refused (131030), 0429 throttled once (130429); a template named \
            missing_template fails with 132001. POST /fake/inbound \
            (From, Body) sends a user's message; POST /fake/verify runs Meta's verification GET (--verify-token).
            """
    )

    @Argument(help: "The provider: twilio, vonage or whatsapp.") var provider: String
    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "HTTP port (twilio 9001, vonage 9002 unless given).") var port: Int?
    @Option(help: "Twilio: the account SID the API takes (env TWILIO_ACCOUNT_SID).")
    var accountSid: String = Environment.string("TWILIO_ACCOUNT_SID") ?? "AC00000000000000000000000000000001"
    @Option(help: "Twilio: the auth token the API takes and callbacks are signed with (env TWILIO_AUTH_TOKEN).")
    var authToken: String = Environment.string("TWILIO_AUTH_TOKEN") ?? "fake-twilio-token"
    @Option(help: "Vonage: the API key (env VONAGE_API_KEY).") var apiKey: String = Environment.string("VONAGE_API_KEY") ?? "fakekey"
    @Option(help: "Vonage: the API secret (env VONAGE_API_SECRET).") var apiSecret: String = Environment.string("VONAGE_API_SECRET") ?? "fake-vonage-secret"
    @Option(help: "Vonage: the signature secret receipts are signed with (env VONAGE_SIGNATURE_SECRET).")
    var signatureSecret: String = Environment.string("VONAGE_SIGNATURE_SECRET") ?? "fake-vonage-signature-secret"
    @Option(help: "Vonage: md5hash, md5, sha1, sha256 or sha512.") var signatureMethod: String = "md5hash"
    @Option(help: "WhatsApp: the access token (env WHATSAPP_ACCESS_TOKEN).") var accessToken: String = Environment.string("WHATSAPP_ACCESS_TOKEN") ?? "fake-whatsapp-token"
    @Option(help: "WhatsApp: the app secret notifications are signed with (env WHATSAPP_APP_SECRET).")
    var appSecret: String = Environment.string("WHATSAPP_APP_SECRET") ?? "fake-whatsapp-app-secret"
    @Option(help: "WhatsApp: the verify token of the verification GET (env WHATSAPP_VERIFY_TOKEN).")
    var verifyToken: String = Environment.string("WHATSAPP_VERIFY_TOKEN") ?? "fake-verify-token"
    @Option(help: "WhatsApp: the phone number ID in the API path.") var phoneNumberId: String = "106540352242922"
    @Option(help: "WhatsApp: where notifications go, e.g. http://127.0.0.1:8080/v1/providers/wa/status.") var webhookUrl: String?
    @Option(help: "Milliseconds from the API answer to the final status, MIN-MAX.") var delayMs: String = "20-200"
    @Option(help: "Share of final statuses sent twice (0-1).") var duplicates: Double = 0
    @Option(help: "Share of messages whose final status comes before 'sent' (0-1).") var reorder: Double = 0
    @Option(help: "Share of messages whose statuses are all sent before the API answers (0-1).") var early: Double = 0
    @Option(help: "Where POST /fake/inbound sends subscribers' messages, e.g. http://127.0.0.1:8080/v1/providers/tw/inbound.") var inboundUrl: String?
    @Flag(help: "Send no status callbacks or receipts (benchmarks post their own).") var noCallbacks = false
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String = "info"

    func run() async throws {
        try LogSetup.bootstrap(logLevel)
        guard ["twilio", "vonage", "whatsapp"].contains(provider) else {
            throw ValidationError("'\(provider)' is not a provider this command fakes; use twilio, vonage or whatsapp")
        }
        let port = port ?? ["twilio": 9001, "vonage": 9002, "whatsapp": 9003][provider, default: 9001]
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not a TCP port (0-65535)") }
        let delays = delayMs.split(separator: "-").compactMap { Int($0) }
        guard delays.count == 2, delays[0] >= 0, delays[0] <= delays[1] else {
            throw ValidationError("--delay-ms '\(delayMs)' is not MIN-MAX in milliseconds, e.g. 20-200")
        }
        for (name, share) in [("--duplicates", duplicates), ("--reorder", reorder), ("--early", early)] where !(0...1).contains(share) {
            throw ValidationError("\(name) \(share) is not a share between 0 and 1")
        }
        var behaviour = FakeBehaviour()
        behaviour.delayMs = delays[0]...delays[1]
        behaviour.duplicates = duplicates
        behaviour.reorder = reorder
        behaviour.early = early
        let logger = Logger(label: "fake.\(provider)")
        let host = host, provider = provider
        let listening: @Sendable (Int) -> Void = { port in
            FileHandle.standardOutput.write(Data("fake \(provider) on http://\(host):\(port)\n".utf8))
        }
        let fake: any Service
        switch provider {
        case "vonage":
            guard let method = VonageSignature.Method(rawValue: signatureMethod) else {
                throw ValidationError("--signature-method '\(signatureMethod)' is not md5hash, md5, sha1, sha256 or sha512")
            }
            var configuration = FakeVonage.Configuration()
            configuration.host = host
            configuration.port = port
            configuration.apiKey = apiKey
            configuration.apiSecret = apiSecret
            configuration.signatureSecret = signatureSecret
            configuration.signatureMethod = method
            configuration.behaviour = behaviour
            configuration.inboundURL = inboundUrl
            configuration.sendsCallbacks = !noCallbacks
            fake = FakeVonage(configuration: configuration, logger: logger, onListening: listening)
        case "whatsapp":
            var configuration = FakeWhatsApp.Configuration()
            configuration.host = host
            configuration.port = port
            configuration.accessToken = accessToken
            configuration.appSecret = appSecret
            configuration.verifyToken = verifyToken
            configuration.phoneNumberID = phoneNumberId
            configuration.webhookURL = noCallbacks ? nil : webhookUrl
            configuration.behaviour = behaviour
            fake = FakeWhatsApp(configuration: configuration, logger: logger, onListening: listening)
        default:
            var configuration = FakeTwilio.Configuration()
            configuration.host = host
            configuration.port = port
            configuration.accountSID = accountSid
            configuration.authToken = authToken
            configuration.behaviour = behaviour
            configuration.inboundURL = inboundUrl
            configuration.sendsCallbacks = !noCallbacks
            fake = FakeTwilio(configuration: configuration, logger: logger, onListening: listening)
        }
        let group = ServiceGroup(configuration: .init(services: [.init(service: fake)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
