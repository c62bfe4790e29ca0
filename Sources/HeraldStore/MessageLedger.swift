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
        switch values.count {
        case 0: ""
        case 1: values.first!.rawValue
        default: values.map(\.rawValue).sorted().joined(separator: ",")
        }
    }

    public static func decode<T: RawRepresentable>(_ text: String?, as type: T.Type = T.self) -> Set<T> where T.RawValue == String {
        guard let text, !text.isEmpty else { return [] }
        return decode(Substring(text))
    }

    public static func decode<T: RawRepresentable>(_ text: Substring, as type: T.Type = T.self) -> Set<T> where T.RawValue == String {
        guard !text.isEmpty else { return [] }
        return Set(text.split(separator: ",").compactMap { T(rawValue: String($0)) })
    }
}

/// Column order shared by both backends' message queries (read positionally, which is faster than by name).
public enum MessageColumns {
    public static let list = """
        id, account_id, channel, recipient, sender, subject, body, tag, status, reason, segments, encoding, characters, \
        accepted_parts, price_micros, conflict, engagement, created_at, updated_at, send_at, expires_at, callback_url, \
        idempotency_key, parts
        """
}

/// Column order of event queries.
public enum EventColumns {
    public static let list = """
        id, message_id, part, kind, reason, source, occurred_at, recorded_at, connector, provider_id, attempt, \
        next_attempt_at, detail_status, detail_error_code, detail_network_error_code, detail_text, dedup_key
        """
}
