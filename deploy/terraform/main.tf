# Shared lookups and names. Each concern has its own file: ecs.tf (service and task), alb.tf
# (public listener), security_groups.tf, efs.tf (SQLite journal volume), postgres.tf (PostgreSQL
# journal: Aurora or an existing database), secrets.tf, eventbridge.tf
# (rule, connection, API destination, dead-letter queue), iam.tf, monitoring.tf.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  # Clusters whose task events the controller handles. Cluster ARNs end in "cluster/<name>".
  mesh_cluster_arns  = length(var.mesh_cluster_arns) > 0 ? distinct(var.mesh_cluster_arns) : [var.ecs_cluster_arn]
  mesh_cluster_names = [for arn in local.mesh_cluster_arns : element(split("/", arn), 1)]

  # The image's user (deploy/Dockerfile) and paths; the EFS access point writes as the same user.
  container_name = "ecs-mesh-controller"
  container_uid  = 10001
  container_gid  = 10001
  journal_dir    = "/var/lib/ecs-mesh-controller"
  public_port    = 8080
  admin_port     = 8081
  admin_exposed  = length(var.admin_ingress_cidr_blocks) + length(var.admin_ingress_security_group_ids) > 0

  webhook_url = "https://${var.domain_name}/v1/events"
  # Base URL: the ecs-mesh-heartbeat sidecar appends /v1/heartbeats itself (MESH_HEARTBEAT_URL).
  heartbeat_url = "https://${var.domain_name}"

  # Port of consul_http_addr, for the task's egress rule.
  consul_scheme = regex("^(https?)://", var.consul_http_addr)[0]
  consul_port   = try(tonumber(regex("^https?://[^/:]+:([0-9]+)", var.consul_http_addr)[0]), local.consul_scheme == "https" ? 443 : 80)

  # ECR repositories the execution role may pull from: the controller image's own, plus any given.
  image_ecr_match     = regexall("^([0-9]{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?/([^:@]+)", var.container_image)
  image_ecr_repo_arns = [for m in local.image_ecr_match : "arn:${local.partition}:ecr:${m[1]}:${m[0]}:repository/${m[3]}"]
  ecr_repository_arns = distinct(concat(local.image_ecr_repo_arns, var.ecr_repository_arns))

  # Names that other resources' ARNs are built from, so that no dependency cycle forms.
  event_rule_name            = "${var.name}-ecs-task-state"
  event_rule_arn             = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${local.event_rule_name}"
  api_destination_name       = var.name
  service_secret_arn_pattern = "arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:${var.secrets_prefix}-*"

  tags = merge({ "ecs-mesh-controller/deployment" = var.name }, var.tags)
}
