import ArgumentParser
import Foundation
import HeraldConnectors
import HeraldCore
import HeraldEngine
import HeraldDashboard
import HeraldHTTP
import HeraldLinks
import HeraldMetrics
import HeraldProviders
import HeraldSMPP
import HeraldSMTP
import HeraldWebhooks
import SMTP
import HeraldStore
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway: HTTP API, dispatch workers, receipt ingestion, expiry timer, simulator provider.")

    @Option(help: "Address to listen on (env HERALD_HOST).")
    var host: String = Environment.string("HERALD_HOST") ?? "127.0.0.1"
    @Option(help: "HTTP port (env HERALD_PORT).")
    var port: Int = Environment.int("HERALD_PORT") ?? 8080
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Dispatch worker loops (env HERALD_WORKERS).")
    var workers: Int = Environment.int("HERALD_WORKERS") ?? 2
    @Option(help: "trace, debug, info, notice, warning, error or critical (env HERALD_LOG_LEVEL).")
    var logLevel: String = Environment.string("HERALD_LOG_LEVEL") ?? "info"
    @Option(help: "text, or json: one JSON object per line with the message id, account and connector as fields (env HERALD_LOG_FORMAT).")
    var logFormat: String = Environment.string("HERALD_LOG_FORMAT") ?? "text"
    @Option(help: "Simulator outcome mix for ordinary recipients, e.g. delivered=90,ABSENT_SUBSCRIBER=5,expired=2 (env HERALD_SIMULATOR_MIX).")
    var simulatorMix: String = Environment.string("HERALD_SIMULATOR_MIX") ?? ""
    @Option(help: "Simulator receipt delay range in milliseconds, MIN-MAX (env HERALD_SIMULATOR_DELAY_MS).")
    var simulatorDelayMs: String = Environment.string("HERALD_SIMULATOR_DELAY_MS") ?? "50-500"
    @Option(help: "Share of final receipts the simulator sends twice (0-1).")
    var simulatorDuplicates: Double = 0.01
    @Option(help: "Share of receipts the simulator reorders (0-1).")
    var simulatorReorder: Double = 0.01
    @Option(help: "Account that gets the demo API key printed at start.")
    var demoAccount: String = "demo"
    @Flag(help: "Record temporary failure receipts (HANDSET_BUSY, ABSENT_SUBSCRIBER_TEMPORARY, ...) as final instead of sending again.")
    var noReceiptRetries = false
    @Flag(help: "Let status callbacks reach private, loopback and link-local addresses (refused by default).")
    var webhooksAllowPrivate = false
    @Option(help: "PEM file of a certificate authority trusted for https callbacks besides the system's (env HERALD_WEBHOOKS_CA_FILE).")
    var webhooksCaFile: String? = Environment.string("HERALD_WEBHOOKS_CA_FILE")
    @Flag(help: "Do not create and print a demo API key.")
    var noDemoKey: Bool = false
    @Option(help: "Seconds within which the same recipient, sender and text is DUPLICATE; 0 turns it off (env HERALD_DUPLICATE_WINDOW_S).")
    var duplicateWindowS: Int = Environment.int("HERALD_DUPLICATE_WINDOW_S") ?? 600
    @Option(help: "Answer to an inbound HELP (env HERALD_HELP_TEXT); empty: HELP is only logged.")
    var helpText: String = Environment.string("HERALD_HELP_TEXT") ?? "Herald messaging: reply STOP to opt out, START to opt back in."
    @Option(help: "Port of the SMTP listener for bounces and DSNs to the smtp connectors' bounce domains (env HERALD_SMTP_INBOUND_PORT); see docs/integrations/email.md.")
    var smtpInboundPort: Int? = Environment.int("HERALD_SMTP_INBOUND_PORT")
    @Option(help: "Connections the SMTP listener for bounces keeps open at once; one more is answered 421 and the sending server tries again later (env HERALD_SMTP_INBOUND_MAX_CONNECTIONS).")
    var smtpInboundMaxConnections: Int = Environment.int("HERALD_SMTP_INBOUND_MAX_CONNECTIONS") ?? 100
    @Option(help: "PEM certificate chain for STARTTLS on the SMTP listener for bounces, with --smtp-inbound-tls-key (env HERALD_SMTP_INBOUND_TLS_CERT); without it STARTTLS is not offered.")
    var smtpInboundTlsCert: String? = Environment.string("HERALD_SMTP_INBOUND_TLS_CERT")
    @Option(help: "PEM private key of --smtp-inbound-tls-cert (env HERALD_SMTP_INBOUND_TLS_KEY).")
    var smtpInboundTlsKey: String? = Environment.string("HERALD_SMTP_INBOUND_TLS_KEY")
    @Option(help: "The address the internet reaches this Herald at, e.g. https://herald.example.com (env HERALD_PUBLIC_URL): the base of the signed links in messages (an e-mail's one-click List-Unsubscribe) and of HTTP providers' callbacks (/v1/providers/{connector}/status). Without it those links are left out and provider connectors cannot start.")
    var publicUrl: String? = Environment.string("HERALD_PUBLIC_URL")
    @Option(help: "JSON file with connectors and routes (env HERALD_CONFIG); see docs/integrations/smpp.md.")
    var config: String? = Environment.string("HERALD_CONFIG")
    @Option(help: "Days to keep provider evidence, whatever the account: HTTP providers' webhooks and receipts as they arrived; 'off' keeps them (env HERALD_EVIDENCE_RETENTION_DAYS). Each account's own retention is PATCH /v1/account.")
    var evidenceRetentionDays: String = Environment.string("HERALD_EVIDENCE_RETENTION_DAYS") ?? "30"

    @Option(help: "Largest request body in bytes: JSON (a batch) and every other body but uploads (env HERALD_MAX_REQUEST_BYTES); a larger one is refused with 413.")
    var maxRequestBytes: Int = Environment.int("HERALD_MAX_REQUEST_BYTES") ?? 8 << 20
    @Option(help: "Largest CSV file read whole in bytes: POST /v1/dnd as text/csv, the dashboard's campaign form (env HERALD_MAX_UPLOAD_BYTES). A campaign's recipients stream and have no limit.")
    var maxUploadBytes: Int = Environment.int("HERALD_MAX_UPLOAD_BYTES") ?? 64 << 20

    func validate() throws {
        _ = try evidenceDays()
        guard maxRequestBytes >= 64 << 10 else { throw ValidationError("--max-request-bytes must be at least 65536 (64 KiB), not \(maxRequestBytes)") }
        guard maxUploadBytes >= 64 << 10 else { throw ValidationError("--max-upload-bytes must be at least 65536 (64 KiB), not \(maxUploadBytes)") }
    }

    /// `--evidence-retention-days`: nil for off.
    func evidenceDays() throws -> Int? {
        if evidenceRetentionDays == "off" { return nil }
        guard let days = Int(evidenceRetentionDays), days >= 1 else {
            throw ValidationError("--evidence-retention-days must be a whole number of days (1 or more) or 'off', not '\(evidenceRetentionDays)'")
        }
        return days
    }

    func run() async throws {
        try LogSetup.bootstrap(logLevel, format: logFormat)
        // Every metric goes to one Prometheus registry, exported at GET /metrics (operator keys); bootstrapped before
        // anything records one (HeraldMetrics keeps the handles it makes).
        let metrics = PrometheusCollectorRegistry()
        HeraldMetrics.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let logger = Logger(label: "herald")
        var simulator = SimulatorConfiguration(duplicateRate: simulatorDuplicates, reorderRate: simulatorReorder)
        if !simulatorMix.isEmpty {
            do { simulator.mix = try SimulatorConfiguration.parseMix(simulatorMix) } catch {
                throw ValidationError("--simulator-mix: \(error.problem); \(error.fix)")
            }
        }
        let delays = simulatorDelayMs.split(separator: "-").compactMap { Double($0) }
        guard delays.count == 2, delays[0] >= 0, delays[0] <= delays[1] else {
            throw ValidationError("--simulator-delay-ms '\(simulatorDelayMs)' is not MIN-MAX in milliseconds, e.g. 50-500")
        }
        simulator.receiptDelay = (delays[0] / 1000)...(delays[1] / 1000)

        let file: ConfigFile
        do {
            file = try config.map(ConfigFile.load(path:)) ?? ConfigFile()
        } catch let problem as ConfigFile.Problem {
            throw ValidationError(problem.description)
        }
        let smppConfigurations: [SMPPConnectorConfiguration]
        let smtpConfigurations: [SMTPConnectorConfiguration]
        let routes: [ConnectorRegistry.Route]
        let prices: PriceTable
        do {
            smppConfigurations = try file.smppConnectors()
            smtpConfigurations = try file.smtpConnectors()
            routes = try file.routeTable()
            prices = try file.priceTable()
        } catch let problem as ConfigFile.Problem {
            throw ValidationError(problem.description)
        }

        let store = try StoreURL.open(database.database, logger: logger)
        var links: LinkSigner?
        if let publicUrl {
            guard let url = URL(string: publicUrl), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", url.host?.isEmpty == false,
                  url.query == nil, url.fragment == nil
            else {
                throw ValidationError("--public-url '\(publicUrl)' is not an http(s) URL without query, e.g. https://herald.example.com")
            }
            if scheme == "http" { logger.warning("--public-url is http: mail clients expect https for one-click unsubscribe (RFC 8058)") }
            links = LinkSigner(publicURL: publicUrl) { accountID in try await store.callbackSecret(accountID: accountID) }
        }
        let sink = ReceiptSink()
        // HELP is answered through the normal accept path (gates, queue, timeline), from the number it was sent to.
        let replyGateway = Gateway(store: store, prices: prices, duplicateWindow: 0)
        let inboundRecorder = InboundRecorder(store: store, replies: .init(help: helpText.isEmpty ? nil : helpText) { accountID, to, from, text in
            _ = try await replyGateway.send([SendRequest(channel: "sms", to: to, from: from, text: text, category: .keywordReply)], accountID: accountID)
        })
        var connectors: [any Connector] = []
        var connectorServices: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if file.usesSimulator {
            simulator.name = file.simulatorName
            let simulatorConnector = SimulatorConnector(configuration: simulator, sink: sink)
            connectors.append(simulatorConnector)
            connectorServices.append(.init(service: simulatorConnector))
        }
        for configuration in smppConfigurations {
            let connector = SMPPConnector(configuration: configuration, sink: sink, logger: Logger(label: "herald.smpp")) { inbound, acknowledge in
                inboundRecorder.deliver(inbound, acknowledge: acknowledge)
            }
            connectors.append(connector)
            connectorServices.append(.init(service: connector))
        }
        for var configuration in smtpConfigurations {
            // The mailto of List-Unsubscribe reaches Herald only through its bounce listener.
            configuration.mailtoUnsubscribe = smtpInboundPort != nil
            connectors.append(try SMTPConnector(configuration: configuration, links: links, logger: Logger(label: "herald.smtp")))
        }
        do {
            let twilio = try file.twilioConnectors(publicURL: publicUrl), vonage = try file.vonageConnectors(publicURL: publicUrl)
            let whatsapp = try file.whatsAppConnectors(publicURL: publicUrl)
            if !twilio.isEmpty || !vonage.isEmpty || !whatsapp.isEmpty {
                let http = ProviderHTTPClient()
                connectorServices.append(.init(service: http))
                connectors += twilio.map { TwilioConnector(configuration: $0, client: http.client, logger: Logger(label: "herald.twilio")) }
                connectors += vonage.map { VonageConnector(configuration: $0, client: http.client, logger: Logger(label: "herald.vonage")) }
                connectors += whatsapp.map { WhatsAppConnector(configuration: $0, client: http.client, logger: Logger(label: "herald.whatsapp")) }
            }
        } catch let problem as ConfigFile.Problem {
            throw ValidationError(problem.description)
        }
        let providerIntake = ProviderCallbackIntake(store: store, sink: sink) { message, stored in
            inboundRecorder.deliver(message, acknowledge: { stored(true) }, giveUp: { stored(false) })
        }
        var bounceServices: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let smtpInboundPort {
            guard (0...65535).contains(smtpInboundPort) else { throw ValidationError("--smtp-inbound-port \(smtpInboundPort) is not a TCP port (0-65535)") }
            guard !smtpConfigurations.isEmpty else {
                throw ValidationError("--smtp-inbound-port: no smtp connector in --config, so no bounce domain to listen for; add one (docs/integrations/email.md)")
            }
            let domains = Dictionary(smtpConfigurations.map { ($0.bounceDomain.lowercased(), $0.name) }, uniquingKeysWith: { first, _ in first })
            for configuration in smtpConfigurations where !configuration.bounceToken.isSigned {
                logger.warning("bounces for this connector are not authenticated: anyone who can mail its bounce domain can mark its messages bounced; set bounce_secret_env",
                               metadata: ["connector": "\(configuration.name)"])
            }
            let tokens = Dictionary(smtpConfigurations.map { ($0.name, $0.bounceToken) }, uniquingKeysWith: { first, _ in first })
            guard (1...100_000).contains(smtpInboundMaxConnections) else {
                throw ValidationError("--smtp-inbound-max-connections \(smtpInboundMaxConnections) is out of range; give 1 to 100000")
            }
            var listenerConfiguration = BounceListener.Configuration(host: host, port: smtpInboundPort, domains: domains, tokens: tokens)
            listenerConfiguration.maximumConnections = smtpInboundMaxConnections
            switch (smtpInboundTlsCert, smtpInboundTlsKey) {
            case (nil, nil): break
            case (let certificate?, let key?):
                do {
                    listenerConfiguration.tls = try SMTPTLS.server(certificateFile: certificate, keyFile: key)
                } catch {
                    throw ValidationError("--smtp-inbound-tls-cert / --smtp-inbound-tls-key: cannot use \(certificate) and \(key): \(error); give a PEM certificate chain and its private key")
                }
            default:
                throw ValidationError("--smtp-inbound-tls-cert and --smtp-inbound-tls-key go together: give both, or neither (no STARTTLS)")
            }
            bounceServices.append(.init(service: BounceListener(configuration: listenerConfiguration, sink: sink,
                                                                inbound: { message, acknowledge in inboundRecorder.deliver(message, acknowledge: acknowledge) },
                                                                unsubscribe: { messageID, stored in
                                                                    inboundRecorder.unsubscribe(messageID: messageID, at: Date(), acknowledge: { stored(true) },
                                                                                                giveUp: { stored(false) })
                                                                })))
        }
        let registry = ConnectorRegistry(connectors, routes: routes)
        let dispatcher = Dispatcher(store: store, connectors: registry,
                                    configuration: .init(workers: max(1, workers), receiptRetries: !noReceiptRetries), logger: Logger(label: "herald.dispatch"))
        guard duplicateWindowS >= 0 else { throw ValidationError("--duplicate-window-s \(duplicateWindowS) is negative; use 0 to turn the gate off") }
        // Several nodes on one PostgreSQL: a message queued on any node wakes every node's dispatcher (LISTEN / NOTIFY).
        store.onQueuedWork { dispatcher.signal.notify() }
        let gateway = Gateway(store: store, prices: prices, signal: dispatcher.signal, duplicateWindow: TimeInterval(duplicateWindowS))
        let ingestor = ReceiptIngestor(store: store, sink: sink, retry: noReceiptRetries ? nil : dispatcher.configuration.retry)
        let api = HeraldAPI(gateway: gateway, connectors: connectors, receiptCounts: { ingestor.counts },
                            callbackAddresses: AddressPolicy(allowPrivate: webhooksAllowPrivate), links: links,
                            providerIntake: providerIntake, publicURL: publicUrl, metrics: {
                                var buffer: [UInt8] = []
                                metrics.emit(into: &buffer)
                                return String(decoding: buffer, as: UTF8.self)
                            }, limits: RequestLimits(requestBytes: maxRequestBytes, uploadBytes: maxUploadBytes))
        // The dashboard at `/` on the same port (cookies marked Secure when Herald's public address is https).
        let router = api.router(otherRoutes: Dashboard.routes)
        try Dashboard(api: api, registry: registry, secureCookies: publicUrl?.lowercased().hasPrefix("https://") == true).addRoutes(to: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "Herald"),
            logger: Logger(label: "herald.http")
        )
        var senderConfiguration = WebhookSender.Configuration()
        senderConfiguration.addresses = AddressPolicy(allowPrivate: webhooksAllowPrivate)
        if let webhooksCaFile {
            guard FileManager.default.isReadableFile(atPath: webhooksCaFile) else {
                throw ValidationError("--webhooks-ca-file: \(webhooksCaFile) is not a readable file; give the path of a PEM certificate")
            }
            senderConfiguration.additionalTrustRootFiles = [webhooksCaFile]
        }
        let webhookSender = WebhookSender(store: store, configuration: senderConfiguration)
        let setup = PrepareStore(store: store, demoAccount: noDemoKey ? nil : demoAccount, banner: "http://\(host):\(port)", database: database.database,
                                providers: connectors.map(\.name).joined(separator: ", ")) { store in
            // Routes name accounts; messages carry account ids.
            for name in registry.routedAccounts {
                registry.learn(accountID: try await store.ensureAccount(named: name).id, name: name)
            }
        }
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: store),
                .init(service: setup, successTerminationBehavior: .ignore),
                .init(service: ingestor),
                .init(service: DelayedStart(setup: setup, service: inboundRecorder)),
            ] + bounceServices + connectorServices + [
                .init(service: DelayedStart(setup: setup, service: ExpiryTimer(store: store))),
                .init(service: DelayedStart(setup: setup, service: QueueSampler(store: store))),
                .init(service: DelayedStart(setup: setup, service: api.keyCache)),
                .init(service: DelayedStart(setup: setup, service: RetentionSweeper(store: store, evidenceAfterDays: try evidenceDays()))),
                .init(service: DelayedStart(setup: setup, service: webhookSender)),
                .init(service: DelayedStart(setup: setup, service: dispatcher)),
                .init(service: DelayedStart(setup: setup, service: app)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
    }
}

/// Migrates the schema and prints the demo key once the store's connections are up.
final class PrepareStore: Service {
    let store: any HeraldStore
    let demoAccount: String?
    let banner: String
    let database: String
    let providers: String
    let ready = Latch()
    /// Runs after the migrations, before the other services start.
    let afterMigration: @Sendable (any HeraldStore) async throws -> Void

    init(store: any HeraldStore, demoAccount: String?, banner: String, database: String, providers: String = "simulator",
         afterMigration: @escaping @Sendable (any HeraldStore) async throws -> Void = { _ in }) {
        self.afterMigration = afterMigration
        self.providers = providers
        self.store = store
        self.demoAccount = demoAccount
        self.banner = banner
        self.database = database
    }

    func run() async throws {
        do {
            try await prepare()
        } catch {
            // The services waiting for the schema must not wait forever: they give up, and the error ends `serve`.
            ready.open(failed: true)
            throw error
        }
    }

    private func prepare() async throws {
        try await store.migrate()
        // Callbacks owed by events an older Herald recorded but had not fanned out yet (a no-op once done).
        try await WebhookCatchUp.run(store: store)
        try await afterMigration(store)
        var lines = ["Herald gateway on \(banner)  database: \(database)  providers: \(providers)"]
        if let demoAccount {
            // Made once per database and shown only then: a restart never mints another key.
            let account = try await store.ensureAccount(named: demoAccount)
            if try await store.apiKeys(accountID: account.id).isEmpty {
                let key = try await APIKeys.create(for: account, store: store)
                lines.append("Demo account '\(account.name)' API key: \(key)")
                lines.append("Try: curl -X POST \(banner)/v1/messages -H 'Authorization: Bearer \(key)' -H 'Content-Type: application/json' -d '{\"channel\":\"sms\",\"to\":\"+14155550100\",\"from\":\"Herald\",\"text\":\"Your code is 123456\"}'")
            } else {
                lines.append("Demo account '\(account.name)': its key was printed when this database was made; another: herald keys create --account \(account.name)")
            }
        }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        ready.open()
    }
}

/// Starts a service only after the schema is migrated.
struct DelayedStart<Wrapped: Service>: Service {
    let setup: PrepareStore
    let service: Wrapped

    func run() async throws {
        guard await setup.ready.wait() else { return }  // setup failed: its error ends the group
        try await service.run()
    }
}

/// Opens once, as ready or as failed; every waiter (before or after) proceeds and learns which.
final class Latch: Sendable {
    private let state = Mutex<(isOpen: Bool, failed: Bool, waiters: [CheckedContinuation<Bool, Never>])>((false, false, []))

    func open(failed: Bool = false) {
        let (waiters, ready) = state.withLock { state -> ([CheckedContinuation<Bool, Never>], Bool) in
            if !state.isOpen { state.failed = failed }
            state.isOpen = true
            defer { state.waiters = [] }
            return (state.waiters, !state.failed)
        }
        for waiter in waiters { waiter.resume(returning: ready) }
    }

    /// True when ready, false when setup failed.
    func wait() async -> Bool {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool? in
                if state.isOpen { return !state.failed }
                state.waiters.append(continuation)
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
    }
}
