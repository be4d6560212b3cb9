# Three roles, each with one inline policy:
#   task       - what the controller's code calls (and nothing else; deploy/checks/test_iam_actions.py
#                derives the actions from Sources/ and fails on any difference)
#   execution  - what ECS needs to start the container: pull the image, write logs, read the three
#                secrets injected into it
#   events     - what EventBridge needs to deliver to the API destination

locals {
  ecs_tasks_trust_conditions = [
    # Confused-deputy protection: only ECS acting for this account may assume the roles.
    { test = "StringEquals", variable = "aws:SourceAccount", values = [local.account_id] },
    { test = "ArnLike", variable = "aws:SourceArn", values = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:*"] },
  ]
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    sid     = "EcsTasksAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    dynamic "condition" {
      for_each = local.ecs_tasks_trust_conditions

      content {
        test     = condition.value.test
        variable = condition.value.variable
        values   = condition.value.values
      }
    }
  }
}

# --- Task role: the controller's own AWS calls ------------------------------------------------

resource "aws_iam_role" "task" {
  name                 = "${var.name}-task"
  path                 = var.iam_role_path
  description          = "ecs-mesh-controller task role: per-service token secrets and reading ECS tasks"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = var.iam_permissions_boundary_arn
  tags                 = local.tags
}

data "aws_iam_policy_document" "task" {
  # Token worker: secret "<secrets_prefix>-<service>" holds {"accessor_id", "token"} of the service's
  # Consul token. The ARN wildcard covers the name and the 6-character suffix Secrets Manager adds.
  statement {
    sid    = "ServiceTokenSecrets"
    effect = "Allow"
    actions = [
      "secretsmanager:CreateSecret",
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetSecretValue",
      "secretsmanager:PutSecretValue",
    ]
    resources = [local.service_secret_arn_pattern]
  }

  # Resync: list the running tasks of each mesh cluster. ListTasks authorizes against
  # container-instance ARNs, which Fargate tasks do not have, so it cannot be scoped by resource;
  # the ecs:cluster condition limits it to the mesh clusters.
  statement {
    sid       = "ListMeshClusterTasks"
    effect    = "Allow"
    actions   = ["ecs:ListTasks"]
    resources = ["*"]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = local.mesh_cluster_arns
    }
  }

  # Tags and ENI addresses of the mesh clusters' tasks (events carry neither tags nor always the IP).
  statement {
    sid       = "DescribeMeshClusterTasks"
    effect    = "Allow"
    actions   = ["ecs:DescribeTasks"]
    resources = [for name in local.mesh_cluster_names : "arn:${local.partition}:ecs:${local.region}:${local.account_id}:task/${name}/*"]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = local.mesh_cluster_arns
    }
  }

  # Port mappings and container health checks of a task's definition. DescribeTaskDefinition
  # supports no resource-level permissions or condition keys, so "*" is the only resource IAM
  # accepts; task definitions hold no secret values (only secret ARNs).
  statement {
    sid       = "DescribeTaskDefinitions"
    effect    = "Allow"
    actions   = ["ecs:DescribeTaskDefinition"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "ecs-mesh-controller"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# ECS Exec (optional): the SSM agent inside the task opens its session channels. Not an action of
# the controller's code, hence a separate policy that exists only when enabled.
data "aws_iam_policy_document" "ecs_exec" {
  statement {
    sid    = "EcsExecSessionChannels"
    effect = "Allow"
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    # ssmmessages supports no resource-level permissions.
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "task_ecs_exec" {
  count = var.enable_execute_command ? 1 : 0

  name   = "ecs-exec"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.ecs_exec.json
}

# --- Execution role: starting the container --------------------------------------------------

resource "aws_iam_role" "execution" {
  name                 = "${var.name}-execution"
  path                 = var.iam_role_path
  description          = "ecs-mesh-controller execution role: image pull, logs, injected secrets"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = var.iam_permissions_boundary_arn
  tags                 = local.tags
}

data "aws_iam_policy_document" "execution" {
  dynamic "statement" {
    for_each = length(local.ecr_repository_arns) > 0 ? [local.ecr_repository_arns] : []

    content {
      sid    = "PullControllerImage"
      effect = "Allow"
      actions = [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
      ]
      resources = statement.value
    }
  }

  dynamic "statement" {
    # GetAuthorizationToken is account-wide: it supports no resource-level permissions.
    for_each = length(local.ecr_repository_arns) > 0 ? [1] : []

    content {
      sid       = "EcrAuthorizationToken"
      effect    = "Allow"
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"]
    }
  }

  statement {
    sid       = "WriteControllerLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.controller.arn}:log-stream:*"]
  }

  statement {
    sid     = "ReadInjectedSecrets"
    effect  = "Allow"
    actions = ["secretsmanager:GetSecretValue"]
    resources = concat([
      aws_secretsmanager_secret.webhook_api_key.arn,
      aws_secretsmanager_secret.admin_token.arn,
      var.consul_token_secret_arn,
    ], local.journal_postgres ? [local.postgres_url_secret_arn] : [])
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "DecryptInjectedSecrets"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "ecs-mesh-controller-execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# --- EventBridge role: delivering to the API destination ---------------------------------------

data "aws_iam_policy_document" "events_assume" {
  statement {
    sid     = "EventBridgeAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.event_rule_arn]
    }
  }
}

resource "aws_iam_role" "events" {
  name                 = "${var.name}-events"
  path                 = var.iam_role_path
  description          = "EventBridge delivers ECS task events to the ecs-mesh-controller API destination"
  assume_role_policy   = data.aws_iam_policy_document.events_assume.json
  permissions_boundary = var.iam_permissions_boundary_arn
  tags                 = local.tags
}

data "aws_iam_policy_document" "events" {
  statement {
    sid     = "InvokeWebhookApiDestination"
    effect  = "Allow"
    actions = ["events:InvokeApiDestination"]
    # API destination ARNs end in "/<name>/<uuid>"; the uuid changes when the destination is replaced.
    resources = ["arn:${local.partition}:events:${local.region}:${local.account_id}:api-destination/${local.api_destination_name}/*"]
  }
}

resource "aws_iam_role_policy" "events" {
  name   = "invoke-api-destination"
  role   = aws_iam_role.events.id
  policy = data.aws_iam_policy_document.events.json
}
