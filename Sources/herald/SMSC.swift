import ArgumentParser
import Foundation
import Synchronization
import Logging
import ServiceLifecycle
import SMSCSimulator

struct SMSC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smsc",
        abstract: "Run the built-in SMSC simulator: an SMPP 3.4 server that answers submits and sends receipts.",
        discussion: "Destinations ending in 0200-0240 choose their outcome (docs/integrations/smpp.md); others follow --mix."
    )

    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "SMPP port.") var port: Int = 2775
    @Option(help: "The simulator's system id in bind responses.") var systemID: String = "HeraldSMSC"
    @Option(help: "Accepted credentials SYSTEM_ID:PASSWORD, repeatable; none accepts any.") var account: [String] = []
    @Option(help: "Message id format: hex or decimal.") var idFormat: String = "hex"
    @Option(help: "Id format inside receipts (default: same as --id-format).") var receiptIDFormat: String?
    @Option(help: "Zero-pad ids to this width.") var idWidth: Int = 0
    @Option(help: "Outcome mix, e.g. DELIVRD=90,UNDELIV:001=5,EXPIRED=2,REJECT=2,NONE=1.") var mix: String = "DELIVRD=1"
    @Option(help: "Receipt delay range in milliseconds, MIN-MAX.") var delayMs: String = "50-500"
    @Option(help: "Share of final receipts sent twice (0-1).") var duplicates: Double = 0
    @Option(help: "Share of messages whose ENROUTE comes after the final receipt (0-1).") var reorder: Double = 0
    @Option(help: "Share of receipts sent before the submit_sm_resp (0-1).") var early: Double = 0
    @Option(help: "Share of submit_sm answered ESME_RTHROTTLED (0-1).") var throttle: Double = 0
    @Option(help: "Drop the connection without answering every Nth submit_sm (0: never).") var dropEvery: Int = 0
    @Option(help: "Milliseconds before each submit_sm_resp (a slow SMSC).") var responseDelayMs: Int = 0
    @Flag(help: "Write each receipt's id in a random dialect (decimal, zero-padded, other case, text or TLV only).") var mixedReceiptIds = false
    @Option(help: "First message id number; the simulator counts on from it (a restart starts again, so ids repeat).") var idStart: UInt64 = 0x1000
    @Flag(name: .customLong("no-receipt-tlvs"), help: "Receipts carry only the text, no TLVs.") var noReceiptTLVs = false
    @Option(help: "An inbound (MO) message FROM:TO:TEXT sent to the first client that binds, repeatable.") var mo: [String] = []
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String = "info"
    @Option(help: "Append every accepted submit_sm to this file, one line each: id, destination, text (tab-separated); its counters go to FILE.stats.json at exit. SIGUSR1 aborts every session.")
    var record: String?

    func run() async throws {
        try LogSetup.bootstrap(logLevel)
        var configuration = SMSCSimulatorConfiguration(host: host, port: port, systemID: systemID)
        for entry in account {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--account '\(entry)' is not SYSTEM_ID:PASSWORD") }
            configuration.credentials[parts[0]] = parts[1]
        }
        guard let format = SMSCSimulatorConfiguration.IDFormat(rawValue: idFormat) else {
            throw ValidationError("--id-format '\(idFormat)' is not hex or decimal")
        }
        configuration.idFormat = format
        if let receiptIDFormat {
            guard let format = SMSCSimulatorConfiguration.IDFormat(rawValue: receiptIDFormat) else {
                throw ValidationError("--receipt-id-format '\(receiptIDFormat)' is not hex or decimal")
            }
            configuration.receiptIDFormat = format
        }
        configuration.idWidth = idWidth
        do { configuration.mix = try SMSCSimulatorConfiguration.parseMix(mix) } catch {
            throw ValidationError("--mix: \(error)")
        }
        let delays = delayMs.split(separator: "-").compactMap { Double($0) }
        guard delays.count == 2, delays[0] >= 0, delays[0] <= delays[1] else {
            throw ValidationError("--delay-ms '\(delayMs)' is not MIN-MAX in milliseconds, e.g. 50-500")
        }
        configuration.receiptDelay = (delays[0] / 1000)...(delays[1] / 1000)
        for (name, value) in [("--duplicates", duplicates), ("--reorder", reorder), ("--early", early), ("--throttle", throttle)] {
            guard (0...1).contains(value) else { throw ValidationError("\(name) \(value) is not a share between 0 and 1") }
        }
        configuration.duplicateRate = duplicates
        configuration.reorderRate = reorder
        configuration.earlyReceiptRate = early
        configuration.throttleRate = throttle
        configuration.dropEvery = max(0, dropEvery)
        configuration.mixedReceiptIDs = mixedReceiptIds
        configuration.responseDelay = Double(max(0, responseDelayMs)) / 1000
        configuration.idStart = idStart
        configuration.receiptTLVs = !noReceiptTLVs
        let simulator = SMSCSimulator(configuration: configuration)
        for entry in mo {
            let parts = entry.split(separator: ":", maxSplits: 2).map(String.init)
            guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--mo '\(entry)' is not FROM:TO:TEXT, e.g. +447400123123:Herald:STOP")
            }
            simulator.injectInbound(systemID: nil, from: parts[0], to: parts[1], text: parts[2])
        }
        if let record {
            guard FileManager.default.createFile(atPath: record, contents: nil), let file = FileHandle(forWritingAtPath: record) else {
                throw ValidationError("--record: cannot write \(record)")
            }
            let lock = Mutex(file)
            simulator.onSubmit { id, destination, text in
                let line = [id, destination, text.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")].joined(separator: "\t") + "\n"
                lock.withLock { $0.write(Data(line.utf8)) }
            }
        }
        // SIGUSR1: abort every session, as a carrier's SMSC that drops its connections.
        signal(SIGUSR1, SIG_IGN)
        let abort = DispatchSource.makeSignalSource(signal: SIGUSR1)
        abort.setEventHandler { simulator.abortSessions() }
        abort.resume()
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: simulator)], gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "herald.smsc")
        ))
        try await group.run()
        abort.cancel()
        if let record {
            // What it did, for whoever reads the record: every receipt it made should have been acknowledged.
            let stats = simulator.stats
            let summary: [String: Int] = ["binds": stats.binds, "submits": stats.submits, "receipts_created": stats.receiptsCreated,
                                          "receipts_sent": stats.receiptsSent, "receipts_acknowledged": stats.receiptsAcknowledged, "dropped": stats.dropped]
            try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]).write(to: URL(fileURLWithPath: record + ".stats.json"))
        }
    }
}
