output "webhook_url" {
  description = "Where EventBridge delivers ECS task events."
  value       = module.ecs_mesh_controller.webhook_url
}

output "dlq_url" {
  description = "Dead-letter queue of undeliverable events."
  value       = module.ecs_mesh_controller.dlq_url
}

output "admin_token_secret_arn" {
  description = "Secret holding the controller's admin bearer token."
  value       = module.ecs_mesh_controller.admin_token_secret_arn
}

output "web_token_secret_arn" {
  description = "Secret the controller fills with the web service's Consul token."
  value       = aws_secretsmanager_secret.web_token.arn
}

output "gateway_token_secret_arn" {
  description = "Secret the controller fills with the mesh gateway's Consul token."
  value       = aws_secretsmanager_secret.gateway_token.arn
}
