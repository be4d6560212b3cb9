"""The controller's task role allows exactly the AWS actions the Swift code calls.

The required actions come from the code (swift_aws_calls.py: `transport.send("<Operation>", ...)`
in files that name their service, mapped to `secretsmanager:<Operation>` / `ecs:<Operation>`);
the allowed actions come from `data "aws_iam_policy_document" "task"` in deploy/terraform/iam.tf,
parsed with python-hcl2. Either difference fails: a permission the code needs but lacks breaks
the controller in AWS; a permission it never uses is privilege nobody needs.
"""

from __future__ import annotations

import re

import pytest

from swift_aws_calls import Extraction, ExtractionError, extract, extract_text, strip_comments
from tf_model import REPO, as_list, load_module, statements

SOURCES = REPO / "Sources"

# Policy documents that are not the controller's code permissions, and what each may contain.
# A new aws_iam_policy_document must be added here (with its purpose), so nothing slips past.
OTHER_DOCUMENTS = {
    "ecs_tasks_assume": {"sts:AssumeRole"},  # trust policy of the task and execution roles
    "events_assume": {"sts:AssumeRole"},  # trust policy of the EventBridge role
    "rds_monitoring_assume": {"sts:AssumeRole"},  # trust policy of the Aurora enhanced-monitoring role
    "ecs_exec": {  # optional ECS Exec channels, separate policy on the task role
        "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
    },
    "execution": {  # image pull, logs, injected secrets
        "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
        "ecr:GetAuthorizationToken", "logs:CreateLogStream", "logs:PutLogEvents",
        "secretsmanager:GetSecretValue", "kms:Decrypt",
    },
    "events": {"events:InvokeApiDestination"},  # EventBridge -> API destination
    "efs": {"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "*"},  # resource policy (the "*" is a Deny)
    "dead_letter": {"sqs:SendMessage", "sqs:*"},  # queue policy (the "sqs:*" is a Deny)
}


@pytest.fixture(scope="module")
def code_actions() -> Extraction:
    try:
        return extract(SOURCES)
    except ExtractionError as error:  # fail with the explanation, not a traceback
        pytest.fail(f"cannot derive the AWS actions from the Swift code: {error}")


@pytest.fixture(scope="module")
def module():
    return load_module()


@pytest.fixture(scope="module")
def task_statements(module):
    documents = module.policy_documents()
    assert "task" in documents, 'iam.tf has no data "aws_iam_policy_document" "task"'
    return statements(documents["task"])


def allowed_actions(statement_list) -> set[str]:
    actions = set()
    for statement in statement_list:
        assert statement.get("effect", "Allow") == "Allow", f"unexpected Deny in the task policy: {statement}"
        assert "not_actions" not in statement, f"not_actions grants everything else: {statement}"
        actions.update(as_list(statement.get("actions")))
    return actions


def test_the_code_calls_aws_actions(code_actions):
    """The extractor finds the controller's AWS calls (zero would make the comparison vacuous)."""
    # Given / When
    found = sorted(code_actions.actions)
    print("AWS actions called by Sources/:", ", ".join(found))
    # Then
    assert found
    assert all(re.fullmatch(r"(secretsmanager|ecs):[A-Za-z]+", action) for action in found), found


def test_task_policy_allows_every_action_the_code_calls(code_actions, task_statements):
    """Every operation the code sends is allowed, or it fails with AccessDenied in AWS."""
    # Given
    allowed = allowed_actions(task_statements)
    # When
    missing = {action: code_actions.actions[action] for action in sorted(set(code_actions.actions) - allowed)}
    # Then
    assert not missing, f"iam.tf's task policy lacks actions the code calls (action: call sites): {missing}"


def test_task_policy_allows_nothing_the_code_does_not_call(code_actions, task_statements):
    """No action beyond the code's calls, and no wildcard action."""
    # Given
    allowed = allowed_actions(task_statements)
    # When
    unused = sorted(allowed - set(code_actions.actions))
    wildcards = sorted(action for action in allowed if "*" in action)
    # Then
    assert not wildcards, f"wildcard actions in the task policy: {wildcards}"
    assert not unused, f"iam.tf's task policy allows actions the code never calls: {unused}"


def test_task_role_carries_only_the_reviewed_policies(module):
    """The task role gets its permissions only from the task document (plus the ECS Exec one)."""
    # Given
    role = module.resources_of("aws_iam_role")["task"]
    role_refs = ("${aws_iam_role.task.id}", "${aws_iam_role.task.name}")
    # When
    inline = {name: body["policy"] for name, body in module.resources_of("aws_iam_role_policy").items()
              if body.get("role") in role_refs}
    attachments = [name for name, body in module.resources_of("aws_iam_role_policy_attachment").items()
                   if body.get("role") in role_refs]
    # Then
    assert "managed_policy_arns" not in role and "inline_policy" not in role
    assert not attachments, f"managed policies attached to the task role: {attachments}"
    assert inline.get("task") == "${data.aws_iam_policy_document.task.json}"
    assert set(inline.values()) <= {"${data.aws_iam_policy_document.task.json}",
                                    "${data.aws_iam_policy_document.ecs_exec.json}"}, inline


def test_every_other_policy_document_is_known_and_within_its_purpose(module):
    """Documents other than "task" are classified, and each holds only what its purpose needs."""
    # Given
    documents = {name: doc for name, doc in module.policy_documents().items() if name != "task"}
    # When
    unknown = sorted(set(documents) - set(OTHER_DOCUMENTS))
    excess = {name: sorted(set().union(*(set(as_list(s.get("actions"))) for s in statements(doc))) - OTHER_DOCUMENTS[name])
              for name, doc in documents.items() if name in OTHER_DOCUMENTS}
    # Then
    assert not unknown, f"classify these policy documents in OTHER_DOCUMENTS: {unknown}"
    assert not any(excess.values()), f"actions beyond each document's purpose: {excess}"


def test_secret_actions_are_limited_to_the_prefix(module, task_statements):
    """Secrets Manager actions apply only to "<secrets_prefix>-*" secrets of this account and region."""
    # Given
    pattern = module.locals["service_secret_arn_pattern"]
    secret_statements = [s for s in task_statements
                         if any(a.startswith("secretsmanager:") for a in as_list(s.get("actions")))]
    # When / Then
    assert pattern == "arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:${var.secrets_prefix}-*"
    assert secret_statements
    for statement in secret_statements:
        assert as_list(statement["resources"]) == ["${local.service_secret_arn_pattern}"], statement


def test_ecs_actions_are_limited_to_the_mesh_clusters(task_statements):
    """ListTasks/DescribeTasks are bound to the mesh clusters; only DescribeTaskDefinition is unscoped."""
    # Given
    by_action = {action: statement for statement in task_statements for action in as_list(statement.get("actions"))}
    # When
    unscoped = sorted(action for action, statement in by_action.items()
                      if "*" in as_list(statement.get("resources")) and not statement.get("condition"))
    # Then
    assert unscoped in ([], ["ecs:DescribeTaskDefinition"]), f"actions on Resource \"*\" without a condition: {unscoped}"
    for action in ("ecs:ListTasks", "ecs:DescribeTasks"):
        if action in by_action:
            conditions = as_list(by_action[action].get("condition"))
            assert any(c.get("variable") == "ecs:cluster" and c.get("values") == "${local.mesh_cluster_arns}"
                       for c in conditions), f"{action} is not conditioned on ecs:cluster"
    if "ecs:DescribeTasks" in by_action:
        assert ":task/${name}/*" in str(by_action["ecs:DescribeTasks"]["resources"])


# --- The extractor itself ------------------------------------------------------------------------

SAMPLE = '''
/// Example in a doc comment: ecs.send("ListTasks", input: x)  -- must not count
struct ECSClient {
    init() { transport = AWSJSONClient(httpClient: c, service: .ecs(endpoint: e, region: r)) }
    func tasks() async throws {
        let url = "http://127.0.0.1/\\(path("x"))" // trailing comment send("StopTask")
        /* block /* nested */ send("RunTask") */
        return try await transport.send(
            "DescribeTasks", input: request)
    }
}
'''


def test_extractor_reads_calls_and_ignores_comments_and_strings():
    """Operations in code count; ones in comments do not; URLs in strings are not comments."""
    # Given
    result = Extraction()
    # When
    extract_text(strip_comments(SAMPLE), "ECSClient.swift", result)
    # Then
    assert set(result.actions) == {"ecs:DescribeTasks"}
    assert result.actions["ecs:DescribeTasks"] == ["ECSClient.swift:8"]


def test_extractor_refuses_a_file_without_a_service():
    """A send whose service cannot be told fails loudly instead of being guessed."""
    # Given
    code = strip_comments('func f() async throws { try await client.send("ListTasks", input: r) }')
    # When / Then
    with pytest.raises(ExtractionError, match="names no service"):
        extract_text(code, "Mystery.swift", Extraction())


def test_extractor_adds_tag_resource_when_create_secret_passes_tags():
    """CreateSecret with tags needs secretsmanager:TagResource too."""
    # Given
    code = strip_comments('let r = try await secrets.createSecret(name: n, secretString: s,\n clientRequestToken: t, tags: ["a": "b"])')
    result = Extraction()
    # When
    extract_text(code, "TokenWorker.swift", result)
    # Then
    assert set(result.actions) == {"secretsmanager:TagResource"}


def test_extractor_reads_full_target_literals():
    """A literal X-Amz-Target names its own service."""
    # Given
    result = Extraction()
    # When
    extract_text(strip_comments('let target = "secretsmanager.GetSecretValue"'), "Raw.swift", result)
    # Then
    assert set(result.actions) == {"secretsmanager:GetSecretValue"}
