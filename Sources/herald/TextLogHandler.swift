import Logging

/// `--log-format text` (the default): swift-log's `StreamLogHandler` on stderr, with the logger's own metadata kept
/// here and handed over only when a line is written.
///
/// `StreamLogHandler` formats its metadata again each time a key is set; Hummingbird sets one (the request id) on every
/// request, so at a warning level that wrote nothing, every request still paid for formatting it (1.4 % of Herald's
/// CPU taking provider callbacks, docs/PERFORMANCE.md).
struct TextLogHandler: LogHandler {
    private var stream: StreamLogHandler
    var metadata: Logger.Metadata = [:]

    init(label: String, logLevel: Logger.Level) {
        stream = StreamLogHandler.standardError(label: label)
        stream.logLevel = logLevel
    }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let merged = metadata.isEmpty ? explicit : metadata.merging(explicit ?? [:], uniquingKeysWith: { _, new in new })
        stream.log(level: level, message: message, metadata: merged, source: source, file: file, function: function, line: line)
    }
}
