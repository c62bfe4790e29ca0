import HeraldCore

/// A reason as every surface shows it: the code with its catalogue entry.
public struct ReasonJSON: Encodable, JSONWritable, Sendable {
    public var code: String
    public var meaning: String
    public var resolution: String
    public var retryable: Bool

    public init?(_ reason: ReasonCode?) {
        guard let info = reason?.info else { return nil }
        code = info.code.rawValue
        meaning = info.meaning
        resolution = info.resolution
        retryable = info.retryable
    }

    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("code", code)
            writer.field("meaning", meaning)
            writer.field("resolution", resolution)
            writer.field("retryable", retryable)
        }
    }
}

extension ProviderDetail: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.optionalField("status", status)
            writer.optionalField("error_code", errorCode)
            writer.optionalField("network_error_code", networkErrorCode)
            writer.optionalField("text", text)
        }
    }
}

extension JSONWriter {
    /// Writes `"name": value` for a present nested value; omits the field otherwise.
    public mutating func optionalField(_ name: StaticString, _ value: (some JSONWritable)?) {
        guard let value else { return }
        key(name)
        value.write(to: &self)
    }
}
