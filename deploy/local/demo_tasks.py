#!/usr/bin/env python3
"""Starts a few mesh tasks in the local moto server and writes the EventBridge events ECS would send.

The controller reads a task's tags with DescribeTasks before it registers it, so the sample events
alone (deploy/local/samples/, whose tasks exist nowhere) can show ingest but never a registration.
This script makes the tasks real in moto first: cluster `apps` (the one deploy/local/controller.yaml
allows), one task definition per service, RUNNING tasks tagged `consul.hashicorp.com/mesh=true` (and
one `batch` task tagged `consul.hashicorp.com/mesh=false`, which stays outside the mesh), and
then one "ECS Task State Change" event per task and status (PENDING, RUNNING), shaped as in
deploy/local/samples/.

Usage: demo_tasks.py OUT_DIR   (reads AWS_ENDPOINT_URL and AWS_REGION; prints the file names)
Idempotent enough for repeated `run.sh start`: a second run adds tasks, it never fails on the cluster.
"""
import datetime
import json
import os
import sys
import uuid

import boto3

SERVICES = [
    # family, container port, number of tasks, extra tags
    ("web", 8080, 2, {"consul.hashicorp.com/upstreams": "api:9090"}),
    ("api", 9090, 1, {}),
    # outside the mesh by its tag: `ecs-mesh-controller explain` names the tag
    ("batch", 7000, 1, {"consul.hashicorp.com/mesh": "false"}),
]


def client(name):
    return boto3.client(
        name,
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:15000"),
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
    )


def network(ec2):
    """moto's RunTask with awsvpc needs a subnet and security group, as the real API does."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/18")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(
        GroupName=f"mesh-demo-{uuid.uuid4().hex[:8]}", Description="mesh demo", VpcId=vpc
    )["GroupId"]
    return subnet, group


def event(task, family, version, last_status):
    """One event as EventBridge delivers it (see reference/aws-contracts.md §1)."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    ip = next(d["value"] for a in task.get("attachments", []) for d in a.get("details", [])
              if d["name"] == "privateIPv4Address")
    detail = {
        "taskArn": task["taskArn"],
        "clusterArn": task["clusterArn"],
        "taskDefinitionArn": task["taskDefinitionArn"],
        "lastStatus": last_status,
        "desiredStatus": "RUNNING",
        "version": version,
        "group": f"family:{family}",
        "launchType": "FARGATE",
        "attachments": [{"id": str(uuid.uuid4()), "type": "eni", "status": "ATTACHED",
                         "details": [{"name": "privateIPv4Address", "value": ip}]}],
        "containers": [{"name": "app", "lastStatus": last_status, "taskArn": task["taskArn"]}],
        "createdAt": now,
        "updatedAt": now,
    }
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "ECS Task State Change",
        "source": "aws.ecs", "account": "123456789012", "time": now,
        "region": os.environ.get("AWS_REGION", "us-east-1"), "resources": [task["taskArn"]],
        "detail": detail,
    }


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    ec2, ecs = client("ec2"), client("ecs")
    subnet, group = network(ec2)
    cluster = ecs.create_cluster(clusterName="apps")["cluster"]["clusterArn"]
    written = []
    for family, port, count, tags in SERVICES:
        definition = ecs.register_task_definition(
            family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
            cpu="256", memory="512",
            containerDefinitions=[{"name": "app", "image": f"{family}:1", "memory": 128, "essential": True,
                                   "portMappings": [{"containerPort": port, "protocol": "tcp"}]}],
        )["taskDefinition"]["taskDefinitionArn"]
        all_tags = {"consul.hashicorp.com/mesh": "true", **tags}
        tasks = ecs.run_task(
            cluster=cluster, taskDefinition=definition, count=count, launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
            tags=[{"key": k, "value": v} for k, v in all_tags.items()],
        )["tasks"]
        for task in tasks:
            task_id = task["taskArn"].rsplit("/", 1)[-1]
            for version, status in ((1, "PENDING"), (2, "RUNNING")):
                path = os.path.join(out_dir, f"{family}-{task_id[:8]}-{version}-{status.lower()}.json")
                with open(path, "w") as f:
                    json.dump(event(task, family, version, status), f, indent=2)
                written.append(path)
    print("\n".join(sorted(written, key=lambda p: (p.rsplit("-", 2)[-2], p))))


if __name__ == "__main__":
    main()
