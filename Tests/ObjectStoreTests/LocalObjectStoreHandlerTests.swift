import ObjectStoreStandIn
import ObjectStore
import Testing

/// The local S3 stand-in end to end: sign, upload, download, as the router will drive it.
@Suite struct LocalObjectStoreHandlerTests {
    let signer: PresignedURLSigner
    let configuration: ObjectStoreConfiguration

    init() throws {
        configuration = try RequestFixture.configuration()
        signer = PresignedURLSigner(configuration: configuration)
    }

    func send(_ request: RequestFixture, body: [UInt8] = [], handler: LocalObjectStoreHandler, now: Double = RequestFixture.now) -> ObjectStoreResponse {
        handler.handle(method: request.method, path: request.path, rawQuery: request.rawQuery, headers: request.headers, body: body, now: now)
    }

    @Test func uploadThenDownload() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let handler = LocalObjectStoreHandler(configuration: configuration, store: LocalObjectStore(rootDirectory: directory.path))
        let key = try #require(ObjectKey.brandingLogoKey(companyID: "c1", fileExtension: "svg"))
        let svg = Array(#"<svg xmlns="http://www.w3.org/2000/svg"/>"#.utf8)

        // Downloading before the upload: NoSuchKey.
        let early = RequestFixture(try signer.presignedGET(key: key, expiresIn: 300, now: RequestFixture.now))
        let missing = send(early, handler: handler)
        #expect(missing.status == 404)
        #expect(String(decoding: missing.body, as: UTF8.self).contains("<Code>NoSuchKey</Code>"))

        let upload = RequestFixture(try signer.presignedPUT(key: key, contentType: "image/svg+xml", maxBytes: 1024, expiresIn: 900, now: RequestFixture.now))
        let stored = send(upload, body: svg, handler: handler)
        #expect(stored.status == 200)

        let download = send(early, handler: handler, now: RequestFixture.now + 10)
        #expect(download.status == 200)
        #expect(download.body == svg)
        #expect(download.headers["content-type"] == "image/svg+xml")
        #expect(download.headers["content-length"] == String(svg.count))
        #expect(download.headers["x-content-type-options"] == "nosniff")
        #expect(download.headers["content-security-policy"]?.contains("sandbox") == true)

        var head = RequestFixture(try signer.presignedGET(key: key, expiresIn: 300, now: RequestFixture.now))
        head.method = "HEAD"
        // A GET URL does not authorize HEAD (the method is signed), as on S3.
        #expect(send(head, handler: handler).status == 403)
        #expect(send(head, handler: handler).body == [])
    }

    @Test func refusalsAreS3XMLErrors() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let store = LocalObjectStore(rootDirectory: directory.path)
        let handler = LocalObjectStoreHandler(configuration: configuration, store: store)
        let key = "companies/c1/branding/logo-00.png"
        let upload = RequestFixture(try signer.presignedPUT(key: key, contentType: "image/png", maxBytes: 4, expiresIn: 900, now: RequestFixture.now))

        let tooLarge = send(upload, body: [1, 2, 3, 4, 5], handler: handler)
        #expect(tooLarge.status == 400)
        #expect(tooLarge.headers["content-type"] == "application/xml")
        #expect(String(decoding: tooLarge.body, as: UTF8.self).hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>EntityTooLarge</Code><Message>"#))

        var retyped = upload
        retyped.headers["content-type"] = "text/html"
        let mismatch = send(retyped, body: [1], handler: handler)
        #expect(mismatch.status == 403)
        #expect(String(decoding: mismatch.body, as: UTF8.self).contains("<Code>SignatureDoesNotMatch</Code>"))

        let expired = send(upload, body: [1], handler: handler, now: RequestFixture.now + 901)
        #expect(expired.status == 403)
        #expect(String(decoding: expired.body, as: UTF8.self).contains("<Code>AccessDenied</Code><Message>Request has expired</Message>"))

        var deleteAttempt = upload
        deleteAttempt.method = "DELETE"
        #expect(send(deleteAttempt, handler: handler).status == 405)

        // Nothing was stored by any refused request.
        #expect(try store.get(bucket: RequestFixture.bucket, key: key) == nil)

        // A validly signed request for another bucket.
        let otherBucket = PresignedURLSigner(configuration: try ObjectStoreConfiguration(
            endpoint: RequestFixture.endpoint, bucket: "other-bucket", region: RequestFixture.region,
            accessKeyID: RequestFixture.accessKeyID, secretAccessKey: RequestFixture.secretAccessKey))
        let elsewhere = RequestFixture(try otherBucket.presignedGET(key: key, expiresIn: 60, now: RequestFixture.now))
        #expect(send(elsewhere, handler: handler).status == 404)
        #expect(String(decoding: send(elsewhere, handler: handler).body, as: UTF8.self).contains("<Code>NoSuchBucket</Code>"))
    }
}
