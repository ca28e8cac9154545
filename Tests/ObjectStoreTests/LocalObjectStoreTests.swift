import ObjectStoreStandIn
import ObjectStore
import Testing

@Suite struct LocalObjectStoreTests {
    static let bucket = "ccr-local"

    func withStore(_ body: (LocalObjectStore, TemporaryDirectory) throws -> Void) rethrows {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        // The root does not exist yet: the first put creates it.
        try body(LocalObjectStore(rootDirectory: directory.path + "/root/"), directory)
    }

    @Test func putGetHeadDelete() throws {
        try withStore { store, directory in
            let key = "companies/c1/branding/logo-ab.png"
            let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0, 1, 2, 255]
            #expect(try store.get(bucket: Self.bucket, key: key) == nil)
            #expect(try store.head(bucket: Self.bucket, key: key) == nil)

            try store.put(bucket: Self.bucket, key: key, bytes: bytes, contentType: "image/png")
            #expect(try store.get(bucket: Self.bucket, key: key) == StoredObject(bytes: bytes, contentType: "image/png"))
            #expect(try store.head(bucket: Self.bucket, key: key) == StoredObjectMetadata(size: bytes.count, contentType: "image/png"))
            #expect(directory.exists("root/ccr-local/companies/c1/branding/logo-ab.png"))
            // Nothing is left in the temporary directory.
            #expect(directory.entries("root/.tmp") == [])

            // Overwrite (a larger file, then a smaller one) and an empty object.
            let large = [UInt8](repeating: 7, count: 200_000)
            try store.put(bucket: Self.bucket, key: key, bytes: large, contentType: "image/webp")
            #expect(try store.get(bucket: Self.bucket, key: key) == StoredObject(bytes: large, contentType: "image/webp"))
            try store.put(bucket: Self.bucket, key: key, bytes: [], contentType: "image/webp")
            #expect(try store.get(bucket: Self.bucket, key: key) == StoredObject(bytes: [], contentType: "image/webp"))

            // Other buckets are separate.
            #expect(try store.get(bucket: "other-bucket", key: key) == nil)

            #expect(try store.delete(bucket: Self.bucket, key: key))
            #expect(try store.get(bucket: Self.bucket, key: key) == nil)
            #expect(try store.head(bucket: Self.bucket, key: key) == nil)
            #expect(try !store.delete(bucket: Self.bucket, key: key))
        }
    }

    @Test func keysWithUnusualCharacters() throws {
        try withStore { store, _ in
            for key in ["a b+c%20d/é ü?#&=.txt", "x/~tilde_-./y", ".hidden", "..x/y..", "a/.b"] {
                try store.put(bucket: Self.bucket, key: key, bytes: Array(key.utf8), contentType: "text/plain; charset=utf-8")
                #expect(try store.get(bucket: Self.bucket, key: key) == StoredObject(bytes: Array(key.utf8), contentType: "text/plain; charset=utf-8"))
            }
        }
    }

    @Test func refusesPathTraversalAndBadKeys() {
        withStore { store, directory in
            let badKeys = [
                "", "..", ".", "../escape", "a/../../escape", "a/..", "./a", "/etc/passwd", "a//b", "a/", "/",
                "a\u{0}b", "a\nb", String(repeating: "k", count: 1025),
            ]
            for key in badKeys {
                #expect(throws: LocalObjectStoreError.invalidKey, "key \(key.debugDescription)") {
                    try store.put(bucket: Self.bucket, key: key, bytes: [1], contentType: "text/plain")
                }
                #expect(throws: LocalObjectStoreError.invalidKey) { try store.get(bucket: Self.bucket, key: key) }
                #expect(throws: LocalObjectStoreError.invalidKey) { try store.head(bucket: Self.bucket, key: key) }
                #expect(throws: LocalObjectStoreError.invalidKey) { try store.delete(bucket: Self.bucket, key: key) }
            }
            for bucket in ["..", ".tmp", ".content-types", "a/b", "UPPER", "ab", "", "../x", "-bucket"] {
                #expect(throws: LocalObjectStoreError.invalidBucket, "bucket \(bucket.debugDescription)") {
                    try store.put(bucket: bucket, key: "k", bytes: [1], contentType: "text/plain")
                }
            }
            #expect(throws: LocalObjectStoreError.invalidContentType) {
                try store.put(bucket: Self.bucket, key: "k", bytes: [1], contentType: "text/plain\r\nx: y")
            }
            #expect(throws: LocalObjectStoreError.invalidContentType) { try store.put(bucket: Self.bucket, key: "k", bytes: [1], contentType: "") }
            // Nothing was written anywhere, in particular not outside the root.
            #expect(!directory.exists("escape"))
            #expect(directory.entries("root/ccr-local") == [])
        }
    }

    @Test func keyPrefixConflictsAreRefused() throws {
        try withStore { store, _ in
            try store.put(bucket: Self.bucket, key: "a", bytes: [1], contentType: "text/plain")
            #expect(throws: LocalObjectStoreError.keyConflict) { try store.put(bucket: Self.bucket, key: "a/b", bytes: [2], contentType: "text/plain") }
            try store.put(bucket: Self.bucket, key: "c/d", bytes: [3], contentType: "text/plain")
            #expect(throws: LocalObjectStoreError.keyConflict) { try store.put(bucket: Self.bucket, key: "c", bytes: [4], contentType: "text/plain") }
            // A "directory" is not an object.
            #expect(try store.get(bucket: Self.bucket, key: "c") == nil)
            #expect(try store.head(bucket: Self.bucket, key: "c") == nil)
            #expect(try !store.delete(bucket: Self.bucket, key: "c"))
            #expect(try store.get(bucket: Self.bucket, key: "a/b") == nil)
            #expect(try store.get(bucket: Self.bucket, key: "c/d") == StoredObject(bytes: [3], contentType: "text/plain"))
        }
    }

    @Test func missingSidecarFallsBackToOctetStream() throws {
        try withStore { store, directory in
            try store.put(bucket: Self.bucket, key: "k", bytes: [9], contentType: "image/png")
            directory.writeFile("root/.content-types/ccr-local/k", "")
            #expect(try store.get(bucket: Self.bucket, key: "k")?.contentType == "application/octet-stream")
        }
    }
}
