import ObjectStoreStandIn
import ObjectStore
import Testing

@Suite struct PresignedRoundTripTests {
    static let key = "companies/4f0c8a52-1d3e-4b6a-9c7d-2e5f8a1b3c4d/branding/logo-0123456789abcdef0123456789abcdef.png"
    static let maxBytes = 1000

    let signer: PresignedURLSigner
    let verifier: PresignedRequestVerifier

    init() throws {
        let configuration = try RequestFixture.configuration()
        signer = PresignedURLSigner(configuration: configuration)
        verifier = PresignedRequestVerifier(configuration: configuration)
    }

    func presignedPUT(now: Double = RequestFixture.now) throws -> RequestFixture {
        RequestFixture(try signer.presignedPUT(key: Self.key, contentType: "image/png", maxBytes: Self.maxBytes, expiresIn: 900, now: now))
    }

    @Test func putIsAcceptedWithinItsWindow() throws {
        let request = try presignedPUT()
        #expect(request.path == "/objects/ccr-local/" + Self.key)
        #expect(request.host == "127.0.0.1:8080")
        for now in [RequestFixture.now, RequestFixture.now + 899.9, RequestFixture.now + 900, RequestFixture.now - 299] {
            let verified = try request.verify(with: verifier, bodyLength: Self.maxBytes, now: now).get()
            #expect(verified.method == "PUT")
            #expect(verified.path == request.path)
            #expect(verified.maxBytes == Self.maxBytes)
            #expect(verified.contentType == "image/png")
            #expect(verified.accessKeyID == RequestFixture.accessKeyID)
            #expect(verified.expiresAt == Int64(RequestFixture.now) + 900)
        }
    }

    @Test func getIsAcceptedAndKeysNeedingEncodingRoundTrip() throws {
        for key in [Self.key, "companies/c1/a b+c%d/é ü?#&=.png", "x/~tilde_-./y"] {
            let request = RequestFixture(try signer.presignedGET(key: key, expiresIn: 60, now: RequestFixture.now))
            #expect(request.headers == ["host": "127.0.0.1:8080"])
            let verified = try request.verify(with: verifier, bodyLength: nil, now: RequestFixture.now + 1).get()
            #expect(verified.path == "/objects/ccr-local/" + key)
            #expect(verified.maxBytes == nil)
            #expect(ObjectAddress(requestPath: request.path, basePath: "/objects") == ObjectAddress(bucket: "ccr-local", key: key))
        }
    }

    @Test func refusedAfterExpiryAndBeforeItsTime() throws {
        let request = try presignedPUT()
        #expect(request.verify(with: verifier, bodyLength: 10, now: RequestFixture.now + 900.001) == .failure(.expired))
        #expect(request.verify(with: verifier, bodyLength: 10, now: RequestFixture.now + 86_400) == .failure(.expired))
        // Signed more than five minutes in the future (the signer's clock is ahead).
        #expect(request.verify(with: verifier, bodyLength: 10, now: RequestFixture.now - 301) == .failure(.notYetValid))
    }

    @Test func refusedWithAChangedKey() throws {
        var request = try presignedPUT()
        request.path = request.path.replacingLastPathComponent(with: "logo-ffffffffffffffffffffffffffffffff.png")
        #expect(request.verify(with: verifier, bodyLength: 10, now: RequestFixture.now) == .failure(.signatureMismatch))
        var otherCompany = try presignedPUT()
        otherCompany.path = otherCompany.path.replacingOccurrences(of: "4f0c8a52", with: "4f0c8a53")
        #expect(otherCompany.verify(with: verifier, bodyLength: 10, now: RequestFixture.now) == .failure(.signatureMismatch))
    }

    @Test func refusedWithAChangedContentTypeHostOrMethod() throws {
        var html = try presignedPUT()
        html.headers["content-type"] = "text/html"
        #expect(html.verify(with: verifier, bodyLength: 10, now: RequestFixture.now) == .failure(.signatureMismatch))
        var missing = try presignedPUT()
        missing.headers["content-type"] = nil
        #expect(missing.verify(with: verifier, bodyLength: 10, now: RequestFixture.now) == .failure(.missingSignedHeader("content-type")))
        var otherHost = try presignedPUT()
        otherHost.headers["host"] = "localhost:8080"
        #expect(otherHost.verify(with: verifier, bodyLength: 10, now: RequestFixture.now) == .failure(.signatureMismatch))
        var asGET = try presignedPUT()
        asGET.method = "GET"
        #expect(asGET.verify(with: verifier, bodyLength: nil, now: RequestFixture.now) == .failure(.signatureMismatch))
        // Whitespace around a header value is not a change (AWS trims it too).
        var padded = try presignedPUT()
        padded.headers["content-type"] = "  image/png "
        #expect(throws: Never.self) { try padded.verify(with: verifier, bodyLength: 10, now: RequestFixture.now).get() }
    }

    @Test func refusedWithATamperedSignatureOrQuery() throws {
        let request = try presignedPUT()
        let signature = String(request.rawQuery.split(separator: "X-Amz-Signature=")[1])
        var flipped = Array(signature)
        flipped[10] = flipped[10] == "0" ? "1" : "0"
        var tampered = request
        tampered.setQueryParameter("X-Amz-Signature", to: String(flipped))
        #expect(tampered.verify(with: verifier, bodyLength: 10, now: RequestFixture.now) == .failure(.signatureMismatch))
        var uppercase = request
        uppercase.setQueryParameter("X-Amz-Signature", to: signature.uppercased())
        #expect(uppercase.verify(with: verifier, bodyLength: 10, now: RequestFixture.now) == .failure(.signatureMismatch))
        var truncated = request
        truncated.setQueryParameter("X-Amz-Signature", to: String(signature.dropLast()))
        #expect(truncated.verify(with: verifier, bodyLength: 10, now: RequestFixture.now) == .failure(.signatureMismatch))
        // A larger cap or a longer lifetime breaks the signature: both are signed.
        var biggerCap = request
        biggerCap.setQueryParameter("x-ccr-max-bytes", to: "1000000")
        #expect(biggerCap.verify(with: verifier, bodyLength: 10, now: RequestFixture.now) == .failure(.signatureMismatch))
        var longer = request
        longer.setQueryParameter("X-Amz-Expires", to: "3600")
        #expect(longer.verify(with: verifier, bodyLength: 10, now: RequestFixture.now) == .failure(.signatureMismatch))
        var extra = request
        extra.rawQuery += "&response-content-type=text%2Fhtml"
        #expect(extra.verify(with: verifier, bodyLength: 10, now: RequestFixture.now) == .failure(.signatureMismatch))
    }

    @Test func refusedWithAnUnknownAccessKeyOrWrongSecret() throws {
        let stranger = PresignedURLSigner(configuration: try RequestFixture.configuration(accessKeyID: "someone-else"))
        let unknown = RequestFixture(try stranger.presignedGET(key: Self.key, expiresIn: 60, now: RequestFixture.now))
        #expect(unknown.verify(with: verifier, bodyLength: nil, now: RequestFixture.now) == .failure(.unknownAccessKey))
        let wrongSecret = PresignedURLSigner(configuration: try RequestFixture.configuration(secretAccessKey: "not-the-secret"))
        let forged = RequestFixture(try wrongSecret.presignedGET(key: Self.key, expiresIn: 60, now: RequestFixture.now))
        #expect(forged.verify(with: verifier, bodyLength: nil, now: RequestFixture.now) == .failure(.signatureMismatch))
        // During a rotation both keys are accepted.
        let rotating = PresignedRequestVerifier(
            secretsByAccessKeyID: [RequestFixture.accessKeyID: RequestFixture.secretAccessKey, "someone-else": RequestFixture.secretAccessKey],
            region: RequestFixture.region)
        #expect(throws: Never.self) { try unknown.verify(with: rotating, bodyLength: nil, now: RequestFixture.now).get() }
    }

    @Test func refusedWithABodyOverTheCap() throws {
        let request = try presignedPUT()
        #expect(request.verify(with: verifier, bodyLength: Self.maxBytes + 1, now: RequestFixture.now) == .failure(.bodyTooLarge(maxBytes: Self.maxBytes)))
        #expect(throws: Never.self) { try request.verify(with: verifier, bodyLength: 0, now: RequestFixture.now).get() }
        let error = PresignedRequestError.bodyTooLarge(maxBytes: Self.maxBytes).s3Error
        #expect(error.code == "EntityTooLarge")
        #expect(error.httpStatus == 400)
    }

    @Test func refusesMalformedAndMissingParameters() throws {
        let request = try presignedPUT()
        for name in ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"] {
            var missing = request
            missing.rawQuery = missing.rawQuery.split(separator: "&").filter { !$0.hasPrefix(name + "=") }.joined(separator: "&")
            #expect(missing.verify(with: verifier, bodyLength: 10, now: RequestFixture.now) == .failure(.missingParameter(name)))
        }
        var duplicated = request
        duplicated.rawQuery += "&X-Amz-Date=20260504T030201Z"
        #expect(duplicated.verify(with: verifier, bodyLength: 10, now: RequestFixture.now) == .failure(.malformedParameter("X-Amz-Date appears more than once")))

        func refusal(_ name: String, _ value: String) -> PresignedRequestError? {
            var changed = request
            changed.setQueryParameter(name, to: value)
            guard case .failure(let error) = changed.verify(with: verifier, bodyLength: 10, now: RequestFixture.now) else { return nil }
            return error
        }
        #expect(refusal("X-Amz-Expires", "604801") == .expiryTooLong)
        for (name, value) in [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA1"), ("X-Amz-Expires", "-5"), ("X-Amz-Expires", "0"), ("X-Amz-Expires", "ten"),
            ("X-Amz-Date", "2026-05-04T03:02:01Z"), ("X-Amz-Date", "20260230T000000Z"),
            ("X-Amz-Credential", "ccr-local-access-key%2F20260504%2Feu-west-1%2Fs3%2Faws4_request"),
            ("X-Amz-Credential", "ccr-local-access-key%2F20260504%2Fus-east-1%2Fsqs%2Faws4_request"),
            ("X-Amz-Credential", "ccr-local-access-key%2F20260505%2Fus-east-1%2Fs3%2Faws4_request"),
            ("X-Amz-Credential", "ccr-local-access-key"),
            ("X-Amz-SignedHeaders", "content-type"), ("X-Amz-SignedHeaders", "host%3Bcontent-type"), ("X-Amz-SignedHeaders", "Content-Type%3Bhost"),
            ("x-ccr-max-bytes", "lots"), ("X-Amz-Signature", "%ZZ"),
        ] {
            guard case .malformedParameter = refusal(name, value) else {
                Issue.record("\(name)=\(value) was not refused as malformed: \(String(describing: refusal(name, value)))")
                continue
            }
        }
    }

    @Test func putsMustBeLimitedByTheSigner() throws {
        // A PUT signed without content-type or cap (e.g. by a generic S3 client) is refused.
        let configuration = try RequestFixture.configuration()
        let plain = SigV4.presign(
            method: "PUT", host: configuration.host, path: "/objects/ccr-local/" + Self.key, credentials: configuration.credentials,
            region: configuration.region, now: RequestFixture.now, expiresIn: 60)
        let unsigned = verifier.verify(
            method: "PUT", path: "/objects/ccr-local/" + Self.key, rawQuery: plain.queryString,
            headers: ["host": configuration.host, "content-type": "image/png"], bodyLength: 1, now: RequestFixture.now)
        guard case .failure(.unrestrictedUpload) = unsigned else { Issue.record("unlimited PUT accepted: \(unsigned)"); return }
        #expect(PresignedRequestError.unrestrictedUpload("x").s3Error.httpStatus == 403)
    }

    @Test func errorsMapToS3Codes() {
        let cases: [(PresignedRequestError, String, Int)] = [
            (.signatureMismatch, "SignatureDoesNotMatch", 403), (.expired, "AccessDenied", 403), (.notYetValid, "AccessDenied", 403),
            (.unknownAccessKey, "InvalidAccessKeyId", 403), (.missingParameter("X-Amz-Date"), "AuthorizationQueryParametersError", 400),
            (.malformedParameter("x"), "AuthorizationQueryParametersError", 400), (.expiryTooLong, "AuthorizationQueryParametersError", 400),
            (.bodyTooLarge(maxBytes: 1), "EntityTooLarge", 400),
        ]
        for (error, code, status) in cases {
            #expect(error.s3Error.code == code)
            #expect(error.s3Error.httpStatus == status)
        }
    }
}

extension String {
    func replacingLastPathComponent(with component: String) -> String {
        String(self[...lastIndex(of: "/")!]) + component
    }

    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
