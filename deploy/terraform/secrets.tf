# Generated credentials of the controller itself, stored in Secrets Manager and injected into the
# container by ECS (the execution role reads them; the controller's task role cannot).
#
# They are named "<name>/...", outside the "<secrets_prefix>-*" namespace that the task role may
# write, so the controller can never overwrite its own credentials and no mesh service's token
# secret can collide with them.
#
# Alphanumeric only: both values travel in HTTP headers. 48 characters of [A-Za-z0-9] is ~285 bits.
# Rotation: change var.webhook_api_key_version / var.admin_token_version and apply. The new value,
# the EventBridge connection and a new task definition revision (DEPLOY_SECRETS_REVISION)
# change in one apply; events refused with 401 in the seconds between the connection update and the
# task restart land in the dead-letter queue (redrive them, README "Deploy on AWS").

resource "random_password" "webhook_api_key" {
  length  = 48
  special = false

  keepers = {
    version = var.webhook_api_key_version
  }
}

resource "random_password" "admin_token" {
  length  = 48
  special = false

  keepers = {
    version = var.admin_token_version
  }
}

resource "aws_secretsmanager_secret" "webhook_api_key" {
  #checkov:skip=CKV2_AWS_57:Rotated by Terraform (var.webhook_api_key_version) because the EventBridge connection must change with it; a rotation Lambda could not update both at once.
  #checkov:skip=CKV_AWS_149:A customer managed key is optional (var.kms_key_arn); without it Secrets Manager uses aws/secretsmanager.
  name                    = "${var.name}/webhook-api-key"
  description             = "API key EventBridge sends to the ecs-mesh-controller webhook (${var.webhook_api_key_header} header)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_in_days
  tags                    = local.tags

  lifecycle {
    precondition {
      condition     = !startswith("${var.name}/", "${var.secrets_prefix}-")
      error_message = "The controller's own secrets (\"${var.name}/...\") must not fall under secrets_prefix (\"${var.secrets_prefix}-*\"), which the task role may write. Choose another name or secrets_prefix."
    }
  }
}

resource "aws_secretsmanager_secret_version" "webhook_api_key" {
  secret_id     = aws_secretsmanager_secret.webhook_api_key.id
  secret_string = random_password.webhook_api_key.result
}

resource "aws_secretsmanager_secret" "admin_token" {
  #checkov:skip=CKV2_AWS_57:Rotated by Terraform (var.admin_token_version); the controller reads it at start, so rotation is a redeploy, which the apply triggers.
  #checkov:skip=CKV_AWS_149:A customer managed key is optional (var.kms_key_arn); without it Secrets Manager uses aws/secretsmanager.
  name                    = "${var.name}/admin-token"
  description             = "Bearer token of the ecs-mesh-controller admin listener"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_in_days
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "admin_token" {
  secret_id     = aws_secretsmanager_secret.admin_token.id
  secret_string = random_password.admin_token.result
}
