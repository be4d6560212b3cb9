import MeshModel
import Testing

/// `ECSARN` helpers on long and short formats and on ARNs of other kinds.
struct ECSARNTests {
    static let longTask = "arn:aws:ecs:us-east-1:111122223333:task/apps/7b3f0c2e9d4a4f1b8c6e5d2a1f0e9b8c"
    static let shortTask = "arn:aws:ecs:us-east-1:111122223333:task/344b1ff0-3e1b-4a2b-9f4e-0d2c1b5a6e7f"

    /// Both task ARN formats give their ID.
    @Test(arguments: [
        (longTask, "7b3f0c2e9d4a4f1b8c6e5d2a1f0e9b8c"),
        (shortTask, "344b1ff0-3e1b-4a2b-9f4e-0d2c1b5a6e7f"),
        ("arn:aws-cn:ecs:cn-north-1:111122223333:task/c/abc", "abc"),
    ])
    func taskID_whenTaskArn_returnsLastSegment(arn: String, id: String) {
        #expect(ECSARN.taskID(fromTaskArn: arn) == id)
    }

    /// Anything that is not an ECS task ARN gives nil.
    @Test(arguments: [
        "", "task/apps/abc", "arn:aws:ec2:us-east-1:111122223333:task/apps/abc",
        "arn:aws:ecs:us-east-1:111122223333:cluster/apps", "arn:aws:ecs:us-east-1:111122223333:task/",
        "arn:aws:ecs:us-east-1:111122223333:task/apps/", "arn:aws:ecs:us-east-1:111122223333:task//abc",
        "arn:aws:ecs:us-east-1:111122223333:task/a/b/c", "arn:aws:ecs::111122223333:task/apps/abc",
        "arn:aws:ecs:us-east-1::task/apps/abc", "arn::ecs:us-east-1:111122223333:task/apps/abc",
        "urn:aws:ecs:us-east-1:111122223333:task/apps/abc",
    ])
    func taskID_whenNotTaskArn_returnsNil(arn: String) {
        #expect(ECSARN.taskID(fromTaskArn: arn) == nil)
    }

    /// A long-format task ARN names its cluster; a short-format one does not.
    @Test func clusterArn_whenLongOrShortFormat_derivesOrDeclines() {
        #expect(ECSARN.clusterArn(fromTaskArn: Self.longTask) == "arn:aws:ecs:us-east-1:111122223333:cluster/apps")
        #expect(ECSARN.clusterArn(fromTaskArn: Self.shortTask) == nil)
        #expect(ECSARN.clusterArn(fromTaskArn: "arn:aws:ecs:us-east-1:111122223333:cluster/apps") == nil)
    }

    /// Cluster names come only from cluster ARNs.
    @Test func clusterName_whenClusterArn_returnsName() {
        #expect(ECSARN.clusterName(fromClusterArn: "arn:aws:ecs:us-east-1:111122223333:cluster/apps") == "apps")
        #expect(ECSARN.clusterName(fromClusterArn: "arn:aws:ecs:us-east-1:111122223333:cluster/") == nil)
        #expect(ECSARN.clusterName(fromClusterArn: "arn:aws:ecs:us-east-1:111122223333:cluster/a/b") == nil)
        #expect(ECSARN.clusterName(fromClusterArn: Self.longTask) == nil)
        #expect(ECSARN.clusterName(fromClusterArn: "apps") == nil)
    }

    /// The family is the part before the revision.
    @Test func family_whenTaskDefinitionArn_returnsFamily() {
        #expect(ECSARN.family(fromTaskDefinitionArn: "arn:aws:ecs:us-east-1:111122223333:task-definition/web:10") == "web")
        #expect(ECSARN.family(fromTaskDefinitionArn: "arn:aws:ecs:us-east-1:1:task-definition/my-App_2:1") == "my-App_2")
        #expect(ECSARN.family(fromTaskDefinitionArn: "arn:aws:ecs:us-east-1:1:task-definition/web") == nil)
        #expect(ECSARN.family(fromTaskDefinitionArn: "arn:aws:ecs:us-east-1:1:task-definition/web:") == nil)
        #expect(ECSARN.family(fromTaskDefinitionArn: "arn:aws:ecs:us-east-1:1:task-definition/web:x1") == nil)
        #expect(ECSARN.family(fromTaskDefinitionArn: "arn:aws:ecs:us-east-1:1:task-definition/:3") == nil)
        #expect(ECSARN.family(fromTaskDefinitionArn: "web:10") == nil)
    }
}
