import Foundation
import HeraldConnectors
import HeraldCore
import HeraldEngine
import HeraldSMPP
import HeraldSQLite
import HeraldStore
import Logging
import ServiceLifecycle
import SMSCSimulator
import Synchronization
import Testing

/// Herald's engine with a real SMPP connector bound over loopback to `SMSCSimulator`, on a temporary SQLite store.
struct SMPPHarness {
    let store: any HeraldStore
    let sink: ReceiptSink
    let smsc: SMSCSimulator
    let connector: SMPPConnector
    let dispatcher: Dispatcher
    let gateway: Gateway
    let account: Account
    let inbound: InboundLog

    final class InboundLog: Sendable {
        let messages = Mutex<[InboundMessage]>([])
    }

    /// Starts the simulator, binds the connector, runs `body`, then unbinds and stops everything.
    static func run(
        smsc smscConfiguration: SMSCSimulatorConfiguration,
        connector configure: (inout SMPPConnectorConfiguration) -> Void = { _ in },
        _ body: (SMPPHarness) async throws -> Void
    ) async throws {
        var smscConfiguration = smscConfiguration
        smscConfiguration.port = 0
        let smsc = SMSCSimulator(configuration: smscConfiguration, logger: Logger(label: "test.smsc"))
        let smscGroup = ServiceGroup(services: [smsc], logger: Logger(label: "test.smsc"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await smscGroup.run() }
            let port = try await smsc.port()
            var configuration = SMPPConnectorConfiguration(
                name: "carrier", port: port, systemID: "herald", password: "secret", responseTimeout: .seconds(2),
                reconnectDelay: 0.05...0.5, bindWait: .seconds(5), submitIDFormat: .hex, receiptProfile: .vonage, registeredDelivery: 17
            )
            configure(&configuration)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-smpp-\(UUID().uuidString).sqlite").path
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            let sink = ReceiptSink()
            let log = InboundLog()
            let replyGateway = Gateway(store: store, duplicateWindow: 0)
            let recorder = InboundRecorder(store: store, replies: .init(help: "Acme: reply STOP to opt out") { accountID, to, from, text in
                _ = try await replyGateway.send([SendRequest(channel: "sms", to: to, from: from, text: text, category: .keywordReply)], accountID: accountID)
            })
            let connector = SMPPConnector(configuration: configuration, sink: sink, logger: Logger(label: "test.smpp")) { message, acknowledge in
                log.messages.withLock { $0.append(message) }
                recorder.deliver(message, acknowledge: acknowledge)
            }
            let dispatcher = Dispatcher(
                store: store, connectors: ConnectorRegistry([connector]),
                configuration: .init(workers: 1, batchSize: 128, lease: 30, retry: RetryPolicy(maxAttempts: 10, baseDelay: 0.05, maxDelay: 0.4, jitter: 0))
            )
            let harness = SMPPHarness(
                store: store, smsc: smsc, connector: connector, dispatcher: dispatcher, gateway: Gateway(store: store),
                account: try await store.ensureAccount(named: "acme"), inbound: log, sink: sink
            )
            let herald = ServiceGroup(
                configuration: .init(services: [.init(service: ReceiptIngestor(store: store, sink: sink)), .init(service: recorder), .init(service: connector)], logger: Logger(label: "test.herald"))
            )
            // Herald stops first and completely (its sessions unbind), then the SMSC.
            let outcome: Result<Void, any Error> = await withTaskGroup(of: Void.self) { heraldTasks in
                heraldTasks.addTask { try? await herald.run() }
                let result: Result<Void, any Error>
                do {
                    try await body(harness)
                    result = .success(())
                } catch {
                    result = .failure(error)
                }
                await herald.triggerGracefulShutdown()
                await heraldTasks.waitForAll()
                return result
            }
            await smscGroup.triggerGracefulShutdown()
            try await tasks.waitForAll()
            try outcome.get()
        }
    }

    private init(store: any HeraldStore, smsc: SMSCSimulator, connector: SMPPConnector, dispatcher: Dispatcher, gateway: Gateway,
                 account: Account, inbound: InboundLog, sink: ReceiptSink) {
        self.store = store
        self.smsc = smsc
        self.connector = connector
        self.dispatcher = dispatcher
        self.gateway = gateway
        self.account = account
        self.inbound = inbound
        self.sink = sink
    }

    func send(to: String, text: String = "Your code is 123456", from: String? = "Herald") async throws -> String {
        let accepted = try await gateway.send([SendRequest(channel: "sms", to: to, from: from, text: text)], accountID: account.id).get()
        return accepted[0].outcome.messageID
    }

    func message(_ id: String) async throws -> MessageRecord? {
        try await store.message(id: id, accountID: account.id)
    }

    /// Dispatches (retries included) until every message satisfies `done`, or fails after `timeout`.
    func settle(_ ids: [String], timeout: Duration = .seconds(60), done: @escaping (MessageRecord) -> Bool = { $0.status.isFinal }) async throws {
        let deadline = ContinuousClock.now + timeout
        var pending = Set(ids)
        while !pending.isEmpty {
            while try await dispatcher.runOnce() > 0 {}
            for id in pending {
                if let record = try await message(id), done(record) { pending.remove(id) }
            }
            if pending.isEmpty { break }
            guard ContinuousClock.now < deadline else {
                var stuck: [String] = []
                for id in pending.prefix(5) {
                    let record = try await message(id)
                    stuck.append("\(id) \(record?.to ?? "") \(record?.status.rawValue ?? "missing")")
                }
                Issue.record("\(pending.count) messages did not settle: \(stuck.joined(separator: "; "))")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
