import HeraldCore
import HeraldJSON
import HeraldStore

/// The JSON body of one callback: the event in its one shape (``EventJSON``) with the account, the per-message
/// sequence and the message's recipient, tag and campaign. Built once when the delivery is created, so every attempt
/// sends the same bytes.
public enum WebhookPayload {
    public static func json(_ routed: RoutedEvent, vocabulary: Vocabulary = .canonical) -> String {
        EventJSON(routed.feed.event, vocabulary: vocabulary, position: .callback(EventJSON.Callback(
            accountID: routed.accountID, sequence: routed.feed.cursor.seq, to: routed.to, tag: routed.tag, campaignID: routed.campaignID
        ))).json
    }
}
