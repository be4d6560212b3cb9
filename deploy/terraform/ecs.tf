# The controller on Fargate. journal_backend = "sqlite": one task, never two (the SQLite journal on
# EFS has a single writer). "postgres": desired_count tasks across the AZs, one elected leader.

resource "aws_cloudwatch_log_group" "controller" {
  #checkov:skip=CKV_AWS_158:A customer managed key is optional (var.kms_key_arn); without it CloudWatch Logs encrypts with its own key. The controller never logs secrets.
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.kms_key_arn
  tags              = local.tags
}

locals {
  # Configuration of the controller, as MESH_* / CONSUL_* / AWS_* environment variables
  # (see Sources/Controller/Configuration/MeshConfiguration+ConfigReader.swift).
  managed_environment = merge(
    {
      MESH_SERVER_PUBLIC_HOST       = "0.0.0.0"
      MESH_SERVER_PUBLIC_PORT       = tostring(local.public_port)
      MESH_SERVER_ADMIN_HOST        = local.admin_exposed ? "0.0.0.0" : "127.0.0.1"
      MESH_SERVER_ADMIN_PORT        = tostring(local.admin_port)
      MESH_WEBHOOK_API_KEY_HEADER   = var.webhook_api_key_header
      MESH_WEBHOOK_ALLOWED_CLUSTERS = join(",", local.mesh_cluster_arns)
      MESH_SECRETS_PREFIX           = var.secrets_prefix
      MESH_LOG_FORMAT               = "json"
      MESH_LOG_LEVEL                = var.log_level
      CONSUL_HTTP_ADDR              = var.consul_http_addr
      AWS_REGION                    = local.region
      # SQLite and Foundation write temporary files here; the root filesystem is read-only.
      TMPDIR = "/tmp"
      # Not read by the controller (and not MESH_-prefixed, so it is not reported as an unknown
      # setting): it changes when a generated secret is rotated, so the task
      # definition changes and ECS restarts the task, which then reads the new values.
      DEPLOY_SECRETS_REVISION = sha256(join(",", [
        aws_secretsmanager_secret_version.webhook_api_key.version_id,
        aws_secretsmanager_secret_version.admin_token.version_id,
      ]))
    },
    var.consul_ca_cert_path == null ? {} : { CONSUL_CACERT = var.consul_ca_cert_path },
    # sqlite is the controller's default back end; postgres takes its URL from a secret (below).
    local.journal_sqlite ? { MESH_JOURNAL_PATH = "${local.journal_dir}/journal.sqlite" } : { MESH_JOURNAL_BACKEND = "postgres" },
  )
  container_environment = merge(var.container_environment, local.managed_environment)

  container_secrets = concat([
    { name = "MESH_WEBHOOK_API_KEY", valueFrom = aws_secretsmanager_secret.webhook_api_key.arn },
    { name = "MESH_ADMIN_TOKEN", valueFrom = aws_secretsmanager_secret.admin_token.arn },
    {
      name      = "CONSUL_HTTP_TOKEN"
      valueFrom = var.consul_token_secret_json_key == null ? var.consul_token_secret_arn : "${var.consul_token_secret_arn}:${var.consul_token_secret_json_key}::"
    },
    ],
    local.journal_postgres ? [{ name = "MESH_JOURNAL_POSTGRES_URL", valueFrom = local.postgres_url_value_from }] : [],
  )

  controller_container = {
    name                   = local.container_name
    image                  = var.container_image
    essential              = true
    command                = ["serve"]
    user                   = "${local.container_uid}:${local.container_gid}"
    readonlyRootFilesystem = true
    stopTimeout            = var.stop_timeout_seconds

    portMappings = concat(
      [{ name = "public", containerPort = local.public_port, protocol = "tcp" }],
      local.admin_exposed ? [{ name = "admin", containerPort = local.admin_port, protocol = "tcp" }] : [],
    )

    # Maps iterate in key order, so the rendered definition is stable between plans.
    environment = [for key, value in local.container_environment : { name = key, value = value }]
    secrets     = local.container_secrets

    mountPoints = concat(
      local.journal_sqlite ? [{ sourceVolume = "journal", containerPath = local.journal_dir, readOnly = false }] : [],
      [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }],
    )

    # The image has curl for exactly this probe (deploy/Dockerfile explains why).
    healthCheck = {
      command     = ["CMD", "curl", "--fail", "--silent", "--show-error", "--max-time", "3", "http://127.0.0.1:${local.public_port}/healthz"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 30
    }

    # An init process reaps ECS Exec sessions' children and forwards SIGTERM to the controller.
    linuxParameters = { initProcessEnabled = true }

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.controller.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "controller"
        # A slow log pipeline must not block the event loop (EventBridge gives up after 5 s).
        mode            = "non-blocking"
        max-buffer-size = "4m"
      }
    }
  }
}

resource "aws_ecs_task_definition" "controller" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode([local.controller_container])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # The SQLite journal: EFS through an access point that writes as the image's user, TLS and IAM
  # enforced.
  dynamic "volume" {
    for_each = local.journal_sqlite ? [1] : []

    content {
      name = "journal"

      efs_volume_configuration {
        file_system_id     = aws_efs_file_system.journal[0].id
        transit_encryption = "ENABLED"

        authorization_config {
          access_point_id = aws_efs_access_point.journal[0].id
          iam             = "ENABLED"
        }
      }
    }
  }

  # Scratch space on the task's ephemeral storage; the image declares VOLUME /tmp so Fargate keeps
  # the directory's 1777 mode.
  volume {
    name = "tmp"
  }

  tags = local.tags
}

resource "aws_ecs_service" "controller" {
  name                              = var.name
  cluster                           = var.ecs_cluster_arn
  task_definition                   = aws_ecs_task_definition.controller.arn
  desired_count                     = var.desired_count
  launch_type                       = "FARGATE"
  platform_version                  = "LATEST"
  health_check_grace_period_seconds = var.health_check_grace_period_seconds
  enable_execute_command            = var.enable_execute_command
  enable_ecs_managed_tags           = true
  propagate_tags                    = "SERVICE"

  # SQLite: stop the old task before starting the new one, two tasks must never write the journal at
  # once. PostgreSQL: start the new tasks first and stop an old one only when a new one is healthy
  # (on /readyz), so a deploy never lowers the number of serving tasks.
  deployment_maximum_percent         = local.journal_postgres ? 200 : 100
  deployment_minimum_healthy_percent = local.journal_postgres ? 100 : 0

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.task.id]
    assign_public_ip = var.assign_public_ip
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.controller.arn
    container_name   = local.container_name
    container_port   = local.public_port
  }

  tags = local.tags

  lifecycle {
    precondition {
      condition     = local.journal_postgres || var.desired_count <= 1
      error_message = "With journal_backend = \"sqlite\" desired_count must be 0 or 1: two controller tasks would write the same journal. Use journal_backend = \"postgres\" for several."
    }

    precondition {
      condition     = var.desired_count < 2 || length(var.private_subnet_ids) >= 2
      error_message = "desired_count >= 2 needs private_subnet_ids in at least two Availability Zones, so that one AZ's failure leaves a task running."
    }
  }

  # The task can only start once it can reach the journal, read its secrets and be registered.
  depends_on = [
    aws_lb_listener.https,
    aws_efs_mount_target.journal,
    aws_efs_file_system_policy.journal,
    aws_rds_cluster_instance.journal,
    aws_secretsmanager_secret_version.postgres_url,
    aws_iam_role_policy.execution,
    aws_iam_role_policy.task,
  ]
}
