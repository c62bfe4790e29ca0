import HeraldCore
import Testing

@Suite("Constant-time comparison")
struct ConstantTimeTests {
    @Test("equal only for the same bytes: a one-byte change, a prefix or a longer string is not equal")
    func equality() {
        #expect(ConstantTime.equal("sha256=3f9a", "sha256=3f9a"))
        #expect(!ConstantTime.equal("sha256=3f9a", "sha256=3f9b"))
        #expect(!ConstantTime.equal("sha256=3f9", "sha256=3f9a"))
        #expect(!ConstantTime.equal("sha256=3f9a", "sha256=3f9a0"))
        #expect(ConstantTime.equal("", ""))
        #expect(ConstantTime.equal([UInt8](), [UInt8]()))
        #expect(!ConstantTime.equal([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
    }
}
