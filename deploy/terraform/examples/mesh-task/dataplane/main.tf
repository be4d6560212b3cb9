# Container definitions of a consul-dataplane sidecar (Envoy) for one ECS task, fed the service's
# Consul token from Secrets Manager (the token ecs-mesh-controller writes into "<prefix>-<service>").
#
# consul-dataplane needs the ID of the proxy the controller registered for this very task
# ("<service>-<taskId>-sidecar-proxy", or "<gateway>-<taskId>" for a gateway) and the node it is on
# (the cluster ARN). The task ID is known only at run time, so a small init container reads it from
# the task metadata endpoint and writes consul-dataplane's configuration file into a volume the two
# containers share; the token itself never touches the file (it is passed as
# DP_CREDENTIAL_STATIC_TOKEN by ECS). The same init container carries the task's
# CONSUL_ECS_CONFIG_JSON, where the controller reads it.
#
# consul-dataplane talks to Consul servers >= 1.14 over gRPC (docs/consul-ecs-compat.md).

locals {
  config_path = "${var.volume_path}/consul-dataplane.json"
  # Writes {"consul": {...}, "proxy": {"nodeName": <cluster>, "id": <proxy id>}} from the metadata.
  # "$$" is a literal "$" for the shell.
  write_config = join(" ", [
    "set -eu;",
    "task_arn=$(wget -qO- \"$ECS_CONTAINER_METADATA_URI_V4/task\" | sed -n 's/.*\"TaskARN\":\"\\([^\"]*\\)\".*/\\1/p');",
    "task_id=$${task_arn##*/};",
    "printf '{\"consul\":{\"addresses\":\"%s\",\"grpcPort\":%s,\"serverWatchDisabled\":false},\"proxy\":{\"nodeName\":\"%s\",\"id\":\"%s\"}}' \"$CONSUL_GRPC_HOST\" \"$CONSUL_GRPC_PORT\" \"$CLUSTER_ARN\" \"$SERVICE_NAME-$task_id$PROXY_ID_SUFFIX\" > ${local.config_path}",
  ])
}

output "container_definitions" {
  description = "The init container and the consul-dataplane container, to concatenate with the task's own."
  value = [
    {
      name                   = "consul-ecs-mesh-init"
      image                  = var.init_image
      essential              = false
      readonlyRootFilesystem = true
      user                   = "5995"
      command                = ["sh", "-c", local.write_config]
      mountPoints            = [{ sourceVolume = var.volume_name, containerPath = var.volume_path, readOnly = false }]
      environment = [
        { name = "CONSUL_ECS_CONFIG_JSON", value = var.consul_ecs_config_json },
        { name = "CONSUL_GRPC_HOST", value = var.consul_grpc_host },
        { name = "CONSUL_GRPC_PORT", value = tostring(var.consul_grpc_port) },
        { name = "CLUSTER_ARN", value = var.ecs_cluster_arn },
        { name = "SERVICE_NAME", value = var.service_name },
        { name = "PROXY_ID_SUFFIX", value = var.gateway ? "" : "-sidecar-proxy" },
      ]
      logConfiguration = var.log_configuration
    },
    {
      name                   = "consul-dataplane"
      image                  = var.dataplane_image
      essential              = true
      readonlyRootFilesystem = false # Envoy writes its bootstrap file
      user                   = "5995"
      command                = ["-config-file", local.config_path, "-credential-type", "static"]
      portMappings           = [for port in var.listener_ports : { containerPort = port, protocol = "tcp" }]
      mountPoints            = [{ sourceVolume = var.volume_name, containerPath = var.volume_path, readOnly = true }]
      dependsOn              = [{ containerName = "consul-ecs-mesh-init", condition = "SUCCESS" }]
      secrets = [
        # The "token" field of the service's secret, as the controller wrote it.
        { name = "DP_CREDENTIAL_STATIC_TOKEN", valueFrom = "${var.token_secret_arn}:token::" },
      ]
      ulimits          = [{ name = "nofile", softLimit = 1048576, hardLimit = 1048576 }]
      logConfiguration = var.log_configuration
    },
  ]
}
