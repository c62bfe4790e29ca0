import ArgumentParser
import Foundation
import HeraldCore
import HeraldEngine
import HeraldHTTP
import HeraldStore
import Logging

/// `herald campaign`: bulk sends from a CSV file, their reports and controls, straight on the database (a running
/// `herald serve` on the same database sends the messages).
struct CampaignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Create campaigns from CSV files, follow and report them, pause, resume or cancel them.",
        subcommands: [Create.self, Report.self, List.self, Pause.self, Resume.self, Cancel.self]
    )

    /// Exit codes shared by the subcommands.
    enum Exit {
        static let badOption: Int32 = 64
        static let badData: Int32 = 65
        static let notFound: Int32 = 66
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a campaign from a CSV file (header: a to/phone/number column, every other column a template variable).",
            discussion: """
                The file is read in chunks as it is stored (any size up to 1,000,000 rows); every row goes through the same gates as \
                a single send. A progress bar shows the upload, then the campaign until every message has a final status \
                (--no-wait returns after the upload; Ctrl-C leaves the campaign running).
                Exit codes: 0 done, 64 bad option, 65 the file has no recipient column, 66 no such account or template.
                """
        )

        @Option(help: "CSV file of recipients.") var csv: String
        @Option(help: "Name of the account template every message renders.") var template: String
        @Option(help: "Campaign name (default: template and time).") var name: String?
        @Option(help: "Sender id or address.") var from: String?
        @Option(help: "sms, email or chat (default: the template's channel).") var channel: String?
        @Option(help: "promotional (obeys the DND list and quiet hours) or transactional.") var category: String = "promotional"
        @Option(help: "Tag every message.") var tag: String?
        @Option(help: "Send at this time (RFC 3339) instead of now.") var sendAt: String?
        @Flag(help: "Create it paused: add and screen the recipients, send nothing until 'herald campaign resume'.") var paused = false
        @Flag(help: "Return after the upload instead of following the campaign.") var noWait = false
        @Option(help: "Stop following when every message is with a provider and no receipt came for this many seconds.") var receiptWait: Int = 60
        @Flag(help: "Print the final report as JSON.") var json = false
        @Option(help: "Config file whose pricing applies (as 'herald serve --config').") var config: String?
        @Option(help: "Account name.") var account: String = "demo"
        @OptionGroup var database: TargetOptions

        func run() async throws {
            guard let messageCategory = MessageCategory(rawValue: category), messageCategory != .keywordReply else {
                throw ValidationError("--category must be promotional or transactional")
            }
            if let channel, Channel(rawValue: channel) == nil { throw ValidationError("--channel must be sms, email or chat") }
            var schedule: Date?
            if let sendAt {
                guard let date = Timestamp.parse(sendAt) else { throw ValidationError("--send-at '\(sendAt)' is not a timestamp; use RFC 3339") }
                schedule = date
            }
            guard let file = FileHandle(forReadingAtPath: csv) else { throw ValidationError("--csv '\(csv)' cannot be read") }
            let size = (try? FileManager.default.attributesOfItem(atPath: csv)[.size] as? Int) ?? 0
            let prices = try config.map { try ConfigFile.load(path: $0).priceTable() } ?? PriceTable()
            let bar = ProgressBar()
            let options = self, sendTime = schedule
            if let server = database.server {
                // Over the API: create, then upload the file as one CSV body; the server answers when every row is stored.
                var body: [String: Any] = ["template": template, "category": messageCategory.rawValue, "paused": paused]
                body["name"] = name
                body["channel"] = channel
                body["from"] = from
                body["tag"] = tag
                body["send_at"] = sendAt
                let created = try await server.send(.POST, "/v1/campaigns", json: body).object()
                guard let id = created["id"] as? String else { throw RemoteAPI.failure("the server's answer has no campaign id", code: 69) }
                FileHandle.standardError.write(Data("campaign \(id)\n".utf8))
                let upload = try await server.send(.POST, "/v1/campaigns/\(id)/recipients", body: file.readDataToEndOfFile(), contentType: "text/csv").object()
                for problem in (upload["problems"] as? [[String: Any]] ?? []).prefix(10) {
                    FileHandle.standardError.write(Data("line \(problem["line"] as? Int ?? 0): \(problem["problem"] as? String ?? ""). Fix: \(problem["fix"] as? String ?? "")\n".utf8))
                }
                CampaignCommand.printRemote(upload["campaign"] as? [String: Any] ?? created, json: json)
                return
            }
            try await database.withAccount(options.account, label: "herald.campaign") { store, account in
                guard let template = try await store.template(accountID: account.id, name: options.template) else {
                    throw CampaignCommand.fail("no template named '\(options.template)' in account '\(options.account)'; create it with POST /v1/templates", Exit.notFound)
                }
                let now = Date()
                let campaign = Campaign(accountID: account.id, template: template, name: options.name, channel: options.channel, from: options.from,
                                        category: messageCategory, tag: options.tag, sendAt: sendTime, paused: options.paused, createdAt: now)
                try await store.createCampaign(campaign)
                FileHandle.standardError.write(Data("campaign \(campaign.id)\n".utf8))
                let upload = CampaignUpload(gateway: Gateway(store: store, prices: prices), campaign: campaign, settings: account.settings)
                let started = ContinuousClock.now
                let report: CampaignUpload.Report
                do {
                    report = try await upload.upload(csv: FileChunks(handle: file)) { progress in
                        let seconds = max(0.001, (ContinuousClock.now - started).seconds)
                        bar.draw(label: "upload", done: progress.bytes, total: size,
                                 detail: "\(progress.rows.formatted()) rows, \(progress.invalidRows.formatted()) invalid, \(Int(Double(progress.rows) / seconds).formatted()) rows/s")
                    }
                } catch let failure as CampaignUpload.Failure {
                    bar.end()
                    throw CampaignCommand.fail("\(failure.error.field): \(failure.error.problem). Fix: \(failure.error.fix)", Exit.badData)
                }
                bar.end()
                for problem in report.problems.prefix(10) {
                    FileHandle.standardError.write(Data("line \(problem.line): \(problem.error.problem). Fix: \(problem.error.fix)\n".utf8))
                }
                if report.truncated { FileHandle.standardError.write(Data("stopped at \(CampaignUpload.maxRows.formatted()) rows: split the file\n".utf8)) }
                var summary = CampaignSummary(campaign: campaign, counts: try await store.campaignCounts(campaignID: campaign.id))
                if !options.noWait, !options.paused, !report.stoppedByCancel {
                    summary = try await CampaignCommand.follow(campaign, store: store, bar: bar, receiptWait: .seconds(options.receiptWait))
                }
                CampaignCommand.print(summary, currency: prices.currency, json: options.json)
            }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A campaign's counts by status and reason, delivery rate, cost and progress.",
            discussion: "Exit codes: 0 done, 66 no such account or campaign."
        )

        @Argument(help: "Campaign id (cmp_...).") var id: String
        @Flag(help: "Follow the campaign with a progress bar until every message has a final status.") var follow = false
        @Option(help: "With --follow: stop when every message is with a provider and no receipt came for this many seconds.") var receiptWait: Int = 60
        @Flag(help: "Print JSON (the API's campaign object).") var json = false
        @Option(help: "Currency the costs are shown in (as the server's pricing).") var currency: String = PriceTable().currency
        @Option(help: "Account name.") var account: String = "demo"
        @OptionGroup var database: TargetOptions

        func run() async throws {
            let options = self
            if let server = database.server {
                CampaignCommand.printRemote(try await server.send(.GET, "/v1/campaigns/\(id)").object(), json: json)
                return
            }
            try await CampaignCommand.withCampaign(id, account: account, database: database) { store, campaign in
                let summary = options.follow
                    ? try await CampaignCommand.follow(campaign, store: store, bar: ProgressBar(), receiptWait: .seconds(options.receiptWait))
                    : CampaignSummary(campaign: campaign, counts: try await store.campaignCounts(campaignID: campaign.id))
                CampaignCommand.print(summary, currency: options.currency, json: options.json)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The account's campaigns, newest first, with progress.")

        @Option(help: "How many.") var limit: Int = 20
        @Option(help: "Account name.") var account: String = "demo"
        @OptionGroup var database: TargetOptions

        func run() async throws {
            let accountName = account, count = limit
            if let server = database.server {
                let page = try await server.send(.GET, "/v1/campaigns", query: [("limit", String(count))]).object()
                for campaign in page["data"] as? [[String: Any]] ?? [] {
                    let counts = campaign["counts"] as? [String: Any] ?? [:]
                    let state = (campaign["state"] as? String ?? "").padding(toLength: 8, withPad: " ", startingAt: 0)
                    Swift.print("\(campaign["id"] as? String ?? "")  \(state)  \(counts["final"] as? Int ?? 0)/\(counts["total"] as? Int ?? 0) final  "
                                + "\(counts["delivered"] as? Int ?? 0) delivered  \(campaign["name"] as? String ?? "")")
                }
                return
            }
            try await database.withAccount(accountName, label: "herald.campaign") { store, account in
                for campaign in try await store.campaigns(accountID: account.id, before: nil, limit: count) {
                    let counts = try await store.campaignCounts(campaignID: campaign.id)
                    Swift.print("\(campaign.id)  \(campaign.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  \(counts.final)/\(counts.total) final  "
                                + "\(counts.delivered) delivered  \(campaign.name)")
                }
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hold the campaign's queued messages (those with a provider go on).")
        @Argument(help: "Campaign id.") var id: String
        @Option(help: "Account name.") var account: String = "demo"
        @OptionGroup var database: TargetOptions
        func run() async throws { try await CampaignCommand.change(id, to: .paused, account: account, database: database) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Release a paused campaign's messages.")
        @Argument(help: "Campaign id.") var id: String
        @Option(help: "Account name.") var account: String = "demo"
        @OptionGroup var database: TargetOptions
        func run() async throws { try await CampaignCommand.change(id, to: .running, account: account, database: database) }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel every message of the campaign that no provider has yet.")
        @Argument(help: "Campaign id.") var id: String
        @Option(help: "Account name.") var account: String = "demo"
        @OptionGroup var database: TargetOptions
        func run() async throws { try await CampaignCommand.change(id, to: .canceled, account: account, database: database) }
    }

    // MARK: Shared

    /// A campaign object of the API: as JSON, or its id, state and counts.
    static func printRemote(_ campaign: [String: Any], json: Bool) {
        if json, let data = try? JSONSerialization.data(withJSONObject: campaign, options: [.sortedKeys]) {
            Swift.print(String(decoding: data, as: UTF8.self))
            return
        }
        let counts = campaign["counts"] as? [String: Any] ?? [:]
        Swift.print("\(campaign["id"] as? String ?? "")  \(campaign["state"] as? String ?? "")  \(counts["final"] as? Int ?? 0)/\(counts["total"] as? Int ?? 0) final, "
                    + "\(counts["delivered"] as? Int ?? 0) delivered, \(counts["invalid_rows"] as? Int ?? 0) invalid rows, cost \((campaign["cost"] as? [String: Any])?["amount"] as? String ?? "0")")
    }

    static func fail(_ message: String, _ code: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(code)
    }

    static func withCampaign(_ id: String, account accountName: String, database: TargetOptions,
                             _ body: @escaping @Sendable (any HeraldStore, Campaign) async throws -> Void) async throws {
        try await database.withAccount(accountName, label: "herald.campaign") { store, account in
            guard let campaign = try await store.campaign(id: id, accountID: account.id) else {
                throw fail("no campaign '\(id)' in account '\(accountName)'", Exit.notFound)
            }
            try await body(store, campaign)
        }
    }

    static func change(_ id: String, to state: CampaignState, account: String, database: TargetOptions) async throws {
        let verb = switch state { case .paused: "held"; case .running: "released"; case .canceled: "canceled" }
        if let server = database.server {
            let action = switch state { case .paused: "pause"; case .running: "resume"; case .canceled: "cancel" }
            let campaign = try await server.send(.POST, "/v1/campaigns/\(id)/\(action)", codes: [409: 1]).object()
            Swift.print("\(id) \(campaign["state"] as? String ?? state.rawValue): \(campaign["changed_messages"] as? Int ?? 0) messages \(verb)")
            return
        }
        try await withCampaign(id, account: account, database: database) { store, campaign in
            guard let change = try await store.setCampaignState(id: campaign.id, accountID: campaign.accountID, to: state, now: Date()) else { return }
            guard change.campaign.state == state else { throw fail("campaign \(id) is canceled", 1) }
            Swift.print("\(id) \(state.rawValue): \(change.messages) messages \(verb)")
        }
    }

    /// Redraws the progress bar until every message is final, the campaign is paused or canceled, or every message left
    /// is with a provider and no receipt came for `receiptWait` (some never get one: they become EXPIRED at their validity).
    static func follow(_ campaign: Campaign, store: any HeraldStore, bar: ProgressBar, receiptWait: Duration) async throws -> CampaignSummary {
        var hinted = false
        let started = ContinuousClock.now
        var lastChange = ContinuousClock.now
        var lastFinal = -1
        while true {
            let current = try await store.campaign(id: campaign.id, accountID: campaign.accountID) ?? campaign
            let counts = try await store.campaignCounts(campaignID: campaign.id)
            bar.draw(label: current.state == .running ? "sending" : current.state.rawValue, done: counts.final, total: counts.total,
                     detail: "\(counts.final.formatted())/\(counts.total.formatted()) final: \(counts.delivered.formatted()) delivered, "
                        + "\(counts.notDelivered.formatted()) not; \(counts.notYetSent.formatted()) to send, \(counts.awaitingReceipt.formatted()) awaiting receipts")
            if counts.final != lastFinal { lastFinal = counts.final; lastChange = ContinuousClock.now }
            if counts.final == counts.total || current.state != .running {
                bar.end()
                return CampaignSummary(campaign: current, counts: counts)
            }
            if counts.notYetSent == 0, ContinuousClock.now - lastChange >= receiptWait {
                bar.note("\(counts.awaitingReceipt.formatted()) messages still await a receipt (they become final when it comes, or EXPIRED at their "
                         + "validity); 'herald campaign report \(campaign.id)' shows them later")
                return CampaignSummary(campaign: current, counts: counts)
            }
            if !hinted, ContinuousClock.now - started > .seconds(10), counts.final == 0 {
                hinted = true
                bar.note("nothing final yet: a 'herald serve' on this database sends the messages (Ctrl-C leaves the campaign running)")
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    static func print(_ summary: CampaignSummary, currency: String, json: Bool) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(CampaignJSON(summary, currency: currency)) { Swift.print(String(decoding: data, as: UTF8.self)) }
            return
        }
        let campaign = summary.campaign, counts = summary.counts
        Swift.print("\(campaign.id)  \(campaign.name)  (\(campaign.state.rawValue))")
        Swift.print("  template \(campaign.template), \(campaign.category.rawValue)\(campaign.from.map { ", from \($0)" } ?? "")")
        Swift.print("  messages \(counts.total.formatted()), final \(counts.final.formatted()) (\(percent(counts.progress))), invalid rows \(campaign.invalidRows.formatted())")
        Swift.print("  delivered \(counts.delivered.formatted()), not delivered \(counts.notDelivered.formatted()), delivery rate \(counts.deliveryRate.map(percent) ?? "-")")
        if !counts.byEngagement.isEmpty {
            let opened = counts.byEngagement[.opened, default: 0], clicked = counts.byEngagement[.clicked, default: 0]
            Swift.print("  opened \(opened.formatted()) (\(counts.openRate.map(percent) ?? "-")), clicked \(clicked.formatted()) (\(counts.clickRate.map(percent) ?? "-"))")
        }
        Swift.print("  cost \(PriceTable.decimal(counts.costMicros)) \(currency)")
        Swift.print("  by status:")
        for (status, count) in counts.byStatus.sorted(by: { ($0.value, $1.key.rawValue) > ($1.value, $0.key.rawValue) }) {
            Swift.print("    \(status.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)) \(count.formatted())")
        }
        if !counts.byReason.isEmpty {
            Swift.print("  by reason:")
            for (reason, count) in counts.byReason.sorted(by: { ($0.value, $1.key.rawValue) > ($1.value, $0.key.rawValue) }) {
                Swift.print("    \(reason.rawValue.padding(toLength: 22, withPad: " ", startingAt: 0)) \(count.formatted())  \(reason.info.meaning)")
            }
        }
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }
}

/// A CSV file read in chunks as an async sequence (the upload stores each chunk before the next is read).
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = Data
    let handle: FileHandle
    var chunkSize = 256 * 1024

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle
        let chunkSize: Int
        mutating func next() async throws -> Data? {
            let data = try handle.read(upToCount: chunkSize) ?? Data()
            return data.isEmpty ? nil : data
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle, chunkSize: chunkSize) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
