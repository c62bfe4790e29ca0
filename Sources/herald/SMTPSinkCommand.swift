import ArgumentParser
import Logging
import ServiceLifecycle
import SMTP
import SMTPSink

struct SMTPSinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smtp-sink",
        abstract: "Run an SMTP server that takes mail and answers by magic recipient, for tests.",
        discussion: """
            The recipient's local part (before any +tag) chooses the answer to RCPT TO: unknown (550 5.1.1), full (552 5.2.2), \
            spam (550 5.7.1), noroute (550 5.4.4), defer (451 4.3.0), defer-once (451 the first time, then 250), slow (250 after \
            --slow-ms), drop (closes the connection); any other address is taken (250).
            """
    )

    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "SMTP port.") var port: Int = 2525
    @Option(help: "The name in the greeting and EHLO reply.") var hostname: String = "sink.test"
    @Option(help: "Largest message taken, in octets (552 5.3.4 beyond).") var maxSize: Int = 10 << 20
    @Option(help: "Milliseconds a slow@ recipient waits for its reply.") var slowMs: Int = 10_000
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String = "info"
    @Option(help: "PEM certificate (chain) file: STARTTLS is offered (with --tls-key).") var tlsCert: String?
    @Option(help: "PEM private key file of --tls-cert.") var tlsKey: String?
    @Flag(help: "TLS from the first byte on every connection (like port 465) instead of STARTTLS; needs --tls-cert and --tls-key.")
    var implicitTls = false
    @Option(help: "USER:PASSWORD that AUTH PLAIN or LOGIN must give before MAIL (offered only under TLS).") var auth: String?
    @Option(help: "HOST:PORT to send delivery status notifications to (Herald's --smtp-inbound-port): failed 5.1.1 for bounce@, delivered when NOTIFY=SUCCESS was asked.")
    var dsnTo: String?
    @Option(help: "Delivery status notifications sent at once, each on a session kept open to --dsn-to (1: one after another).")
    var dsnConcurrency: Int = 8

    func run() async throws {
        try LogSetup.bootstrap(logLevel)
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not a TCP port (0-65535)") }
        guard maxSize > 0 else { throw ValidationError("--max-size \(maxSize) must be positive") }
        guard (1...1000).contains(dsnConcurrency) else { throw ValidationError("--dsn-concurrency \(dsnConcurrency) must be 1-1000") }
        var configuration = SMTPSink.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.hostname = hostname
        configuration.maximumSize = maxSize
        configuration.reportConcurrency = dsnConcurrency
        switch (tlsCert, tlsKey) {
        case (let cert?, let key?):
            do {
                configuration.tls = try SMTPTLS.server(certificateFile: cert, keyFile: key)
            } catch {
                throw ValidationError("--tls-cert/--tls-key: cannot load \(cert) and \(key): \(error); give a PEM certificate and its PEM key")
            }
        case (nil, nil):
            guard !implicitTls else { throw ValidationError("--implicit-tls needs --tls-cert and --tls-key") }
        default:
            throw ValidationError("--tls-cert and --tls-key go together: give both PEM files")
        }
        configuration.implicitTLS = implicitTls
        if let auth {
            guard let colon = auth.firstIndex(of: ":"), colon != auth.startIndex else {
                throw ValidationError("--auth '\(auth)' is not USER:PASSWORD")
            }
            guard configuration.tls != nil else { throw ValidationError("--auth needs --tls-cert and --tls-key (AUTH is offered only under TLS)") }
            configuration.credentials = .init(username: String(auth[..<colon]), password: String(auth[auth.index(after: colon)...]))
        }
        let sink = SMTPSink(configuration: configuration, recipients: MagicRecipients(slowMilliseconds: max(0, slowMs)))
        if let dsnTo {
            guard let (host, port) = HostPort.parse(dsnTo, defaultPort: nil) else {
                throw ValidationError("--dsn-to '\(dsnTo)' is not HOST:PORT, e.g. 127.0.0.1:2526")
            }
            sink.sendDSNs(to: host, port: port)
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: sink)], gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "herald.smtp-sink")
        ))
        try await group.run()
    }
}
