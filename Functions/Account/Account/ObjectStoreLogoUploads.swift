import FunctionRuntime
import API
public import ObjectStore
public import Settings

/// Logo uploads on an S3-compatible store (AWS, or the local filesystem-backed store the router
/// serves): `S3_ENDPOINT`, `S3_BUCKET`, `S3_REGION`, `S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY`.
public struct ObjectStoreLogoUploads: LogoUploads {
    let signer: PresignedURLSigner

    public init(configuration: ObjectStoreConfiguration) {
        signer = PresignedURLSigner(configuration: configuration)
    }

    public init(environment: Environment) throws {
        do {
            self.init(configuration: try ObjectStoreConfiguration(
                endpoint: try environment.required("S3_ENDPOINT"), bucket: try environment.required("S3_BUCKET"),
                region: try environment.required("S3_REGION"), accessKeyID: try environment.required("S3_ACCESS_KEY_ID"),
                secretAccessKey: try environment.required("S3_SECRET_ACCESS_KEY")))
        } catch let error as ObjectStoreConfigurationError {
            throw ConfigurationError("S3 configuration: \(error.description)")
        }
    }

    public func uploadURL(companyID: String, contentType: String, maxBytes: Int, expiresInSeconds: Int, now: Double) throws -> LogoUpload {
        guard let logo = BrandingLogo(contentType: contentType),
              let key = ObjectKey.brandingLogoKey(companyID: companyID, fileExtension: logo.fileExtension)
        else { throw FunctionError.validation(["contentType": "is not an accepted image type"]) }
        let request = try signer.presignedPUT(key: key, contentType: logo.contentType, maxBytes: maxBytes, expiresIn: expiresInSeconds, now: now)
        return LogoUpload(key: key, url: request.url, headers: request.headers)
    }

    public func downloadURL(key: String, expiresInSeconds: Int, now: Double) throws -> String {
        try signer.presignedGET(key: key, expiresIn: expiresInSeconds, now: now).url
    }
}
