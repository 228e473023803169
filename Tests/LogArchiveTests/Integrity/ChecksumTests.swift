import Foundation
import Testing
@testable import LogArchive

@Suite struct ChecksumTests {
    @Test func checksumsConvertBetweenHexAndBase64() throws {
        let checksum = Checksum.of(Array("hello".utf8))
        #expect(checksum.hex == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        #expect(checksum.base64 == "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=")
        #expect(Checksum(base64: checksum.base64) == checksum)
        #expect(Checksum(base64: "not base64!") == nil)
    }
}
