variable "region" {
  description = "AWS region of the cluster, the controller and the app."
  type        = string
}

variable "ecs_cluster_arn" {
  description = "ECS cluster that runs both the controller and the mesh app."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the cluster."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets (one per AZ) for the controller, the app and the journal's mount targets."
  type        = list(string)
}

variable "public_subnet_ids" {
  description = "Public subnets (two or more AZs) for the controller's ALB."
  type        = list(string)
}

variable "controller_image" {
  description = "Controller image: `docker build -f deploy/Dockerfile --target ecs-mesh-controller .`, pushed and pinned."
  type        = string
}

variable "heartbeat_image" {
  description = "Heartbeat sidecar image: `docker build -f deploy/Dockerfile --target ecs-mesh-heartbeat .`, pushed and pinned."
  type        = string
}

variable "app_image" {
  description = "The mesh application's image. It must answer GET /health on port 8080 (the container health check below)."
  type        = string
}

variable "consul_http_addr" {
  description = "Consul HTTP(S) API address, e.g. https://consul.internal:8501."
  type        = string
}

variable "consul_token_secret_arn" {
  description = "Full ARN of the secret with the controller's Consul token (acl:write, node:write)."
  type        = string
}

variable "consul_egress_cidr_blocks" {
  description = "CIDR blocks of the Consul servers."
  type        = list(string)
  default     = []
}

variable "domain_name" {
  description = "Public DNS name of the controller's webhook, e.g. mesh-events.example.com."
  type        = string
}

variable "route53_zone_id" {
  description = "Hosted zone for domain_name's alias record (null: create the record yourself)."
  type        = string
  default     = null
}

variable "acm_certificate_arn" {
  description = "ACM certificate covering domain_name."
  type        = string
}

variable "consul_grpc_host" {
  description = "Consul servers' address for consul-dataplane (gRPC), e.g. consul.internal."
  type        = string
}

variable "consul_grpc_port" {
  description = "Consul servers' gRPC port (8502 plain, 8503 TLS)."
  type        = number
  default     = 8502
}

variable "consul_dataplane_image" {
  description = "consul-dataplane image; it needs Consul servers >= 1.14."
  type        = string
  default     = "hashicorp/consul-dataplane:1.6.1"
}

variable "mesh_cidr_blocks" {
  description = "CIDR blocks of the mesh tasks (sidecar-to-sidecar mTLS on port 20000, gateway LAN port)."
  type        = list(string)
}

variable "gateway_wan_address" {
  description = "Public address of the mesh gateway (e.g. an NLB's or an Elastic IP), registered as its WAN address."
  type        = string
}

variable "gateway_wan_cidr_blocks" {
  description = "Peer datacenters' gateways allowed to reach the mesh gateway's WAN port."
  type        = list(string)
  default     = []
}
