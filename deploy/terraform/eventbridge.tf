# ECS task state changes -> EventBridge rule (default bus) -> API destination -> HTTPS POST
# https://<domain_name>/v1/events.
#
# Delivery contract (reference/aws-contracts.md section 2):
# - EventBridge waits at most 5 s for an answer; the controller acknowledges after the journal commit
#   (milliseconds), never after talking to Consul.
# - 429 and 5xx, and time-outs, are retried with exponential backoff and jitter for up to
#   event_maximum_age_in_seconds / event_maximum_retry_attempts (default 24 h / 185); other 4xx are
#   not retried. Whatever is not delivered goes to the dead-letter queue.
# - invocation_rate_limit_per_second caps the request rate; excess events wait and are retried.

resource "aws_cloudwatch_event_connection" "webhook" {
  name               = var.name
  description        = "API key of the ecs-mesh-controller webhook"
  authorization_type = "API_KEY"

  auth_parameters {
    api_key {
      key   = var.webhook_api_key_header
      value = random_password.webhook_api_key.result
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "webhook" {
  name                             = local.api_destination_name
  description                      = "ecs-mesh-controller event webhook"
  invocation_endpoint              = local.webhook_url
  http_method                      = "POST"
  invocation_rate_limit_per_second = var.invocation_rate_limit_per_second
  connection_arn                   = aws_cloudwatch_event_connection.webhook.arn
}

resource "aws_cloudwatch_event_rule" "ecs_task_state_change" {
  name           = local.event_rule_name
  description    = "ECS task state changes of the mesh clusters, for ecs-mesh-controller"
  event_bus_name = "default"

  event_pattern = jsonencode({
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Task State Change"]
    detail = {
      clusterArn = local.mesh_cluster_arns
    }
  })

  tags = local.tags

  lifecycle {
    precondition {
      condition     = alltrue([for arn in local.mesh_cluster_arns : split(":", arn)[3] == local.region && split(":", arn)[4] == local.account_id])
      error_message = "Every mesh cluster must be in this account and region: ECS task events reach only the default bus of the cluster's own account and region."
    }
  }
}

resource "aws_cloudwatch_event_target" "webhook" {
  rule           = aws_cloudwatch_event_rule.ecs_task_state_change.name
  event_bus_name = "default"
  target_id      = "ecs-mesh-controller-webhook"
  arn            = aws_cloudwatch_event_api_destination.webhook.arn
  role_arn       = aws_iam_role.events.arn

  # The whole event is sent (no input transformer): the controller needs id, time and
  # detail.version to deduplicate and order.

  retry_policy {
    maximum_event_age_in_seconds = var.event_maximum_age_in_seconds
    maximum_retry_attempts       = var.event_maximum_retry_attempts
  }

  dead_letter_config {
    arn = aws_sqs_queue.dead_letter.arn
  }
}

# --- Dead-letter queue --------------------------------------------------------------------------

resource "aws_sqs_queue" "dead_letter" {
  name                              = "${var.name}-events-dlq"
  message_retention_seconds         = var.dlq_message_retention_seconds
  sqs_managed_sse_enabled           = var.kms_key_arn == null ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = var.kms_key_arn == null ? null : 300
  tags                              = local.tags
}

data "aws_iam_policy_document" "dead_letter" {
  statement {
    sid       = "EventBridgeRuleDeadLetters"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.ecs_task_state_change.arn]
    }
  }

  statement {
    sid       = "DenyUnencryptedTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.dead_letter.arn]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id
  policy    = data.aws_iam_policy_document.dead_letter.json
}
