import ObjectStore
import Testing

@Suite struct SigV4KnownAnswerTests {
    /// AWS's published example for a presigned GET ("Authenticating Requests: Using Query
    /// Parameters (AWS Signature Version 4)", Amazon S3 API Reference). Virtual-host style, as in
    /// the documentation. The signature was also recomputed independently with Python's hmac and
    /// hashlib from the documented canonical request, and matches.
    @Test func awsDocumentationPresignedGET() {
        let signed = SigV4.presign(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt",
            credentials: SigV4Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1", now: 1_369_353_600, expiresIn: 86_400)
        #expect(signed.canonicalRequest == """
            GET
            /test.txt
            X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host
            host:examplebucket.s3.amazonaws.com

            host
            UNSIGNED-PAYLOAD
            """)
        #expect(signed.amzDate == "20130524T000000Z")
        #expect(signed.signedHeaders == "host")
        #expect(signed.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(signed.queryString.hasSuffix("&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"))
    }

    /// Our own path-style PUT (signed content type, size cap, a key needing encoding). Expected
    /// URL computed independently with Python (urllib.parse.quote with safe="-_.~", hmac, hashlib).
    @Test func pathStylePresignedPUTMatchesAnIndependentImplementation() throws {
        let configuration = try ObjectStoreConfiguration(
            endpoint: "http://127.0.0.1:8080/objects", bucket: "ccr-local", region: "eu-west-1",
            accessKeyID: "AKIDEXAMPLELOCAL", secretAccessKey: "local-secret/with+chars")
        let request = try PresignedURLSigner(configuration: configuration).presignedPUT(
            key: "companies/c1/branding/logo a+é.png", contentType: "image/png", maxBytes: 1_048_576, expiresIn: 900,
            now: 1_798_720_496.75)
        #expect(request.method == "PUT")
        #expect(request.headers == ["content-type": "image/png"])
        #expect(request.expiresAt == 1_798_720_496 + 900)
        #expect(request.url == "http://127.0.0.1:8080/objects/ccr-local/companies/c1/branding/logo%20a%2B%C3%A9.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLELOCAL%2F20261231%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20261231T123456Z&X-Amz-Expires=900&X-Amz-SignedHeaders=content-type%3Bhost&x-ccr-max-bytes=1048576&X-Amz-Signature=d2c3aff86c96b21bd176c279e42ac0338ff72eb874bd0946c2bf0087620538a1")
    }

    @Test func signerRefusesBadArguments() throws {
        let signer = PresignedURLSigner(configuration: try RequestFixture.configuration())
        #expect(throws: PresignError.invalidKey) { try signer.presignedGET(key: "../etc/passwd", expiresIn: 60, now: 0) }
        #expect(throws: PresignError.invalidKey) { try signer.presignedGET(key: "/absolute", expiresIn: 60, now: 0) }
        #expect(throws: PresignError.invalidExpiry) { try signer.presignedGET(key: "a", expiresIn: 604_801, now: 0) }
        #expect(throws: PresignError.invalidExpiry) { try signer.presignedGET(key: "a", expiresIn: 0, now: 0) }
        #expect(throws: PresignError.invalidContentType) {
            try signer.presignedPUT(key: "a", contentType: "image/png\r\nx-evil: 1", maxBytes: 1, expiresIn: 60, now: 0)
        }
        #expect(throws: PresignError.invalidMaxBytes) { try signer.presignedPUT(key: "a", contentType: "image/png", maxBytes: -1, expiresIn: 60, now: 0) }
        // AWS's limit itself is allowed.
        #expect(throws: Never.self) { try signer.presignedGET(key: "a", expiresIn: 604_800, now: 0) }
    }
}
