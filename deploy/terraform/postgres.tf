# The journal on PostgreSQL (journal_backend = "postgres"): several controller tasks share it, and
# one of them, elected through the database, does the work. Either the module creates an Aurora
# PostgreSQL Serverless v2 cluster (encrypted, private, TLS enforced) or the caller names a Secrets
# Manager secret holding the URL of an existing database (postgres_url_secret_arn).
#
# Either way the controller gets MESH_JOURNAL_POSTGRES_URL injected from a secret (the URL carries
# the password; it is never in the task definition or a log).

locals {
  journal_postgres = var.journal_backend == "postgres"
  journal_sqlite   = !local.journal_postgres
  create_postgres  = local.journal_postgres && var.postgres_url_secret_arn == null

  postgres_port     = 5432
  postgres_database = "mesh"
  postgres_username = "mesh_controller"
  # libpq sslmode: full verification when the image carries the RDS certificate authorities
  # (postgres_ca_cert_path), else TLS without verification (rds.force_ssl refuses plain text).
  postgres_tls_query = var.postgres_ca_cert_path == null ? "sslmode=require" : "sslmode=verify-full&sslrootcert=${urlencode(var.postgres_ca_cert_path)}"

  # The secret ECS injects as MESH_JOURNAL_POSTGRES_URL, and its valueFrom (a JSON key or all of it).
  postgres_url_secret_arn = local.create_postgres ? aws_secretsmanager_secret.postgres_url[0].arn : var.postgres_url_secret_arn
  postgres_url_value_from = (local.create_postgres || var.postgres_url_secret_json_key == null
    ? local.postgres_url_secret_arn
  : "${local.postgres_url_secret_arn}:${var.postgres_url_secret_json_key}::")
}

# Alphanumeric: the password goes into a URL unescaped.
resource "random_password" "postgres" {
  count = local.create_postgres ? 1 : 0

  length  = 48
  special = false
}

resource "aws_db_subnet_group" "journal" {
  count = local.create_postgres ? 1 : 0

  name        = "${var.name}-journal"
  description = "ecs-mesh-controller journal (Aurora PostgreSQL)"
  subnet_ids  = var.private_subnet_ids
  tags        = local.tags

  lifecycle {
    precondition {
      condition     = length(var.private_subnet_ids) >= 2
      error_message = "An Aurora cluster needs private_subnet_ids in at least two Availability Zones."
    }
  }
}

# TLS only, and statements that run long or change the schema are logged.
resource "aws_rds_cluster_parameter_group" "journal" {
  count = local.create_postgres ? 1 : 0

  name_prefix = "${var.name}-journal-"
  family      = "aurora-postgresql${split(".", var.postgres_engine_version)[0]}"
  description = "ecs-mesh-controller journal: TLS only, DDL and slow statements logged"
  tags        = local.tags

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_rds_cluster" "journal" {
  #checkov:skip=CKV2_AWS_8:Aurora's own continuous backups (postgres_backup_retention_days, point-in-time restore) protect the journal; an AWS Backup plan is the account owner's choice.
  #checkov:skip=CKV_AWS_327:Encrypted at rest always; a customer managed key is optional (var.kms_key_arn).
  count = local.create_postgres ? 1 : 0

  cluster_identifier                  = "${var.name}-journal"
  engine                              = "aurora-postgresql"
  engine_mode                         = "provisioned"
  engine_version                      = var.postgres_engine_version
  database_name                       = local.postgres_database
  master_username                     = local.postgres_username
  master_password                     = random_password.postgres[0].result
  port                                = local.postgres_port
  db_subnet_group_name                = aws_db_subnet_group.journal[0].name
  vpc_security_group_ids              = [aws_security_group.postgres[0].id]
  db_cluster_parameter_group_name     = aws_rds_cluster_parameter_group.journal[0].name
  storage_encrypted                   = true
  kms_key_id                          = var.kms_key_arn
  iam_database_authentication_enabled = true
  backup_retention_period             = var.postgres_backup_retention_days
  copy_tags_to_snapshot               = true
  deletion_protection                 = var.postgres_deletion_protection
  skip_final_snapshot                 = false
  final_snapshot_identifier           = "${var.name}-journal-final"
  enabled_cloudwatch_logs_exports     = ["postgresql"]
  allow_major_version_upgrade         = false
  apply_immediately                   = false

  serverlessv2_scaling_configuration {
    min_capacity = var.postgres_min_capacity
    max_capacity = var.postgres_max_capacity
  }

  tags = merge(local.tags, { Name = "${var.name}-journal" })
}

# A writer and (by default) a reader in another AZ, which Aurora promotes when the writer fails.
resource "aws_rds_cluster_instance" "journal" {
  count = local.create_postgres ? var.postgres_instance_count : 0

  identifier                            = "${var.name}-journal-${count.index + 1}"
  cluster_identifier                    = aws_rds_cluster.journal[0].id
  engine                                = aws_rds_cluster.journal[0].engine
  engine_version                        = aws_rds_cluster.journal[0].engine_version
  instance_class                        = "db.serverless"
  db_subnet_group_name                  = aws_db_subnet_group.journal[0].name
  publicly_accessible                   = false
  auto_minor_version_upgrade            = true
  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.kms_key_arn
  performance_insights_retention_period = 7
  monitoring_interval                   = 60
  monitoring_role_arn                   = aws_iam_role.rds_monitoring[0].arn
  copy_tags_to_snapshot                 = true
  tags                                  = merge(local.tags, { Name = "${var.name}-journal-${count.index + 1}" })
}

# The URL the controller connects with (password included), injected as MESH_JOURNAL_POSTGRES_URL.
resource "aws_secretsmanager_secret" "postgres_url" {
  #checkov:skip=CKV2_AWS_57:The password is set by Terraform on the cluster and in this URL together; a rotation Lambda would change one without the other.
  #checkov:skip=CKV_AWS_149:A customer managed key is optional (var.kms_key_arn); without it Secrets Manager uses aws/secretsmanager.
  count = local.create_postgres ? 1 : 0

  name                    = "${var.name}/journal-postgres-url"
  description             = "URL (with password) of the ecs-mesh-controller journal database"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_in_days
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "postgres_url" {
  count = local.create_postgres ? 1 : 0

  secret_id = aws_secretsmanager_secret.postgres_url[0].id
  secret_string = format("postgres://%s:%s@%s:%d/%s?%s",
    local.postgres_username, random_password.postgres[0].result, aws_rds_cluster.journal[0].endpoint,
  local.postgres_port, local.postgres_database, local.postgres_tls_query)
}

# Enhanced monitoring: RDS publishes OS metrics of the instances with this role.
data "aws_iam_policy_document" "rds_monitoring_assume" {
  statement {
    sid     = "RdsMonitoringAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "rds_monitoring" {
  count = local.create_postgres ? 1 : 0

  name                 = "${var.name}-rds-monitoring"
  path                 = var.iam_role_path
  description          = "RDS enhanced monitoring of the ecs-mesh-controller journal database"
  assume_role_policy   = data.aws_iam_policy_document.rds_monitoring_assume.json
  permissions_boundary = var.iam_permissions_boundary_arn
  tags                 = local.tags
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  count = local.create_postgres ? 1 : 0

  role       = aws_iam_role.rds_monitoring[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}
