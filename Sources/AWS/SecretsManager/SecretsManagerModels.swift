public import Foundation

/// The result of `CreateSecret` and `PutSecretValue`: which version the write produced (or found, on an
/// idempotent replay).
public struct SecretVersionResult: Sendable, Equatable, Decodable {
    /// The secret's ARN (name plus a random 6-character suffix).
    public var arn: String
    /// The secret's name.
    public var name: String
    /// The version ID (equals the ClientRequestToken of the write).
    public var versionId: String?
    /// Stages of that version (`PutSecretValue` only), e.g. `["AWSCURRENT"]`.
    public var versionStages: [String]

    enum CodingKeys: String, CodingKey {
        case arn = "ARN", name = "Name", versionId = "VersionId", versionStages = "VersionStages"
    }

    /// Creates a result.
    public init(arn: String, name: String, versionId: String?, versionStages: [String] = []) {
        self.arn = arn
        self.name = name
        self.versionId = versionId
        self.versionStages = versionStages
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        arn = try container.decode(String.self, forKey: .arn)
        name = try container.decode(String.self, forKey: .name)
        versionId = try container.decodeIfPresent(String.self, forKey: .versionId)
        versionStages = try container.decodeIfPresent([String].self, forKey: .versionStages) ?? []
    }
}

/// A secret's value (`GetSecretValue`). Its description hides ``secretString``.
public struct SecretValue: Sendable, Equatable, Decodable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret's ARN.
    public var arn: String
    /// The secret's name.
    public var name: String
    /// The version returned.
    public var versionId: String?
    /// The secret text; never log it.
    public var secretString: String?
    /// Stages of the version, e.g. `["AWSCURRENT"]`.
    public var versionStages: [String]
    /// When the version was created.
    public var createdDate: Date?

    enum CodingKeys: String, CodingKey {
        case arn = "ARN", name = "Name", versionId = "VersionId", secretString = "SecretString"
        case versionStages = "VersionStages", createdDate = "CreatedDate"
    }

    /// Creates a value.
    public init(arn: String, name: String, versionId: String?, secretString: String?,
                versionStages: [String] = [], createdDate: Date? = nil) {
        self.arn = arn
        self.name = name
        self.versionId = versionId
        self.secretString = secretString
        self.versionStages = versionStages
        self.createdDate = createdDate
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        arn = try container.decode(String.self, forKey: .arn)
        name = try container.decode(String.self, forKey: .name)
        versionId = try container.decodeIfPresent(String.self, forKey: .versionId)
        secretString = try container.decodeIfPresent(String.self, forKey: .secretString)
        versionStages = try container.decodeIfPresent([String].self, forKey: .versionStages) ?? []
        createdDate = AWSTimestamp.decode(container, forKey: .createdDate)
    }

    public var description: String {
        "SecretValue(name: \(name), versionId: \(versionId ?? "nil"), secretString: <redacted>)"
    }

    public var debugDescription: String { description }
}

/// A secret's metadata (`DescribeSecret`); no value.
public struct SecretDescription: Sendable, Equatable, Decodable {
    /// The secret's ARN.
    public var arn: String
    /// The secret's name.
    public var name: String
    /// The description given at creation.
    public var description: String?
    /// Tags, `Key` → `Value`.
    public var tags: [String: String]
    /// Version IDs and their stages.
    public var versionIdsToStages: [String: [String]]
    /// When the secret was created.
    public var createdDate: Date?
    /// When the secret last changed.
    public var lastChangedDate: Date?
    /// Set while the secret is scheduled for deletion.
    public var deletedDate: Date?

    enum CodingKeys: String, CodingKey {
        case arn = "ARN", name = "Name", description = "Description", tags = "Tags"
        case versionIdsToStages = "VersionIdsToStages", createdDate = "CreatedDate"
        case lastChangedDate = "LastChangedDate", deletedDate = "DeletedDate"
    }

    private struct Tag: Decodable {
        var Key: String
        var Value: String?
    }

    /// The version currently staged `AWSCURRENT`.
    public var currentVersionId: String? {
        versionIdsToStages.first { $0.value.contains("AWSCURRENT") }?.key
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        arn = try container.decode(String.self, forKey: .arn)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        let tagList = try container.decodeIfPresent([Tag].self, forKey: .tags) ?? []
        tags = Dictionary(tagList.map { ($0.Key, $0.Value ?? "") }, uniquingKeysWith: { _, last in last })
        versionIdsToStages = try container.decodeIfPresent([String: [String]].self, forKey: .versionIdsToStages) ?? [:]
        createdDate = AWSTimestamp.decode(container, forKey: .createdDate)
        lastChangedDate = AWSTimestamp.decode(container, forKey: .lastChangedDate)
        deletedDate = AWSTimestamp.decode(container, forKey: .deletedDate)
    }
}

/// Request documents (wire names are Secrets Manager's PascalCase).
struct CreateSecretRequest: Encodable, Sendable {
    struct Tag: Encodable, Sendable {
        var Key: String
        var Value: String
    }

    var Name: String
    var SecretString: String
    var ClientRequestToken: String
    var Description: String?
    var Tags: [Tag]?
}

struct PutSecretValueRequest: Encodable, Sendable {
    var SecretId: String
    var SecretString: String
    var ClientRequestToken: String
}

struct SecretIdRequest: Encodable, Sendable {
    var SecretId: String
    var VersionId: String?
    var VersionStage: String?
}
