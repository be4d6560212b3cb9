variable "service_name" {
  description = "Consul service (or gateway) name: the first part of the proxy ID the controller registers."
  type        = string
}

variable "gateway" {
  description = "Whether the task is a gateway (its proxy ID is \"<name>-<taskId>\", with no sidecar suffix)."
  type        = bool
  default     = false
}

variable "ecs_cluster_arn" {
  description = "Cluster ARN: the name of the synthetic Consul node the controller registers the task on."
  type        = string
}

variable "consul_grpc_host" {
  description = "Consul servers' address for consul-dataplane (DNS name, IP, or \"exec=<command>\")."
  type        = string
}

variable "consul_grpc_port" {
  description = "Consul servers' gRPC port (8502 plain, 8503 TLS)."
  type        = number
  default     = 8502
}

variable "token_secret_arn" {
  description = "ARN of the Secrets Manager secret the controller fills with the service's token IDs."
  type        = string
}

variable "consul_ecs_config_json" {
  description = "The task's CONSUL_ECS_CONFIG_JSON (jsonencode of a consul-ecs config), read by the controller."
  type        = string
}

variable "dataplane_image" {
  description = "consul-dataplane image (Consul >= 1.14)."
  type        = string
  default     = "hashicorp/consul-dataplane:1.6.1"
}

variable "init_image" {
  description = "Small image with sh, wget and sed for the init container."
  type        = string
  default     = "public.ecr.aws/docker/library/busybox:1.36"
}

variable "listener_ports" {
  description = "Ports Envoy listens on (the sidecar's public listener, or a gateway's LAN port)."
  type        = list(number)
}

variable "volume_name" {
  description = "Name of the task volume the two containers share."
  type        = string
}

variable "volume_path" {
  description = "Where the shared volume is mounted in both containers."
  type        = string
}

variable "log_configuration" {
  description = "logConfiguration of both containers."
  type        = any
}
