# A mesh application ("web") and the controller that puts its tasks into the Consul mesh.
#
# The task definition carries a consul-ecs CONSUL_ECS_CONFIG_JSON (as HashiCorp's mesh-task module
# writes it: service name, port, upstreams, health-synced containers) and the mesh tag, which the
# ECS service propagates to its tasks (propagate_tags = "TASK_DEFINITION"). The controller reads
# the tags with DescribeTasks and the config with DescribeTaskDefinition (docs/consul-ecs-compat.md).
#
# The data plane is consul-dataplane (Envoy; needs Consul servers >= 1.14), fed the service's token
# from Secrets Manager: see dataplane.tf. gateway.tf adds a mesh gateway task.

module "ecs_mesh_controller" {
  source = "../.."

  name                      = "ecs-mesh-controller"
  ecs_cluster_arn           = var.ecs_cluster_arn
  vpc_id                    = var.vpc_id
  private_subnet_ids        = var.private_subnet_ids
  public_subnet_ids         = var.public_subnet_ids
  container_image           = var.controller_image
  consul_http_addr          = var.consul_http_addr
  consul_token_secret_arn   = var.consul_token_secret_arn
  consul_egress_cidr_blocks = var.consul_egress_cidr_blocks
  domain_name               = var.domain_name
  route53_zone_id           = var.route53_zone_id
  acm_certificate_arn       = var.acm_certificate_arn
}

locals {
  service_name = "web"
  app_port     = 8080
}

# --- The service's token secret --------------------------------------------------------------

# "<secrets_prefix>-<service>", created holding "{}" as consul-ecs's mesh-task module does, so its
# ARN is known here. When the first task of the service appears, the controller writes
# {"accessor_id": ..., "token": ...} into it and creates the Consul token with those IDs.
# Until then a task cannot start (the "token" key is missing) and ECS replaces it; the second
# attempt, a few seconds later, starts.
resource "aws_secretsmanager_secret" "web_token" {
  #checkov:skip=CKV2_AWS_57:The controller owns this value (a Consul token's IDs); Consul token rotation is out of scope.
  #checkov:skip=CKV_AWS_149:Encrypted with aws/secretsmanager; the controller's CreateSecret/PutSecretValue use the default key.
  name                    = "${module.ecs_mesh_controller.secrets_prefix}-${local.service_name}"
  description             = "Consul token of the ${local.service_name} service, written by ecs-mesh-controller"
  recovery_window_in_days = 0
}

resource "aws_secretsmanager_secret_version" "web_token" {
  secret_id     = aws_secretsmanager_secret.web_token.id
  secret_string = jsonencode({})

  lifecycle {
    # The controller writes the real value; Terraform must never put "{}" back.
    ignore_changes = [secret_string, version_stages]
  }
}

# --- Roles -----------------------------------------------------------------------------------

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "web_execution" {
  name               = "${local.service_name}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

# Pulling public/ECR images and writing logs: the AWS managed execution policy.
resource "aws_iam_role_policy_attachment" "web_execution" {
  role       = aws_iam_role.web_execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

# The heartbeat sidecar's token: read by ECS at task start, from this service's secret only.
data "aws_iam_policy_document" "web_execution_secret" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.web_token.arn]
  }
}

resource "aws_iam_role_policy" "web_execution_secret" {
  name   = "read-service-token"
  role   = aws_iam_role.web_execution.id
  policy = data.aws_iam_policy_document.web_execution_secret.json
}

resource "aws_iam_role" "web_task" {
  name               = "${local.service_name}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

# --- The mesh task ---------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "web" {
  #checkov:skip=CKV_AWS_158:Example; CloudWatch Logs' own encryption is enough for it.
  name              = "/ecs/${local.service_name}"
  retention_in_days = 365
}

locals {
  # What consul-ecs's mesh-init would read; the controller registers the service from it.
  web_consul_ecs_config = {
    service = {
      name = local.service_name
      port = local.app_port
      tags = ["example"]
      meta = { team = "payments" }
    }
    proxy = {
      publicListenerPort = local.dataplane_public_port
      upstreams = [
        { destinationName = "api", localBindPort = 1234 },
        { destinationName = "db", localBindPort = 5432 },
      ]
    }
    healthSyncContainers = [local.service_name]
    bootstrapDir         = local.dataplane_volume_path
    consulServers        = { hosts = var.consul_grpc_host }
  }
}

resource "aws_ecs_task_definition" "web" {
  family                   = local.service_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 512
  memory                   = 1024
  execution_role_arn       = aws_iam_role.web_execution.arn
  task_role_arn            = aws_iam_role.web_task.arn

  volume {
    name = local.dataplane_volume
  }

  container_definitions = jsonencode(concat([
    {
      name                   = local.service_name
      image                  = var.app_image
      essential              = true
      readonlyRootFilesystem = true
      portMappings           = [{ containerPort = local.app_port, protocol = "tcp" }]
      # Traffic reaches the app only through the sidecar: start it once Envoy runs.
      dependsOn = [{ containerName = "consul-dataplane", condition = "START" }]
      # Essential and with a health check: the controller syncs this container's ECS health to
      # its Consul check (through the heartbeats).
      healthCheck = {
        command     = ["CMD-SHELL", "curl -fsS http://127.0.0.1:${local.app_port}/health || exit 1"]
        interval    = 10
        timeout     = 5
        retries     = 3
        startPeriod = 10
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.web.name
          awslogs-region        = var.region
          awslogs-stream-prefix = local.service_name
        }
      }
    },
    {
      # Reads the task metadata endpoint (ECS_CONTAINER_METADATA_URI_V4, set by ECS) and posts the
      # containers' health to the controller, authenticated with the service's Consul token.
      # Not essential: if it stops, the controller marks the task critical when heartbeats stop,
      # which takes it out of the mesh without killing the app.
      # Its environment is documented in the repository README ("Heartbeat sidecar").
      name                   = "ecs-mesh-heartbeat"
      image                  = var.heartbeat_image
      essential              = false
      readonlyRootFilesystem = true
      user                   = "10001:10001"
      environment = [
        { name = "MESH_HEARTBEAT_URL", value = module.ecs_mesh_controller.heartbeat_url },
      ]
      secrets = [
        # "<arn>:<json-key>:<version-stage>:<version-id>": the "token" field of AWSCURRENT.
        { name = "CONSUL_HTTP_TOKEN", valueFrom = "${aws_secretsmanager_secret.web_token.arn}:token::" },
      ]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.web.name
          awslogs-region        = var.region
          awslogs-stream-prefix = "heartbeat"
        }
      }
    },
    ], module.web_dataplane.container_definitions
  ))

  # The mesh tag (consul-ecs names); name, port and upstreams come from CONSUL_ECS_CONFIG_JSON.
  tags = {
    "consul.hashicorp.com/mesh"         = "true"
    "consul.hashicorp.com/service-name" = local.service_name
  }
}

resource "aws_security_group" "web" {
  name_prefix = "${local.service_name}-"
  description = "web mesh task: mesh traffic in, Consul gRPC and HTTPS out"
  vpc_id      = var.vpc_id

  ingress {
    description = "mTLS from other mesh tasks to the web sidecar"
    protocol    = "tcp"
    from_port   = local.dataplane_public_port
    to_port     = local.dataplane_public_port
    cidr_blocks = var.mesh_cidr_blocks
  }

  egress {
    description = "consul-dataplane to the Consul servers' gRPC port"
    protocol    = "tcp"
    from_port   = var.consul_grpc_port
    to_port     = var.consul_grpc_port
    cidr_blocks = var.consul_egress_cidr_blocks
  }

  egress {
    description = "mTLS from the web sidecar to its upstreams' sidecars"
    protocol    = "tcp"
    from_port   = local.dataplane_public_port
    to_port     = local.dataplane_public_port
    cidr_blocks = var.mesh_cidr_blocks
  }

  egress {
    description = "HTTPS: ECR, CloudWatch Logs, Secrets Manager, controller webhook"
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_ecs_service" "web" {
  name             = local.service_name
  cluster          = var.ecs_cluster_arn
  task_definition  = aws_ecs_task_definition.web.arn
  desired_count    = 2
  launch_type      = "FARGATE"
  platform_version = "LATEST"

  # Without this the tasks carry no tags, and the controller does not see them as mesh tasks.
  propagate_tags          = "TASK_DEFINITION"
  enable_ecs_managed_tags = true

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.web.id]
    assign_public_ip = false
  }

  # Start after the controller and its EventBridge rule exist, so the first task's events arrive.
  depends_on = [module.ecs_mesh_controller, aws_secretsmanager_secret_version.web_token]
}
