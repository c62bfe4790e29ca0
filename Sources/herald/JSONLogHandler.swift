import Foundation
import HeraldJSON
import Logging

/// `--log-format json`: one JSON object per line on stderr, for log shippers: time, level, logger label, message,
/// source, and the metadata (message id, account, connector, ...) as fields of their own. Written with the one
/// ``JSONWriter`` every Herald surface uses (its string escaping included).
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    static let reserved: Set<String> = ["time", "level", "logger", "message", "source"]

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        var writer = JSONWriter(capacity: 256)
        writer.object { writer in
            writer.field("time", Self.timestamp())
            writer.field("level", level.rawValue)
            writer.field("logger", label)
            writer.field("message", message.description)
            writer.field("source", source)
            for (key, value) in metadata.merging(explicit ?? [:], uniquingKeysWith: { _, new in new }).sorted(by: { $0.key < $1.key })
            where !Self.reserved.contains(key) {
                writer.dynamicKey(key)
                writer.string(value.description)
            }
        }
        writer.newline()
        FileHandle.standardError.write(Data(writer.buffer.readableBytesView))
    }

    static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon)) + "Z"
    }
}
