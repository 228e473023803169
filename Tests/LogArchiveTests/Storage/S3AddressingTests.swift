import Foundation
import Testing
@testable import LogArchive

@Suite struct S3AddressingTests {
    @Test func queryIsSortedWithEmptyValuesWrittenAsKeyEquals() {
        #expect(S3Addressing.canonicalQuery([("uploads", "")]) == "?uploads=")
        #expect(S3Addressing.canonicalQuery([("uploadId", "a/b"), ("partNumber", "2")]) == "?partNumber=2&uploadId=a%2Fb")
        #expect(S3Addressing.canonicalQuery([("prefix", "x y"), ("list-type", "2")]) == "?list-type=2&prefix=x%20y")
        #expect(S3Addressing.canonicalQuery([]) == "")
    }

    @Test func customEndpointsUsePathStyleAndKeysAreEncodedPerSegment() {
        let local = S3Addressing(endpoint: "http://127.0.0.1:8333", region: "us-east-1", bucket: "logs")
        #expect(local.url(key: "archive/logs/2025/01/123/a b+c.log") == "http://127.0.0.1:8333/logs/archive/logs/2025/01/123/a%20b%2Bc.log")
        #expect(local.url(key: "", query: [("list-type", "2")]) == "http://127.0.0.1:8333/logs?list-type=2")
        let aws = S3Addressing(endpoint: nil, region: "eu-west-1", bucket: "logs")
        #expect(aws.url(key: "k") == "https://logs.s3.eu-west-1.amazonaws.com/k")
    }
}
