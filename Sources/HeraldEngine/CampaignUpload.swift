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
        try await store(CSVBatches(bytes: bytes, size: chunkSize), progress: progress)
    }

    /// Adds recipients given as a list (the JSON API).
    public func upload(rows: [Row], progress: @Sendable (Progress) async -> Void = { _ in }) async throws -> Report {
        let batches = stride(from: 0, to: rows.count, by: chunkSize).map { (rows: Array(rows[$0..<min(rows.count, $0 + chunkSize)]), bytes: 0) }
        return try await store(AsyncStream { continuation in
            for batch in batches { continuation.yield(batch) }
            continuation.finish()
        }, progress: progress)
    }

    /// Stores batches as they come, with one batch being validated while the one before it is written (two in flight:
    /// the gates' CPU work overlaps the database transaction).
    private func store<Batches: AsyncSequence>(_ batches: Batches, progress: @Sendable (Progress) async -> Void) async throws -> Report
    where Batches.Element == (rows: [Row], bytes: Int) {
        var report = Report()
        // Stop before anything is stored when the campaign is canceled already.
        if try await gateway.store.campaign(id: campaign.id, accountID: campaign.accountID)?.state == .canceled {
            report.stoppedByCancel = true
            return report
        }
        try await withThrowingTaskGroup(of: ChunkResult.self) { group in
            var inFlight = 0
            var accepted = 0
            func merge(_ result: ChunkResult) async {
                report.progress.rows += result.rows
                report.progress.messages += result.messages
                report.progress.invalidRows += result.invalid
                report.problems += result.problems
                report.stoppedByCancel = report.stoppedByCancel || result.canceled
                await progress(report.progress)
            }
            for try await (var rows, bytes) in batches {
                report.progress.bytes = bytes
                if accepted + rows.count > Self.maxRows {
                    rows = Array(rows.prefix(Self.maxRows - accepted))
                    report.truncated = true
                }
                accepted += rows.count
                if inFlight == 2, let done = try await group.next() {
                    inFlight -= 1
                    await merge(done)
                }
                if report.stoppedByCancel { break }
                let batch = rows
                group.addTask { try await self.storeChunk(batch) }
                inFlight += 1
                if report.truncated { break }
            }
            while let done = try await group.next() { await merge(done) }
        }
        report.problems.sort { $0.line < $1.line }
        if report.problems.count > Self.problemLimit { report.problems.removeLast(report.problems.count - Self.problemLimit) }
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

    /// The cell without surrounding white space. Most cells have none: they are returned as they are, without the cost
    /// of Foundation's trimming (a bridged copy per call, measured at 3 % of an upload's CPU).
    static func trimmed(_ cell: String) -> String {
        func plain(_ byte: UInt8?) -> Bool { byte.map { $0 > 0x20 && $0 < 0x80 } ?? true }
        if plain(cell.utf8.first), plain(cell.utf8.last) { return cell }
        return cell.trimmingCharacters(in: .whitespaces)
    }

    /// What storing one batch did.
    private struct ChunkResult: Sendable {
        var rows = 0
        var messages = 0
        var invalid = 0
        var problems: [RowProblem] = []
        /// The campaign was canceled: the upload stops.
        var canceled = false
    }

    /// Stores one batch through the gates.
    private func storeChunk(_ rows: [Row]) async throws -> ChunkResult {
        var result = ChunkResult(rows: rows.count)
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
                result.messages += 1
            }
            if let error {
                result.invalid += 1
                if result.problems.count < Self.problemLimit { result.problems.append(RowProblem(line: row.line, error: error)) }
            }
        }
        if result.invalid > 0 { try await gateway.store.addInvalidRows(campaignID: campaign.id, count: result.invalid, now: Date()) }
        // A cancel that committed while this batch was being stored held its messages (the accept saw the campaign
        // canceled): cancel them too, and stop.
        if try await gateway.store.campaign(id: campaign.id, accountID: campaign.accountID)?.state == .canceled {
            _ = try await gateway.store.setCampaignState(id: campaign.id, accountID: campaign.accountID, to: .canceled, now: Date())
            result.canceled = true
        }
        return result
    }
}

/// The rows of a CSV upload in batches, read as the bytes arrive.
struct CSVBatches<Bytes: AsyncSequence>: AsyncSequence where Bytes.Element: Collection<UInt8> {
    typealias Element = (rows: [CampaignUpload.Row], bytes: Int)
    let bytes: Bytes
    let size: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var source: Bytes.AsyncIterator
        let size: Int
        var reader = CSVReader()
        var records: [CSVReader.Record] = []
        var header: (recipient: Int, names: [String])?
        var pending: [CampaignUpload.Row] = []
        var bytes = 0
        var finished = false

        mutating func next() async throws -> Element? {
            while pending.count < size, !finished {
                if let chunk = try await source.next() {
                    bytes += chunk.count
                    reader.read(chunk, into: &records)
                } else {
                    finished = true
                    reader.finish(into: &records)
                }
                try take()
            }
            if finished, header == nil {
                throw CampaignUpload.Failure(error: FieldError(field: "csv", problem: "the upload is empty",
                                                               fix: "send a header line (to,name,...) and one recipient per line"))
            }
            guard !pending.isEmpty else { return nil }
            let batch = Array(pending.prefix(size))
            pending.removeFirst(batch.count)
            return (batch, bytes)
        }

        /// Turns the records read so far into rows (the first one is the header).
        private mutating func take() throws {
            for record in records {
                guard let columns = header else {
                    header = try CampaignUpload.header(record)
                    continue
                }
                let cell = columns.recipient < record.fields.count ? CampaignUpload.trimmed(record.fields[columns.recipient]) : ""
                var variables: [String: String] = [:]
                for (index, name) in columns.names.enumerated() where index != columns.recipient && !name.isEmpty && index < record.fields.count {
                    if !record.fields[index].isEmpty { variables[name] = record.fields[index] }
                }
                pending.append(CampaignUpload.Row(line: record.line, to: cell, variables: variables))
            }
            records.removeAll(keepingCapacity: true)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: bytes.makeAsyncIterator(), size: size) }
}
