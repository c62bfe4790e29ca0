/// The latency bucket columns of the `delivery_stats` table (b0 ... b13, as the migrations create them), named once for both
/// stores' queries.
public enum DeliveryStatsColumns {
    /// `b0, b1, ...`
    public static let names = (0..<DeliveryStats.bucketCount).map { "b\($0)" }
    /// `b0 = delivery_stats.b0 + excluded.b0, ...` (with the count) for an upsert.
    public static let additions = (["count"] + names).map { "\($0) = delivery_stats.\($0) + excluded.\($0)" }.joined(separator: ", ")
    public static let list = names.joined(separator: ", ")
}
