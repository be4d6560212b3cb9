# The SQLite journal's persistent volume (journal_backend = "sqlite" only). One task writes it; EFS keeps it across task replacements and
# Availability Zones. SQLite's fsync on EFS is durable once it returns (EFS commits writes to
# storage in several AZs before acknowledging them).

resource "aws_efs_file_system" "journal" {
  #checkov:skip=CKV_AWS_184:Encrypted at rest always; a customer managed key is optional (var.kms_key_arn).
  count = local.journal_sqlite ? 1 : 0

  creation_token   = "${var.name}-journal"
  encrypted        = true
  kms_key_id       = var.kms_key_arn
  performance_mode = "generalPurpose"
  throughput_mode  = var.efs_throughput_mode

  # No lifecycle_policy: moving journal pages to Infrequent Access would slow the commits that
  # every acknowledgement waits for.

  tags = merge(local.tags, { Name = "${var.name}-journal" })
}

resource "aws_efs_backup_policy" "journal" {
  count = local.journal_sqlite ? 1 : 0

  file_system_id = aws_efs_file_system.journal[0].id

  backup_policy {
    status = var.efs_backup_enabled ? "ENABLED" : "DISABLED"
  }
}

resource "aws_efs_mount_target" "journal" {
  # count, not for_each: subnet IDs created in the same plan are unknown, their number is not.
  count = local.journal_sqlite ? length(var.private_subnet_ids) : 0

  file_system_id  = aws_efs_file_system.journal[0].id
  subnet_id       = var.private_subnet_ids[count.index]
  security_groups = [aws_security_group.efs[0].id]
}

# Every client mounts at /ecs-mesh-controller as the image's user (UID/GID 10001), whatever user the
# container runs as; the directory is created with that owner on first mount.
resource "aws_efs_access_point" "journal" {
  count = local.journal_sqlite ? 1 : 0

  file_system_id = aws_efs_file_system.journal[0].id

  posix_user {
    uid = local.container_uid
    gid = local.container_gid
  }

  root_directory {
    path = "/ecs-mesh-controller"

    creation_info {
      owner_uid   = local.container_uid
      owner_gid   = local.container_gid
      permissions = "0750"
    }
  }

  tags = merge(local.tags, { Name = "${var.name}-journal" })
}

# Resource policy: only the controller's task role may mount, only through the access point, only
# over TLS. (Granted here, not in the task role's identity policy, which holds exactly the AWS
# actions the controller's code calls; see deploy/checks/test_iam_actions.py.)
data "aws_iam_policy_document" "efs" {
  count = local.journal_sqlite ? 1 : 0

  statement {
    sid       = "ControllerMountsThroughAccessPoint"
    effect    = "Allow"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.journal[0].arn]

    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.task.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.journal[0].arn]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
  }

  statement {
    sid       = "DenyUnencryptedTransport"
    effect    = "Deny"
    actions   = ["*"]
    resources = [aws_efs_file_system.journal[0].arn]

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

resource "aws_efs_file_system_policy" "journal" {
  count = local.journal_sqlite ? 1 : 0

  file_system_id = aws_efs_file_system.journal[0].id
  policy         = data.aws_iam_policy_document.efs[0].json
}

# These resources gained `count` with journal_backend; existing deployments keep their file system.
moved {
  from = aws_efs_file_system.journal
  to   = aws_efs_file_system.journal[0]
}

moved {
  from = aws_efs_backup_policy.journal
  to   = aws_efs_backup_policy.journal[0]
}

moved {
  from = aws_efs_access_point.journal
  to   = aws_efs_access_point.journal[0]
}

moved {
  from = aws_efs_file_system_policy.journal
  to   = aws_efs_file_system_policy.journal[0]
}
