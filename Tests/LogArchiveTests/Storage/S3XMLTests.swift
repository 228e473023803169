import Foundation
import Testing
@testable import LogArchive

@Suite struct S3XMLTests {
    @Test func xmlValuesAndEntities() {
        let xml: Substring = "<R><Contents><Key>a&amp;b</Key><Size>3</Size></Contents><Contents><Key>c&#x41;</Key></Contents><IsTruncated>false</IsTruncated></R>"
        #expect(S3XML.elements("Contents", in: xml).count == 2)
        #expect(S3XML.values("Key", in: xml) == ["a&b", "cA"])
        #expect(S3XML.value("IsTruncated", in: xml) == "false")
        #expect(S3XML.escape("<a & 'b'>") == "&lt;a &amp; &apos;b&apos;&gt;")
    }
}
