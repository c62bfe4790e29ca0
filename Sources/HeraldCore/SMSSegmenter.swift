import SMSText

/// Splits SMS text into parts the way carriers will count them (the rules live in `SMSText`, shared with
/// the SMPP connector).
///
/// Picks GSM-7 when every character fits the default alphabet (extension characters count two septets),
/// UCS-2 otherwise. One part holds 160 septets or 70 UCS-2 units; concatenated parts hold 153 / 67.
/// A part never ends in the middle of an escape pair or a surrogate pair.
public struct SMSSegmenter: Sendable {
    public init() {}

    /// The result of segmenting one text.
    public typealias Result = SMSText.Segmentation

    public func segment(_ text: String) -> Result {
        SMSText.segment(text)
    }
}
