-- wrk script: POST one realistic ECS Task State Change event (~1.5 KB, the sample in
-- shared/reference/samples/ecs-task-running.json without its optional fields) to /v1/events,
-- as an EventBridge API destination would: JSON body, API-key header (`x-api-key`, value from
-- the BENCH_API_KEY environment variable, default "bench-key").
--
--   wrk -t2 -c128 -d5s -s Tests/Benchmarks/post.lua http://127.0.0.1:PORT
--
-- Every request is a distinct event: each wrk thread numbers its requests; three consecutive
-- requests share a task (versions 1, 2, 3) and every request has its own event id, so a
-- journaling server sees new events rather than duplicates.

local template = [==[{"version":"0","id":"%s","detail-type":"ECS Task State Change","source":"aws.ecs","account":"111122223333","time":"2026-03-14T09:26:53Z","region":"us-east-1","resources":["arn:aws:ecs:us-east-1:111122223333:task/apps/%s"],"detail":{"attachments":[{"id":"a1f4c2d8-3b6e-4f7a-9c1d-2e5b8f0a3c6d","type":"eni","status":"ATTACHED","details":[{"name":"subnetId","value":"subnet-0aeeeea40ba9b0406"},{"name":"networkInterfaceId","value":"eni-067c2d19a5fe6ecf3"},{"name":"privateIPv4Address","value":"10.0.215.105"}]}],"availabilityZone":"us-east-1a","clusterArn":"arn:aws:ecs:us-east-1:111122223333:cluster/apps","connectivity":"CONNECTED","containers":[{"containerArn":"arn:aws:ecs:us-east-1:111122223333:container/apps/%s/faced4af-762e-4b2f-97a6-f4e4816aceaa","lastStatus":"RUNNING","name":"web","image":"111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2","taskArn":"arn:aws:ecs:us-east-1:111122223333:task/apps/%s","networkInterfaces":[{"attachmentId":"a1f4c2d8-3b6e-4f7a-9c1d-2e5b8f0a3c6d","privateIpv4Address":"10.0.215.105"}]}],"cpu":"256","createdAt":"2026-03-14T09:26:24.98Z","desiredStatus":"RUNNING","group":"service:web","launchType":"FARGATE","lastStatus":"RUNNING","memory":"512","startedAt":"2026-03-14T09:26:53.52Z","startedBy":"ecs-svc/8646900195280463695","taskArn":"arn:aws:ecs:us-east-1:111122223333:task/apps/%s","taskDefinitionArn":"arn:aws:ecs:us-east-1:111122223333:task-definition/web:10","updatedAt":"2026-03-14T09:26:53.52Z","version":%d}}]==]

local thread_counter = 0

function setup(thread)
  thread:set("thread_id", thread_counter)
  thread_counter = thread_counter + 1
end

function init(args)
  thread_id = thread_id or 0
  counter = 0
  headers = {
    ["Content-Type"] = "application/json",
    ["x-api-key"] = os.getenv("BENCH_API_KEY") or "bench-key",
  }
end

function request()
  counter = counter + 1
  local task_number = math.floor((counter - 1) / 3)
  local version = (counter - 1) % 3 + 1
  local task_id = string.format("%08x%024x", thread_id, task_number)
  local event_id = string.format("%08x-0000-4000-8000-%012x", thread_id, counter)
  local body = string.format(template, event_id, task_id, task_id, task_id, task_id, version)
  return wrk.format("POST", "/v1/events", headers, body)
end
