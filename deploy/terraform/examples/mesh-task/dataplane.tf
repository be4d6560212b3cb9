# consul-dataplane for the web task, fed the web service's token from Secrets Manager.

locals {
  dataplane_volume      = "consul-dataplane"
  dataplane_volume_path = "/consul"
  dataplane_public_port = 20000
}

module "web_dataplane" {
  source = "./dataplane"

  service_name           = local.service_name
  ecs_cluster_arn        = var.ecs_cluster_arn
  consul_grpc_host       = var.consul_grpc_host
  consul_grpc_port       = var.consul_grpc_port
  token_secret_arn       = aws_secretsmanager_secret.web_token.arn
  consul_ecs_config_json = jsonencode(local.web_consul_ecs_config)
  dataplane_image        = var.consul_dataplane_image
  listener_ports         = [local.dataplane_public_port]
  volume_name            = local.dataplane_volume
  volume_path            = local.dataplane_volume_path
  log_configuration = {
    logDriver = "awslogs"
    options = {
      awslogs-group         = aws_cloudwatch_log_group.web.name
      awslogs-region        = var.region
      awslogs-stream-prefix = "dataplane"
    }
  }
}
