# ---------------------------------------------------------------------------------------------------
# Naming and placement
# ---------------------------------------------------------------------------------------------------

variable "name" {
  description = "Name of the controller deployment. Prefixes every resource (ALB, target group, roles, log group, queue, rule). Lower-case letters, digits and dashes."
  type        = string
  default     = "ecs-mesh-controller"

  validation {
    # The ALB and target group names are the tightest limit: 32 characters, no leading/trailing dash.
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,26}[a-z0-9])?$", var.name))
    error_message = "name must be 1-28 characters of a-z, 0-9 and '-', and must not start or end with '-'."
  }
}

variable "tags" {
  description = "Tags added to every resource the module creates."
  type        = map(string)
  default     = {}
}

variable "ecs_cluster_arn" {
  description = "ARN of the ECS cluster the controller task runs in."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/[A-Za-z0-9_-]{1,255}$", var.ecs_cluster_arn))
    error_message = "ecs_cluster_arn must be a full cluster ARN (arn:aws:ecs:<region>:<account>:cluster/<name>)."
  }
}

variable "mesh_cluster_arns" {
  description = "ARNs of the ECS clusters whose tasks the controller puts into the mesh. They must be in the same account and region as the controller (the EventBridge rule listens on this account's default bus). Empty means [ecs_cluster_arn]."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.mesh_cluster_arns : can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/[A-Za-z0-9_-]{1,255}$", arn))])
    error_message = "Every entry of mesh_cluster_arns must be a full cluster ARN (arn:aws:ecs:<region>:<account>:cluster/<name>)."
  }
}

variable "vpc_id" {
  description = "VPC of the ALB, the controller task and the EFS mount targets."
  type        = string
}

variable "private_subnet_ids" {
  description = "Subnets of the controller task and the EFS mount targets: at most one per Availability Zone (EFS allows one mount target per AZ). They need a route to the AWS APIs (NAT gateway or VPC endpoints for ECR, Secrets Manager, ECS and CloudWatch Logs) and to Consul."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 1
    error_message = "private_subnet_ids needs at least one subnet."
  }
}

variable "public_subnet_ids" {
  description = "Public subnets of the internet-facing ALB (at least two Availability Zones). EventBridge API destinations call public HTTPS endpoints."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "An application load balancer needs subnets in at least two Availability Zones."
  }
}

variable "assign_public_ip" {
  description = "Give the controller task a public IP. Only for subnets without a NAT gateway; the task security group still admits nothing but the ALB."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------------------------------
# The controller task
# ---------------------------------------------------------------------------------------------------

variable "container_image" {
  description = "Controller image (built from deploy/Dockerfile, target ecs-mesh-controller), pinned by tag or digest, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mesh-controller:1.0.0."
  type        = string

  validation {
    condition     = can(regex("(@sha256:[0-9a-f]{64}|:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$", var.container_image)) && !endswith(var.container_image, ":latest")
    error_message = "container_image must name a tag other than 'latest' or a sha256 digest, so that a deployment is reproducible."
  }
}

variable "ecr_repository_arns" {
  description = "ECR repositories the execution role may pull from. The repository of container_image is added automatically when it is an ECR image of this partition."
  type        = list(string)
  default     = []
}

variable "cpu" {
  description = "Fargate task CPU units."
  type        = number
  default     = 512

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.cpu)
    error_message = "cpu must be one of 256, 512, 1024, 2048, 4096."
  }
}

variable "memory" {
  description = "Fargate task memory in MiB (must be a valid combination with cpu)."
  type        = number
  default     = 1024
}

variable "cpu_architecture" {
  description = "CPU architecture of the task; the image must be built for it."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "desired_count" {
  description = "Number of controller tasks. With journal_backend = \"sqlite\": 1 (or 0 to stop it), never more, since the SQLite journal has a single writer. With \"postgres\": any number; 2 or more spread across the Availability Zones of private_subnet_ids, one of them elected leader."
  type        = number
  default     = 1

  validation {
    condition     = var.desired_count >= 0 && var.desired_count <= 10 && floor(var.desired_count) == var.desired_count
    error_message = "desired_count must be a whole number from 0 to 10 (and 0 or 1 with journal_backend = \"sqlite\")."
  }
}

variable "health_check_grace_period_seconds" {
  description = "Seconds ECS ignores failing ALB health checks after the task starts (journal recovery on EFS can take a moment)."
  type        = number
  default     = 60
}

variable "stop_timeout_seconds" {
  description = "Seconds between SIGTERM and SIGKILL. The controller stops accepting, answers in-flight requests and flushes the journal in that time."
  type        = number
  default     = 30

  validation {
    condition     = var.stop_timeout_seconds >= 2 && var.stop_timeout_seconds <= 120
    error_message = "stop_timeout_seconds must be between 2 and 120 (Fargate's maximum)."
  }
}

variable "enable_execute_command" {
  description = "Enable ECS Exec into the controller task (adds the ssmmessages permissions ECS Exec needs to the task role). Useful to reach the loopback admin listener with curl."
  type        = bool
  default     = false
}

variable "log_level" {
  description = "Controller log level (MESH_LOG_LEVEL)."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["trace", "debug", "info", "notice", "warning", "error", "critical"], var.log_level)
    error_message = "log_level must be one of trace, debug, info, notice, warning, error, critical."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the controller's CloudWatch log group."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ..., 365, ..., 3653)."
  }
}

variable "container_environment" {
  description = "Extra environment variables for the controller container (e.g. MESH_* keys the module does not set). The module's own variables win on a name clash."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------------
# Consul and secrets
# ---------------------------------------------------------------------------------------------------

variable "consul_http_addr" {
  description = "Consul HTTP(S) API address the controller calls (CONSUL_HTTP_ADDR), e.g. https://consul.internal:8501."
  type        = string

  validation {
    condition     = can(regex("^https?://[^/:]+(:[0-9]{1,5})?/?$", var.consul_http_addr))
    error_message = "consul_http_addr must look like http(s)://host[:port]."
  }
}

variable "consul_token_secret_arn" {
  description = "Full ARN of the Secrets Manager secret holding the controller's Consul token (CONSUL_HTTP_TOKEN). It needs acl:write and node:write (operator:write on Enterprise), as for the consul-ecs controller."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+-[A-Za-z0-9]{6}$", var.consul_token_secret_arn))
    error_message = "consul_token_secret_arn must be the full secret ARN, including the 6-character suffix Secrets Manager appends."
  }
}

variable "consul_token_secret_json_key" {
  description = "If the Consul token secret is a JSON document, the key that holds the token (e.g. \"token\"). Null injects the whole secret string."
  type        = string
  default     = null
}

variable "consul_ca_cert_path" {
  description = "Path, inside the container, of a PEM bundle to trust for Consul's HTTPS API (CONSUL_CACERT). The file must be in the image or on the journal volume. Null uses the system trust store."
  type        = string
  default     = null
}

variable "consul_egress_cidr_blocks" {
  description = "CIDR blocks of the Consul servers. The task security group allows egress to them on the port of consul_http_addr. Empty adds no rule (use consul_security_group_id or a port-443 Consul)."
  type        = list(string)
  default     = []
}

variable "consul_security_group_id" {
  description = "Security group of the Consul servers; the task may reach it on the port of consul_http_addr. Null adds no rule."
  type        = string
  default     = null
}

variable "secrets_prefix" {
  description = "Prefix of the per-service token secrets the controller creates and reads (<prefix>-<service>, MESH_SECRETS_PREFIX). The task role may touch only secrets under it."
  type        = string
  default     = "ecs-mesh-token"

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]{1,200}$", var.secrets_prefix)) && !endswith(var.secrets_prefix, "-")
    error_message = "secrets_prefix may contain letters, digits and /_+=.@- (at most 200), and must not end with '-'."
  }
}

variable "secret_recovery_window_in_days" {
  description = "Recovery window of the admin-token and webhook-key secrets when they are destroyed (0 deletes at once, 7-30 otherwise)."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_in_days == 0 || (var.secret_recovery_window_in_days >= 7 && var.secret_recovery_window_in_days <= 30)
    error_message = "secret_recovery_window_in_days must be 0 or between 7 and 30."
  }
}

variable "webhook_api_key_header" {
  description = "HTTP header the EventBridge connection sends the API key in (MESH_WEBHOOK_API_KEY_HEADER)."
  type        = string
  default     = "x-api-key"

  validation {
    condition     = can(regex("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,512}$", var.webhook_api_key_header))
    error_message = "webhook_api_key_header must be a valid HTTP header name."
  }
}

variable "webhook_api_key_version" {
  description = "Change this value to generate a new webhook API key (rotation). The connection and the controller are updated in the same apply."
  type        = string
  default     = "1"
}

variable "admin_token_version" {
  description = "Change this value to generate a new admin bearer token (rotation)."
  type        = string
  default     = "1"
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the log group, the secrets, the EFS file system and the dead-letter queue. Null uses AWS managed keys. The key policy must allow CloudWatch Logs and EventBridge (events.amazonaws.com) to use it."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------------
# Admin listener
# ---------------------------------------------------------------------------------------------------

variable "admin_ingress_cidr_blocks" {
  description = "CIDR blocks allowed to reach the admin listener (port 8081). Empty with admin_ingress_security_group_ids empty keeps the admin listener on the task's loopback (reachable only through ECS Exec)."
  type        = list(string)
  default     = []
}

variable "admin_ingress_security_group_ids" {
  description = "Security groups allowed to reach the admin listener (port 8081). See admin_ingress_cidr_blocks."
  type        = list(string)
  default     = []
}

# ---------------------------------------------------------------------------------------------------
# Public listener (ALB)
# ---------------------------------------------------------------------------------------------------

variable "domain_name" {
  description = "Public DNS name of the webhook, e.g. mesh-events.example.com. EventBridge verifies the TLS certificate against it, and an ACM certificate cannot cover the ALB's own amazonaws.com name, so this is required."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "domain_name must be a lower-case DNS name such as mesh-events.example.com."
  }
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone in which to create an alias record for domain_name. Null: create the DNS record yourself (CNAME to the alb_dns_name output)."
  type        = string
  default     = null
}

variable "acm_certificate_arn" {
  description = "ACM certificate for domain_name, in the ALB's region. API destinations only call HTTPS endpoints with a publicly trusted certificate."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.acm_certificate_arn))
    error_message = "acm_certificate_arn must be an ACM certificate ARN."
  }
}

variable "alb_ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  validation {
    condition     = startswith(var.alb_ssl_policy, "ELBSecurityPolicy-TLS13-") || startswith(var.alb_ssl_policy, "ELBSecurityPolicy-FS-1-2-") || startswith(var.alb_ssl_policy, "ELBSecurityPolicy-TLS-1-2-")
    error_message = "alb_ssl_policy must be a TLS 1.2+ policy (ELBSecurityPolicy-TLS13-*, -FS-1-2-* or -TLS-1-2-*)."
  }
}

variable "alb_ingress_cidr_blocks" {
  description = "IPv4 CIDR blocks allowed to reach the ALB. EventBridge calls API destinations from AWS's public address space, so the default is the whole internet; the webhook is authenticated by the API key."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "enable_http_redirect" {
  description = "Add a port-80 listener that only redirects to HTTPS (for people and tools; EventBridge never follows redirects)."
  type        = bool
  default     = true
}

variable "alb_deletion_protection" {
  description = "Deletion protection of the ALB. Turn off before `terraform destroy`."
  type        = bool
  default     = true
}

variable "alb_access_logs_bucket" {
  description = "S3 bucket for ALB access logs (its policy must allow the regional ELB account to write). Null disables access logs."
  type        = string
  default     = null
}

variable "alb_access_logs_prefix" {
  description = "Key prefix of the ALB access logs."
  type        = string
  default     = "ecs-mesh-controller"
}

variable "waf_web_acl_arn" {
  description = "Regional WAFv2 web ACL to associate with the ALB. Null associates none."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------------
# EventBridge delivery
# ---------------------------------------------------------------------------------------------------

variable "invocation_rate_limit_per_second" {
  description = "Maximum requests per second EventBridge sends to the webhook (API destination InvocationRateLimitPerSecond). Events above it are queued and retried, within the retry policy's age limit."
  type        = number
  default     = 300

  validation {
    condition     = var.invocation_rate_limit_per_second >= 1 && floor(var.invocation_rate_limit_per_second) == var.invocation_rate_limit_per_second
    error_message = "invocation_rate_limit_per_second must be a whole number >= 1."
  }
}

variable "event_maximum_age_in_seconds" {
  description = "How long EventBridge keeps retrying an undelivered event (retry policy MaximumEventAgeInSeconds)."
  type        = number
  default     = 86400

  validation {
    condition     = var.event_maximum_age_in_seconds >= 60 && var.event_maximum_age_in_seconds <= 86400
    error_message = "event_maximum_age_in_seconds must be between 60 and 86400."
  }
}

variable "event_maximum_retry_attempts" {
  description = "How many times EventBridge retries an event answered with 429/5xx or not answered within 5 s (retry policy MaximumRetryAttempts)."
  type        = number
  default     = 185

  validation {
    condition     = var.event_maximum_retry_attempts >= 0 && var.event_maximum_retry_attempts <= 185
    error_message = "event_maximum_retry_attempts must be between 0 and 185."
  }
}

variable "dlq_message_retention_seconds" {
  description = "How long undeliverable events stay in the dead-letter queue."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be between 60 and 1209600 (14 days)."
  }
}

# ---------------------------------------------------------------------------------------------------
# Journal back end
# ---------------------------------------------------------------------------------------------------

variable "journal_backend" {
  description = "Where the journal lives: \"sqlite\" (default; one task, SQLite on EFS) or \"postgres\" (several tasks on one PostgreSQL database, one elected leader; desired_count >= 2 allowed, rolling deploys keep every task healthy)."
  type        = string
  default     = "sqlite"

  validation {
    condition     = contains(["sqlite", "postgres"], var.journal_backend)
    error_message = "journal_backend must be \"sqlite\" or \"postgres\"."
  }
}

variable "postgres_url_secret_arn" {
  description = "With journal_backend = \"postgres\": full ARN of a Secrets Manager secret holding the libpq-style URL of an existing database (postgres://user:password@host:5432/db?sslmode=verify-full...), injected as MESH_JOURNAL_POSTGRES_URL. Null: the module creates an Aurora PostgreSQL Serverless v2 cluster."
  type        = string
  default     = null

  validation {
    condition     = var.postgres_url_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+-[A-Za-z0-9]{6}$", var.postgres_url_secret_arn))
    error_message = "postgres_url_secret_arn must be the full secret ARN, including the 6-character suffix Secrets Manager appends."
  }
}

variable "postgres_url_secret_json_key" {
  description = "If the secret of postgres_url_secret_arn is a JSON document, the key that holds the URL. Null injects the whole secret string."
  type        = string
  default     = null
}

variable "postgres_egress_cidr_blocks" {
  description = "With postgres_url_secret_arn: CIDR blocks of the existing database; the task may reach them on postgres_port."
  type        = list(string)
  default     = []
}

variable "postgres_security_group_id" {
  description = "With postgres_url_secret_arn: security group of the existing database; the task may reach it on postgres_port (add the matching ingress rule on the database's side). Null adds no rule."
  type        = string
  default     = null
}

variable "postgres_port" {
  description = "Port of the existing database (postgres_url_secret_arn), for the task's egress rules. The created Aurora cluster always listens on 5432."
  type        = number
  default     = 5432

  validation {
    condition     = var.postgres_port >= 1 && var.postgres_port <= 65535
    error_message = "postgres_port must be between 1 and 65535."
  }
}

variable "postgres_ca_cert_path" {
  description = "Path, inside the container, of a PEM bundle of the database's certificate authorities (for Aurora: Amazon RDS's global-bundle.pem, added to the image). Set: the created cluster's URL verifies the server (sslmode=verify-full). Null: TLS without verification (sslmode=require; the cluster refuses plain text)."
  type        = string
  default     = null
}

variable "postgres_engine_version" {
  description = "Aurora PostgreSQL engine version of the created cluster (major 15 or later)."
  type        = string
  default     = "15.8"

  validation {
    condition     = can(regex("^1[5-9]\\.[0-9]+$", var.postgres_engine_version))
    error_message = "postgres_engine_version must be an Aurora PostgreSQL version such as 15.8 (major 15 or later)."
  }
}

variable "postgres_min_capacity" {
  description = "Minimum Aurora Serverless v2 capacity (ACUs) of the created cluster."
  type        = number
  default     = 0.5

  validation {
    condition     = var.postgres_min_capacity >= 0.5 && var.postgres_min_capacity <= 256
    error_message = "postgres_min_capacity must be between 0.5 and 256."
  }
}

variable "postgres_max_capacity" {
  description = "Maximum Aurora Serverless v2 capacity (ACUs) of the created cluster."
  type        = number
  default     = 4

  validation {
    condition     = var.postgres_max_capacity >= 1 && var.postgres_max_capacity <= 256
    error_message = "postgres_max_capacity must be between 1 and 256."
  }
}

variable "postgres_instance_count" {
  description = "Instances of the created cluster: one writer, the others readers in other Availability Zones that Aurora promotes when the writer fails."
  type        = number
  default     = 2

  validation {
    condition     = var.postgres_instance_count >= 1 && var.postgres_instance_count <= 15 && floor(var.postgres_instance_count) == var.postgres_instance_count
    error_message = "postgres_instance_count must be a whole number from 1 to 15."
  }
}

variable "postgres_backup_retention_days" {
  description = "Days of continuous backups (point-in-time restore) of the created cluster."
  type        = number
  default     = 7

  validation {
    condition     = var.postgres_backup_retention_days >= 1 && var.postgres_backup_retention_days <= 35
    error_message = "postgres_backup_retention_days must be between 1 and 35."
  }
}

variable "postgres_deletion_protection" {
  description = "Deletion protection of the created cluster. Turn off before `terraform destroy` (a final snapshot is kept)."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------------------------------
# Journal storage (EFS, journal_backend = "sqlite")
# ---------------------------------------------------------------------------------------------------

variable "efs_throughput_mode" {
  description = "Throughput mode of the journal file system."
  type        = string
  default     = "elastic"

  validation {
    condition     = contains(["bursting", "elastic"], var.efs_throughput_mode)
    error_message = "efs_throughput_mode must be bursting or elastic."
  }
}

variable "efs_backup_enabled" {
  description = "Turn on AWS Backup's daily backups of the journal file system (the journal can be rebuilt by resync, but a backup keeps its history)."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------------------------------
# IAM and alarms
# ---------------------------------------------------------------------------------------------------

variable "iam_role_path" {
  description = "Path of the IAM roles the module creates."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([\\x21-\\x7e]*/)?$", var.iam_role_path))
    error_message = "iam_role_path must start and end with '/'."
  }
}

variable "iam_permissions_boundary_arn" {
  description = "Permissions boundary attached to every IAM role the module creates. Null attaches none."
  type        = string
  default     = null
}

variable "alarm_actions" {
  description = "ARNs (e.g. SNS topics) notified when an undeliverable event lands in the dead-letter queue, or when the controller has no healthy target."
  type        = list(string)
  default     = []
}
