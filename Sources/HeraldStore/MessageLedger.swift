import HeraldCore

/// The pure step both store backends share: fold new events into part states and aggregate.
public enum MessageLedger {
    /// Applies events (already de-duplicated) to the parts of one message. Events naming no part
    /// apply to every part; events naming a part that does not exist apply to none.
    public static func apply(_ events: [StatusEvent], to parts: inout [PartState]) -> MessageAggregate {
        for event in events {
            if let index = event.part {
                if parts.indices.contains(index) { parts[index].apply(event) }
            } else {
                for index in parts.indices { parts[index].apply(event) }
            }
        }
        return MessageAggregate(parts: parts)
    }
}

/// Compact text forms for sets kept in part rows.
public enum SetCoding {
    public static func encode<T: RawRepresentable>(_ values: Set<T>) -> String where T.RawValue == String {
        values.map(\.rawValue).sorted().joined(separator: ",")
    }

    public static func decode<T: RawRepresentable>(_ text: String?, as type: T.Type = T.self) -> Set<T> where T.RawValue == String {
        guard let text, !text.isEmpty else { return [] }
        return Set(text.split(separator: ",").compactMap { T(rawValue: String($0)) })
    }
}
