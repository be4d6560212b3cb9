"""deploy/terraform parses, and its interface is documented."""

from __future__ import annotations

import re

import pytest

from tf_model import MODULE, load_module, parse, tf_files

TF_FILES = tf_files()


def test_module_has_terraform_files():
    """The glob below really finds the module (a wrong path would make every check vacuous)."""
    # Given / When
    names = {path.name for path in TF_FILES}
    # Then
    assert {"variables.tf", "outputs.tf", "versions.tf", "iam.tf"} <= names


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(MODULE)))
def test_file_parses_with_python_hcl2(path):
    """Every .tf file of the module and its examples is valid HCL2 with at least one block."""
    # Given / When
    document = parse(path)
    # Then
    assert document, f"{path} parsed to nothing"


@pytest.mark.parametrize("root", [MODULE, *sorted(p for p in (MODULE / "examples").iterdir() if p.is_dir())],
                         ids=lambda p: str(p.relative_to(MODULE.parent)))
def test_every_variable_has_a_description_and_a_type(root):
    """Callers see what each input means and Terraform checks its type."""
    # Given
    module = load_module(root)
    # When
    undocumented = [name for name, body in module.variables.items() if not body.get("description") or "type" not in body]
    # Then
    assert module.variables
    assert not undocumented, f"variables without description or type: {undocumented}"


def test_every_output_has_a_description():
    """Callers see what each output is."""
    # Given
    module = load_module()
    # When
    undocumented = [name for name, body in module.outputs.items() if not body.get("description")]
    # Then
    assert module.outputs
    assert not undocumented, f"outputs without description: {undocumented}"


def test_readme_tables_list_every_variable_and_output():
    """The README's variables and outputs tables do not drift from the code."""
    # Given
    module = load_module()
    readme = (MODULE / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", readme, flags=re.MULTILINE))
    # When
    missing = sorted((set(module.variables) | set(module.outputs)) - documented)
    stale = sorted(documented - set(module.variables) - set(module.outputs))
    # Then
    assert not missing, f"README.md tables lack: {missing}"
    assert not stale, f"README.md tables list names the module no longer has: {stale}"


def test_sqlite_service_runs_one_task_without_overlap_and_postgres_keeps_every_task_serving():
    """SQLite: desired 1 (or 0), stop-before-start deploys, so two tasks never write the journal.
    PostgreSQL: start-before-stop deploys (min 100 %, max 200 %), several tasks across AZs."""
    # Given
    module = load_module()
    service = module.resources_of("aws_ecs_service")["controller"]
    preconditions = str(service["lifecycle"])
    # When / Then
    assert service["deployment_maximum_percent"] == "${local.journal_postgres ? 200 : 100}"
    assert service["deployment_minimum_healthy_percent"] == "${local.journal_postgres ? 100 : 0}"
    assert service["desired_count"] == "${var.desired_count}"
    assert "local.journal_postgres || var.desired_count <= 1" in preconditions
    assert "var.desired_count < 2 || length(var.private_subnet_ids) >= 2" in preconditions
    assert module.locals["journal_postgres"] == '${var.journal_backend == "postgres"}'
    assert module.variables["journal_backend"]["default"] == "sqlite"


def test_alb_health_check_asks_for_readiness():
    """The target group sends traffic only to tasks whose /readyz answers 200 (not draining,
    journal reachable), which is what keeps a PostgreSQL rolling deploy at 100 % serving."""
    # Given
    module = load_module()
    # When
    health_check = module.resources_of("aws_lb_target_group")["controller"]["health_check"][0]
    # Then
    assert health_check["path"] == "/readyz"


def test_postgres_journal_is_encrypted_private_and_tls_only():
    """The created Aurora cluster: encrypted storage, no public instance, TLS enforced, its URL
    injected from a secret rather than written into the task definition."""
    # Given
    module = load_module()
    cluster = module.resources_of("aws_rds_cluster")["journal"]
    instance = module.resources_of("aws_rds_cluster_instance")["journal"]
    parameters = {p["name"]: p["value"] for p in module.resources_of("aws_rds_cluster_parameter_group")["journal"]["parameter"]}
    # When / Then
    assert cluster["engine"] == "aurora-postgresql"
    assert cluster["storage_encrypted"] is True
    assert "serverlessv2_scaling_configuration" in cluster
    assert instance["instance_class"] == "db.serverless"
    assert instance["publicly_accessible"] is False
    assert parameters["rds.force_ssl"] == "1"
    assert "MESH_JOURNAL_POSTGRES_URL" in str(module.locals["container_secrets"])
    assert "MESH_JOURNAL_POSTGRES_URL" not in str(module.locals["managed_environment"])


def test_eventbridge_target_retries_for_a_day_and_dead_letters():
    """The rule target keeps the 24 h / 185 retry policy by default and has a DLQ."""
    # Given
    module = load_module()
    target = module.resources_of("aws_cloudwatch_event_target")["webhook"]
    # When
    retry = target["retry_policy"][0] if isinstance(target["retry_policy"], list) else target["retry_policy"]
    # Then
    assert retry["maximum_event_age_in_seconds"] == "${var.event_maximum_age_in_seconds}"
    assert retry["maximum_retry_attempts"] == "${var.event_maximum_retry_attempts}"
    assert module.variables["event_maximum_age_in_seconds"]["default"] == 86400
    assert module.variables["event_maximum_retry_attempts"]["default"] == 185
    assert module.variables["invocation_rate_limit_per_second"]["default"] == 300
    assert "aws_sqs_queue.dead_letter.arn" in str(target["dead_letter_config"])


def test_default_name_keeps_own_secrets_outside_the_service_secret_prefix():
    """With the defaults, "<name>/..." secrets are not under "<secrets_prefix>-*" (the task role's reach)."""
    # Given
    variables = load_module().variables
    name, prefix = variables["name"]["default"], variables["secrets_prefix"]["default"]
    # When
    own_secret = f"{name}/webhook-api-key"
    # Then
    assert not own_secret.startswith(f"{prefix}-"), (name, prefix)
