output "service_name" {
  description = "Name of the controller's ECS service."
  value       = aws_ecs_service.controller.name
}

output "task_definition_arn" {
  description = "ARN of the controller's task definition revision."
  value       = aws_ecs_task_definition.controller.arn
}

output "alb_dns_name" {
  description = "DNS name of the ALB; point domain_name at it (CNAME or alias) unless route53_zone_id is set."
  value       = aws_lb.public.dns_name
}

output "alb_zone_id" {
  description = "Route 53 zone ID of the ALB, for alias records."
  value       = aws_lb.public.zone_id
}

output "webhook_url" {
  description = "URL EventBridge posts ECS task events to."
  value       = local.webhook_url
}

output "heartbeat_url" {
  description = "Base URL for the ecs-mesh-heartbeat sidecars (their MESH_HEARTBEAT_URL); they post to <url>/v1/heartbeats."
  value       = local.heartbeat_url
}

output "api_destination_arn" {
  description = "ARN of the EventBridge API destination."
  value       = aws_cloudwatch_event_api_destination.webhook.arn
}

output "connection_arn" {
  description = "ARN of the EventBridge connection (API_KEY auth)."
  value       = aws_cloudwatch_event_connection.webhook.arn
}

output "event_rule_arn" {
  description = "ARN of the EventBridge rule matching the mesh clusters' ECS Task State Change events."
  value       = aws_cloudwatch_event_rule.ecs_task_state_change.arn
}

output "dlq_url" {
  description = "URL of the dead-letter queue of undeliverable events."
  value       = aws_sqs_queue.dead_letter.id
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dead_letter.arn
}

output "webhook_api_key_secret_arn" {
  description = "Secrets Manager ARN of the webhook API key."
  value       = aws_secretsmanager_secret.webhook_api_key.arn
}

output "admin_token_secret_arn" {
  description = "Secrets Manager ARN of the admin listener's bearer token."
  value       = aws_secretsmanager_secret.admin_token.arn
}

output "secrets_prefix" {
  description = "Prefix of the per-service token secrets (<prefix>-<service>)."
  value       = var.secrets_prefix
}

output "service_secret_arn_pattern" {
  description = "IAM resource pattern of the per-service token secrets, for the execution roles of mesh tasks that read them."
  value       = local.service_secret_arn_pattern
}

output "task_role_arn" {
  description = "ARN of the controller's task role."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "ARN of the controller's execution role."
  value       = aws_iam_role.execution.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the controller."
  value       = aws_cloudwatch_log_group.controller.name
}

output "task_security_group_id" {
  description = "Security group of the controller task."
  value       = aws_security_group.task.id
}

output "alb_security_group_id" {
  description = "Security group of the ALB."
  value       = aws_security_group.alb.id
}

output "journal_file_system_id" {
  description = "EFS file system holding the SQLite journal (null with journal_backend = \"postgres\")."
  value       = one(aws_efs_file_system.journal[*].id)
}

output "journal_backend" {
  description = "Where the journal lives: sqlite (EFS) or postgres."
  value       = var.journal_backend
}

output "postgres_cluster_endpoint" {
  description = "Writer endpoint of the created Aurora PostgreSQL cluster (null unless the module created it)."
  value       = one(aws_rds_cluster.journal[*].endpoint)
}

output "postgres_cluster_arn" {
  description = "ARN of the created Aurora PostgreSQL cluster (null unless the module created it)."
  value       = one(aws_rds_cluster.journal[*].arn)
}

output "postgres_url_secret_arn" {
  description = "Secrets Manager ARN of the journal database's URL that the tasks get as MESH_JOURNAL_POSTGRES_URL (null with journal_backend = \"sqlite\")."
  value       = local.journal_postgres ? local.postgres_url_secret_arn : null
}
