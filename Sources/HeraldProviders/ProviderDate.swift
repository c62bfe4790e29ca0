import Foundation
import SMPP

/// Provider timestamps.
enum ProviderDate {
    /// `YYMMDDhhmm` in UTC (Twilio's `RawDlrDoneDate`, Vonage's `scts`): when the carrier reported the outcome, read
    /// as the SMPP library reads a receipt's dates.
    static func utc(_ text: String?) -> Date? {
        text.flatMap(ReceiptDate.init).map { Date(timeIntervalSince1970: TimeInterval($0.secondsSince1970())) }
    }
}
