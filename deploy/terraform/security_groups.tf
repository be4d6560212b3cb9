# Least-open network paths:
#   internet --443--> ALB --8080--> task --2049--> EFS                  (journal_backend = "sqlite")
#                                   task --5432--> Aurora PostgreSQL    ("postgres", created here)
#                                   task --port--> existing PostgreSQL  ("postgres", postgres_url_secret_arn)
#                                   task --443---> AWS APIs (ECR, Secrets Manager, ECS, Logs)
#                                   task --port--> Consul
# Terraform removes the default allow-all egress rule of the groups it creates, so only the rules
# below exist.

resource "aws_security_group" "alb" {
  name_prefix = "${var.name}-alb-"
  description = "ecs-mesh-controller ALB: HTTPS from EventBridge and heartbeat sidecars"
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = "${var.name}-alb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "task" {
  name_prefix = "${var.name}-task-"
  description = "ecs-mesh-controller task: public listener from the ALB only"
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = "${var.name}-task" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "efs" {
  count = local.journal_sqlite ? 1 : 0

  name_prefix = "${var.name}-efs-"
  description = "ecs-mesh-controller journal file system: NFS from the controller task only"
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = "${var.name}-efs" })

  lifecycle {
    create_before_destroy = true
  }
}

# --- ALB ---------------------------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each = toset(var.alb_ingress_cidr_blocks)

  security_group_id = aws_security_group.alb.id
  description       = "HTTPS to the webhook (EventBridge API destination, heartbeat sidecars)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
  tags              = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "alb_http_redirect" {
  #checkov:skip=CKV_AWS_260:Port 80 only answers with a redirect to HTTPS (aws_lb_listener.http_redirect); nothing is forwarded from it.
  for_each = var.enable_http_redirect ? toset(var.alb_ingress_cidr_blocks) : toset([])

  security_group_id = aws_security_group.alb.id
  description       = "HTTP, answered only with a redirect to HTTPS"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = each.value
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "alb_to_task" {
  security_group_id            = aws_security_group.alb.id
  description                  = "Forward to the public listener of the controller"
  ip_protocol                  = "tcp"
  from_port                    = local.public_port
  to_port                      = local.public_port
  referenced_security_group_id = aws_security_group.task.id
  tags                         = local.tags
}

# --- Task --------------------------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "task_from_alb" {
  security_group_id            = aws_security_group.task.id
  description                  = "Public listener, from the ALB only"
  ip_protocol                  = "tcp"
  from_port                    = local.public_port
  to_port                      = local.public_port
  referenced_security_group_id = aws_security_group.alb.id
  tags                         = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "task_admin_cidr" {
  for_each = toset(var.admin_ingress_cidr_blocks)

  security_group_id = aws_security_group.task.id
  description       = "Admin listener (bearer token), from operators"
  ip_protocol       = "tcp"
  from_port         = local.admin_port
  to_port           = local.admin_port
  cidr_ipv4         = each.value
  tags              = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "task_admin_sg" {
  for_each = toset(var.admin_ingress_security_group_ids)

  security_group_id            = aws_security_group.task.id
  description                  = "Admin listener (bearer token), from operators"
  ip_protocol                  = "tcp"
  from_port                    = local.admin_port
  to_port                      = local.admin_port
  referenced_security_group_id = each.value
  tags                         = local.tags
}

resource "aws_vpc_security_group_egress_rule" "task_https" {
  security_group_id = aws_security_group.task.id
  description       = "AWS APIs over HTTPS (ECR, Secrets Manager, ECS, CloudWatch Logs), via NAT or VPC endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "task_to_efs" {
  count = local.journal_sqlite ? 1 : 0

  security_group_id            = aws_security_group.task.id
  description                  = "NFS to the journal file system"
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
  referenced_security_group_id = aws_security_group.efs[0].id
  tags                         = local.tags
}

resource "aws_vpc_security_group_egress_rule" "task_to_consul_cidr" {
  for_each = toset(var.consul_egress_cidr_blocks)

  security_group_id = aws_security_group.task.id
  description       = "Consul HTTP API"
  ip_protocol       = "tcp"
  from_port         = local.consul_port
  to_port           = local.consul_port
  cidr_ipv4         = each.value
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "task_to_consul_sg" {
  count = var.consul_security_group_id == null ? 0 : 1

  security_group_id            = aws_security_group.task.id
  description                  = "Consul HTTP API"
  ip_protocol                  = "tcp"
  from_port                    = local.consul_port
  to_port                      = local.consul_port
  referenced_security_group_id = var.consul_security_group_id
  tags                         = local.tags
}

# --- EFS ---------------------------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "efs_from_task" {
  count = local.journal_sqlite ? 1 : 0

  security_group_id            = aws_security_group.efs[0].id
  description                  = "NFS from the controller task"
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
  referenced_security_group_id = aws_security_group.task.id
  tags                         = local.tags
}

moved {
  from = aws_security_group.efs
  to   = aws_security_group.efs[0]
}

moved {
  from = aws_vpc_security_group_egress_rule.task_to_efs
  to   = aws_vpc_security_group_egress_rule.task_to_efs[0]
}

moved {
  from = aws_vpc_security_group_ingress_rule.efs_from_task
  to   = aws_vpc_security_group_ingress_rule.efs_from_task[0]
}

# --- PostgreSQL ----------------------------------------------------------------------------------

resource "aws_security_group" "postgres" {
  count = local.create_postgres ? 1 : 0

  name_prefix = "${var.name}-postgres-"
  description = "ecs-mesh-controller journal database: PostgreSQL from the controller tasks only"
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = "${var.name}-postgres" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "postgres_from_task" {
  count = local.create_postgres ? 1 : 0

  security_group_id            = aws_security_group.postgres[0].id
  description                  = "PostgreSQL from the controller tasks"
  ip_protocol                  = "tcp"
  from_port                    = local.postgres_port
  to_port                      = local.postgres_port
  referenced_security_group_id = aws_security_group.task.id
  tags                         = local.tags
}

resource "aws_vpc_security_group_egress_rule" "task_to_postgres" {
  count = local.create_postgres ? 1 : 0

  security_group_id            = aws_security_group.task.id
  description                  = "PostgreSQL journal database"
  ip_protocol                  = "tcp"
  from_port                    = local.postgres_port
  to_port                      = local.postgres_port
  referenced_security_group_id = aws_security_group.postgres[0].id
  tags                         = local.tags
}

resource "aws_vpc_security_group_egress_rule" "task_to_postgres_cidr" {
  for_each = local.journal_postgres && !local.create_postgres ? toset(var.postgres_egress_cidr_blocks) : toset([])

  security_group_id = aws_security_group.task.id
  description       = "PostgreSQL journal database"
  ip_protocol       = "tcp"
  from_port         = var.postgres_port
  to_port           = var.postgres_port
  cidr_ipv4         = each.value
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "task_to_postgres_sg" {
  count = local.journal_postgres && !local.create_postgres && var.postgres_security_group_id != null ? 1 : 0

  security_group_id            = aws_security_group.task.id
  description                  = "PostgreSQL journal database"
  ip_protocol                  = "tcp"
  from_port                    = var.postgres_port
  to_port                      = var.postgres_port
  referenced_security_group_id = var.postgres_security_group_id
  tags                         = local.tags
}
