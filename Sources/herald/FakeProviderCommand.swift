import ArgumentParser
import FakeProviders
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
            """
    )

    @Argument(help: "The provider: twilio.") var provider: String
    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "HTTP port.") var port: Int = 9001
    @Option(help: "Twilio: the account SID the API takes (env TWILIO_ACCOUNT_SID).")
    var accountSid: String = Environment.string("TWILIO_ACCOUNT_SID") ?? "AC00000000000000000000000000000001"
    @Option(help: "Twilio: the auth token the API takes and callbacks are signed with (env TWILIO_AUTH_TOKEN).")
    var authToken: String = Environment.string("TWILIO_AUTH_TOKEN") ?? "fake-twilio-token"
    @Option(help: "Milliseconds from the API answer to the final status, MIN-MAX.") var delayMs: String = "20-200"
    @Option(help: "Share of final statuses sent twice (0-1).") var duplicates: Double = 0
    @Option(help: "Share of messages whose final status comes before 'sent' (0-1).") var reorder: Double = 0
    @Option(help: "Share of messages whose statuses are all sent before the API answers (0-1).") var early: Double = 0
    @Option(help: "Where POST /fake/inbound sends subscribers' messages, e.g. http://127.0.0.1:8080/v1/providers/tw/inbound.") var inboundUrl: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String = "info"

    func run() async throws {
        try LogSetup.bootstrap(logLevel)
        guard provider == "twilio" else { throw ValidationError("'\(provider)' is not a provider this command fakes; use twilio") }
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not a TCP port (0-65535)") }
        let delays = delayMs.split(separator: "-").compactMap { Int($0) }
        guard delays.count == 2, delays[0] >= 0, delays[0] <= delays[1] else {
            throw ValidationError("--delay-ms '\(delayMs)' is not MIN-MAX in milliseconds, e.g. 20-200")
        }
        for (name, share) in [("--duplicates", duplicates), ("--reorder", reorder), ("--early", early)] where !(0...1).contains(share) {
            throw ValidationError("\(name) \(share) is not a share between 0 and 1")
        }
        var configuration = FakeTwilio.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.accountSID = accountSid
        configuration.authToken = authToken
        configuration.delayMs = delays[0]...delays[1]
        configuration.duplicates = duplicates
        configuration.reorder = reorder
        configuration.early = early
        configuration.inboundURL = inboundUrl
        let logger = Logger(label: "fake.twilio")
        let host = host, account = accountSid
        let fake = FakeTwilio(configuration: configuration, logger: logger) { port in
            FileHandle.standardOutput.write(Data("fake twilio on http://\(host):\(port) account \(account)\n".utf8))
        }
        let group = ServiceGroup(configuration: .init(services: [.init(service: fake)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
