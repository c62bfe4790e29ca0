import HeraldCore
import Testing

@Suite("CSV reader")
struct CSVReaderTests {
    private static func read(_ text: String, chunk: Int) -> [CSVReader.Record] {
        var reader = CSVReader()
        var records: [CSVReader.Record] = []
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            reader.read(bytes[start..<min(bytes.count, start + chunk)], into: &records)
            start += chunk
        }
        reader.finish(into: &records)
        return records
    }

    static let sample = "\u{FEFF}to,name,offer\r\n+14155550100,Ann,\"10% off, today\"\r\n\r\n+14155550101,\"Bo \"\"B\"\"\",\"two\nlines\"\n+14155550102,Cy,"

    @Test("quoted commas, doubled quotes, line breaks in quotes, CRLF, BOM and blank lines, whatever the chunk size", arguments: [1, 2, 3, 7, 64, 4096])
    func rfc4180(chunk: Int) {
        let records = Self.read(Self.sample, chunk: chunk)
        #expect(records.map(\.fields) == [
            ["to", "name", "offer"],
            ["+14155550100", "Ann", "10% off, today"],
            ["+14155550101", "Bo \"B\"", "two\nlines"],
            ["+14155550102", "Cy", ""],
        ])
        // Lines are where each record starts (the blank line 3 counted, the quoted line break too).
        #expect(records.map(\.line) == [1, 2, 4, 6])
    }

    @Test("a last line without a line break is a record; an empty input is none")
    func edges() {
        #expect(Self.read("a,b", chunk: 10).map(\.fields) == [["a", "b"]])
        #expect(Self.read("", chunk: 10).isEmpty)
        #expect(Self.read("\n\n", chunk: 10).isEmpty)
        #expect(Self.read("\"unterminated,x", chunk: 3).map(\.fields) == [["unterminated,x"]])
    }
}
