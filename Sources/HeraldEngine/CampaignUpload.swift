import Foundation
import HeraldCore
import HeraldStore

/// Turns a campaign's recipients into messages: rows of a CSV upload read as the bytes arrive (never the whole file
/// in memory), or a JSON list; every row goes through the gateway's gates, in chunks that share one transaction.
///
/// A row that cannot be a message (no number in its recipient cell, a field the validator refuses) is reported with
/// its line and counted on the campaign as an invalid row; a number that is not valid becomes a REJECTED message like
/// any other send (the campaign's counts show it).
public struct CampaignUpload: Sendable {
    /// One recipient: its number and its template variables, with the line it came from.
    public struct Row: Sendable, Hashable {
        public var line: Int
        public var to: String
        public var variables: [String: String]

        public init(line: Int, to: String, variables: [String: String]) {
            self.line = line
            self.to = to
            self.variables = variables
        }
    }

    /// A row that did not become a message.
    public struct RowProblem: Sendable, Hashable {
        public var line: Int
        public var error: FieldError
    }

    /// Where an upload is, reported after every chunk.
    public struct Progress: Sendable, Hashable {
        /// Recipient rows read (the header not counted).
        public var rows = 0
        /// Messages created (refused ones included: they are messages with a status).
        public var messages = 0
        /// Rows that could not become a message.
        public var invalidRows = 0
        /// Bytes of the upload read so far (CSV).
        public var bytes = 0
    }

    /// What an upload did.
    public struct Report: Sendable, Hashable {
        public var progress = Progress()
        /// The first problems (at most ``CampaignUpload/problemLimit``), by line.
        public var problems: [RowProblem] = []
        /// The campaign was canceled while rows were arriving: the rest were not read.
        public var stoppedByCancel = false
        /// The upload had more rows than ``CampaignUpload/maxRows``: the rest were not read.
        public var truncated = false
    }

    /// Why an upload could not start.
    public struct Failure: Error, Sendable, Hashable {
        public var error: FieldError
    }

    /// Header names accepted for the recipient column (case-insensitive).
    public static let recipientColumns: Set<String> = ["to", "phone", "number", "msisdn", "recipient", "mobile", "email"]
    public static let maxRows = 1_000_000
    public static let problemLimit = 100

    public let gateway: Gateway
    public let campaign: Campaign
    public let settings: AccountSettings
    /// Rows per store transaction.
    public let chunkSize: Int

    public init(gateway: Gateway, campaign: Campaign, settings: AccountSettings, chunkSize: Int = 2000) {
        self.gateway = gateway
        self.campaign = campaign
        self.settings = settings
        self.chunkSize = chunkSize
    }

    /// Reads a CSV upload: a header line naming the recipient column (`to`, `phone`, `number`, ...) and the template
    /// variables (every other column; an empty cell is no value), then one recipient per line.
    public func upload<Bytes: AsyncSequence>(csv bytes: Bytes, progress: @Sendable (Progress) async -> Void = { _ in }) async throws -> Report
    where Bytes.Element: Collection<UInt8> {
        var reader = CSVReader()
        var records: [CSVReader.Record] = []
        var header: (recipient: Int, names: [String])?
        var pending: [Row] = []
        var report = Report()
        func take(_ records: inout [CSVReader.Record]) throws {
            for record in records {
                guard let columns = header else {
                    header = try Self.header(record)
                    continue
                }
                let cell = columns.recipient < record.fields.count ? record.fields[columns.recipient].trimmingCharacters(in: .whitespaces) : ""
                var variables: [String: String] = [:]
                for (index, name) in columns.names.enumerated() where index != columns.recipient && !name.isEmpty && index < record.fields.count {
                    if !record.fields[index].isEmpty { variables[name] = record.fields[index] }
                }
                pending.append(Row(line: record.line, to: cell, variables: variables))
            }
            records.removeAll(keepingCapacity: true)
        }
        for try await chunk in bytes {
            reader.read(chunk, into: &records)
            report.progress.bytes += chunk.count
            try take(&records)
            while pending.count >= chunkSize {
                let batch = Array(pending.prefix(chunkSize))
                pending.removeFirst(chunkSize)
                guard try await store(batch, into: &report) else { return report }
                await progress(report.progress)
            }
        }
        reader.finish(into: &records)
        try take(&records)
        if header == nil { throw Failure(error: FieldError(field: "csv", problem: "the upload is empty", fix: "send a header line (to,name,...) and one recipient per line")) }
        while !pending.isEmpty {
            let batch = Array(pending.prefix(chunkSize))
            pending.removeFirst(batch.count)
            guard try await store(batch, into: &report) else { break }
        }
        await progress(report.progress)
        return report
    }

    /// Adds recipients given as a list (the JSON API).
    public func upload(rows: [Row], progress: @Sendable (Progress) async -> Void = { _ in }) async throws -> Report {
        var report = Report()
        var start = 0
        while start < rows.count {
            let batch = Array(rows[start..<min(rows.count, start + chunkSize)])
            start += batch.count
            guard try await store(batch, into: &report) else { break }
            await progress(report.progress)
        }
        return report
    }

    /// The recipient column and the variable names of a header line.
    static func header(_ record: CSVReader.Record) throws -> (recipient: Int, names: [String]) {
        let names = record.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let recipient = names.firstIndex(where: { recipientColumns.contains($0.lowercased()) }) else {
            throw Failure(error: FieldError(
                field: "csv", problem: "the header line (\(names.joined(separator: ",").prefix(80))) names no recipient column",
                fix: "start the file with a header whose recipient column is called to, phone or number, e.g. to,name"))
        }
        return (recipient, names)
    }

    /// Stores one chunk; false when the campaign was canceled and the upload stops.
    private func store(_ rows: [Row], into report: inout Report) async throws -> Bool {
        var rows = rows
        if report.progress.rows + rows.count > Self.maxRows {
            rows = Array(rows.prefix(Self.maxRows - report.progress.rows))
            report.truncated = true
        }
        let state = try await gateway.store.campaign(id: campaign.id, accountID: campaign.accountID)?.state
        guard state != .canceled else {
            report.stoppedByCancel = true
            return false
        }
        var invalid = 0
        let requests = rows.map { row in
            row.to.isEmpty ? nil : campaign.request(to: row.to, variables: row.variables)
        }
        let results = try await gateway.sendEach(requests.compactMap { $0 }, accountID: campaign.accountID, settings: settings, campaignID: campaign.id)
        var next = results.makeIterator()
        for (row, request) in zip(rows, requests) {
            let error: FieldError?
            if request == nil {
                error = FieldError(field: "to", problem: "line \(row.line) has no recipient", fix: "put the number in the recipient column")
            } else if case .failure(let problem) = next.next() {
                error = problem
            } else {
                error = nil
                report.progress.messages += 1
            }
            if let error {
                invalid += 1
                if report.problems.count < Self.problemLimit { report.problems.append(RowProblem(line: row.line, error: error)) }
            }
        }
        report.progress.rows += rows.count
        report.progress.invalidRows += invalid
        if invalid > 0 { try await gateway.store.addInvalidRows(campaignID: campaign.id, count: invalid, now: Date()) }
        // A cancel that committed while this chunk was being stored held its messages: cancel them too.
        if try await gateway.store.campaign(id: campaign.id, accountID: campaign.accountID)?.state == .canceled {
            _ = try await gateway.store.setCampaignState(id: campaign.id, accountID: campaign.accountID, to: .canceled, now: Date())
            report.stoppedByCancel = true
            return false
        }
        return !report.truncated
    }
}
