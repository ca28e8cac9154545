import ObjectStoreStandIn
import URLEncoding
import ObjectStore
import Testing

@Suite struct EncodingAndConfigurationTests {
    @Test func amzDateFormatsAndParses() {
        let cases: [(Int64, String)] = [
            (0, "19700101T000000Z"), (1_369_353_600, "20130524T000000Z"), (951_868_799, "20000229T235959Z"),
            (1_798_720_496, "20261231T123456Z"),
        ]
        for (seconds, text) in cases {
            #expect(AmzDate.format(unixSeconds: seconds) == text)
            #expect(AmzDate.parse(text) == seconds)
        }
        for bad in ["", "20130524T000000", "20130524 000000Z", "2013-05-24T00:00:00Z", "20130230T000000Z", "20130524T240000Z",
                    "20130524T006000Z", "2013052AT000000Z", "20130524T000000Z "] {
            #expect(AmzDate.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func uriEncodingIsRFC3986() {
        #expect(PercentEncoding.encode("AZaz09-_.~") == "AZaz09-_.~")
        #expect(PercentEncoding.encode("a b+c/d=é*") == "a%20b%2Bc%2Fd%3D%C3%A9%2A")
        #expect(PercentEncoding.encode("/a b/c", keepingSlashes: true) == "/a%20b/c")
        #expect(PercentEncoding.decode("a%20b%2bc%2Fd+%C3%A9") == "a b+c/d+é")
        for bad in ["%", "%2", "%zz", "%C3"] {
            #expect(PercentEncoding.decode(bad) == nil, "\(bad)")
        }
    }

    @Test func configurationParsesEndpoints() throws {
        let aws = try ObjectStoreConfiguration(
            endpoint: "https://s3.eu-west-1.amazonaws.com", bucket: "ccr-prod", region: "eu-west-1", accessKeyID: "AKID", secretAccessKey: "s")
        #expect(aws.scheme == "https")
        #expect(aws.host == "s3.eu-west-1.amazonaws.com")
        #expect(aws.basePath == "")
        #expect(aws.objectURL(key: "a b/c.png") == "https://s3.eu-west-1.amazonaws.com/ccr-prod/a%20b/c.png")

        let local = try ObjectStoreConfiguration(
            endpoint: "http://127.0.0.1:8080/objects/", bucket: "ccr-local", region: "us-east-1", accessKeyID: "AKID", secretAccessKey: "s")
        #expect(local.host == "127.0.0.1:8080")
        #expect(local.basePath == "/objects")

        // Clients leave a default port out of the Host header, so it is left out of the signature.
        let defaultPort = try ObjectStoreConfiguration(
            endpoint: "https://Minio.Example:443", bucket: "ccr-local", region: "us-east-1", accessKeyID: "AKID", secretAccessKey: "s")
        #expect(defaultPort.host == "minio.example")

        for endpoint in ["ftp://x", "s3.amazonaws.com", "http://", "http://user:pw@host", "http://host/a b", "http://host/a/../b"] {
            #expect(throws: ObjectStoreConfigurationError.self, "\(endpoint)") {
                try ObjectStoreConfiguration(endpoint: endpoint, bucket: "ccr-local", region: "us-east-1", accessKeyID: "AKID", secretAccessKey: "s")
            }
        }
        #expect(throws: ObjectStoreConfigurationError.self) {
            try ObjectStoreConfiguration(endpoint: "http://h", bucket: "Bad_Bucket", region: "us-east-1", accessKeyID: "AKID", secretAccessKey: "s")
        }
        #expect(throws: ObjectStoreConfigurationError.self) {
            try ObjectStoreConfiguration(endpoint: "http://h", bucket: "ccr-local", region: "us-east-1", accessKeyID: "a/b", secretAccessKey: "s")
        }
        // The secret never shows up in descriptions.
        #expect(!String(describing: local).contains("secretAccessKey: s)"))
        #expect(String(describing: local).contains("<redacted>"))
    }

    @Test func s3ErrorXML() {
        let error = S3ErrorResponse(code: "SignatureDoesNotMatch", message: "a < b & \"c\"")
        #expect(error.httpStatus == 403)
        #expect(error.xml == #"<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>a &lt; b &amp; &quot;c&quot;</Message></Error>"#)
        #expect(S3ErrorResponse(code: "EntityTooLarge", message: "m").httpStatus == 400)
        #expect(S3ErrorResponse(code: "AuthorizationQueryParametersError", message: "m").httpStatus == 400)
        #expect(S3ErrorResponse(code: "AccessDenied", message: "m").httpStatus == 403)
        #expect(S3ErrorResponse.noSuchKey().httpStatus == 404)
    }
}
