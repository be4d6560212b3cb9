# A mesh gateway as an ECS workload: a gateway-task definition (CONSUL_ECS_CONFIG_JSON with a
# "gateway" block) that the controller registers as kind mesh-gateway on the cluster's synthetic
# node, LAN address = the task's ENI address, WAN address = var.gateway_wan_address, no sidecar.
# Its token gets the service identity of the gateway and the consul-ecs-mesh-gateway-policy.

locals {
  gateway_name = "mesh-gateway"
  gateway_port = 8443

  gateway_consul_ecs_config = {
    gateway = {
      kind       = "mesh-gateway"
      name       = local.gateway_name
      lanAddress = { port = local.gateway_port }
      wanAddress = { address = var.gateway_wan_address, port = local.gateway_port }
    }
    bootstrapDir  = local.dataplane_volume_path
    consulServers = { hosts = var.consul_grpc_host }
  }
}

resource "aws_secretsmanager_secret" "gateway_token" {
  #checkov:skip=CKV2_AWS_57:The controller owns this value (a Consul token's IDs); Consul token rotation is out of scope.
  #checkov:skip=CKV_AWS_149:Encrypted with aws/secretsmanager; the controller's CreateSecret/PutSecretValue use the default key.
  name                    = "${module.ecs_mesh_controller.secrets_prefix}-${local.gateway_name}"
  description             = "Consul token of the ${local.gateway_name} gateway, written by ecs-mesh-controller"
  recovery_window_in_days = 0
}

resource "aws_secretsmanager_secret_version" "gateway_token" {
  secret_id     = aws_secretsmanager_secret.gateway_token.id
  secret_string = jsonencode({})

  lifecycle {
    ignore_changes = [secret_string, version_stages]
  }
}

resource "aws_iam_role" "gateway_execution" {
  name               = "${local.gateway_name}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "gateway_execution" {
  role       = aws_iam_role.gateway_execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "gateway_execution_secret" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.gateway_token.arn]
  }
}

resource "aws_iam_role_policy" "gateway_execution_secret" {
  name   = "read-gateway-token"
  role   = aws_iam_role.gateway_execution.id
  policy = data.aws_iam_policy_document.gateway_execution_secret.json
}

resource "aws_cloudwatch_log_group" "gateway" {
  #checkov:skip=CKV_AWS_158:Example; CloudWatch Logs' own encryption is enough for it.
  name              = "/ecs/${local.gateway_name}"
  retention_in_days = 365
}

module "gateway_dataplane" {
  source = "./dataplane"

  service_name           = local.gateway_name
  gateway                = true
  ecs_cluster_arn        = var.ecs_cluster_arn
  consul_grpc_host       = var.consul_grpc_host
  consul_grpc_port       = var.consul_grpc_port
  token_secret_arn       = aws_secretsmanager_secret.gateway_token.arn
  consul_ecs_config_json = jsonencode(local.gateway_consul_ecs_config)
  dataplane_image        = var.consul_dataplane_image
  listener_ports         = [local.gateway_port]
  volume_name            = local.dataplane_volume
  volume_path            = local.dataplane_volume_path
  log_configuration = {
    logDriver = "awslogs"
    options = {
      awslogs-group         = aws_cloudwatch_log_group.gateway.name
      awslogs-region        = var.region
      awslogs-stream-prefix = "dataplane"
    }
  }
}

resource "aws_ecs_task_definition" "gateway" {
  family                   = local.gateway_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.gateway_execution.arn

  volume {
    name = local.dataplane_volume
  }

  container_definitions = jsonencode(module.gateway_dataplane.container_definitions)

  tags = {
    "consul.hashicorp.com/mesh"         = "true"
    "consul.hashicorp.com/service-name" = local.gateway_name
  }
}

resource "aws_security_group" "gateway" {
  name_prefix = "${local.gateway_name}-"
  description = "mesh gateway: LAN and WAN traffic in, Consul gRPC and mesh traffic out"
  vpc_id      = var.vpc_id

  ingress {
    description = "Mesh traffic from this datacenter's sidecars"
    protocol    = "tcp"
    from_port   = local.gateway_port
    to_port     = local.gateway_port
    cidr_blocks = var.mesh_cidr_blocks
  }

  dynamic "ingress" {
    for_each = length(var.gateway_wan_cidr_blocks) > 0 ? [1] : []
    content {
      description = "Mesh traffic from peer datacenters' gateways"
      protocol    = "tcp"
      from_port   = local.gateway_port
      to_port     = local.gateway_port
      cidr_blocks = var.gateway_wan_cidr_blocks
    }
  }

  egress {
    description = "consul-dataplane to the Consul servers' gRPC port"
    protocol    = "tcp"
    from_port   = var.consul_grpc_port
    to_port     = var.consul_grpc_port
    cidr_blocks = var.consul_egress_cidr_blocks
  }

  egress {
    description = "Mesh traffic to sidecars and remote gateways"
    protocol    = "tcp"
    from_port   = 0
    to_port     = 65535
    cidr_blocks = concat(var.mesh_cidr_blocks, var.gateway_wan_cidr_blocks)
  }

  egress {
    description = "HTTPS: ECR, CloudWatch Logs, Secrets Manager"
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_ecs_service" "gateway" {
  name             = local.gateway_name
  cluster          = var.ecs_cluster_arn
  task_definition  = aws_ecs_task_definition.gateway.arn
  desired_count    = 1
  launch_type      = "FARGATE"
  platform_version = "LATEST"

  propagate_tags          = "TASK_DEFINITION"
  enable_ecs_managed_tags = true

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.gateway.id]
    assign_public_ip = false
  }

  depends_on = [module.ecs_mesh_controller, aws_secretsmanager_secret_version.gateway_token]
}
