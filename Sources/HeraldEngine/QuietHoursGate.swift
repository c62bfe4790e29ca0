import Foundation
import HeraldCore

/// Quiet hours for promotional messages, read in the recipient's local time (the time zone of the number's area).
///
/// A promotional message that would go out inside the account's quiet hours is held (SCHEDULED until they end)
/// or blocked (DND / DND_LISTED), as the account chooses. Transactional messages pass. A number whose area spans
/// several zones is read in the first zone libphonenumber lists for it; a number with no known zone passes.
public enum QuietHoursGate {
    public static func apply(to draft: inout MessageDraft, settings: AccountSettings, now: Date) {
        guard draft.category == .promotional, draft.rejection == nil, let hours = settings.quietHours,
              let zoneName = draft.recipientTimeZones.first, let zone = TimeZone(identifier: zoneName) else { return }
        let sendTime = draft.sendAt ?? now
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute, .second], from: sendTime)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        guard hours.contains(minuteOfDay: minute) else { return }
        let window = "quiet hours \(hours.start)-\(hours.end) in \(zoneName)"
        switch settings.quietHoursMode ?? .hold {
        case .block:
            draft.rejection = .dndListed
            draft.initialDetail = "promotional message in the recipient's \(window)"
        case .hold:
            let wait = TimeInterval(hours.minutesUntilEnd(from: minute) * 60 - (parts.second ?? 0))
            let until = sendTime.addingTimeInterval(wait)
            draft.sendAt = until
            draft.initialDetail = "held for the recipient's \(window) until \(Timestamp.format(until))"
        }
    }
}
