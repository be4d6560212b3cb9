-- wrk script: POST /v1/heartbeats for BENCH_TASKS tasks of BENCH_SERVICES services, as their
-- ecs-mesh-heartbeat sidecars would, each request with its service's token in X-Consul-Token.
-- BENCH_BATCH > 1 sends JSON arrays of that many heartbeats (tasks of one service).
-- Task i (0-based) is arn:aws:ecs:us-east-1:123456789012:task/bench/<i as 32 hex digits> of service
-- bench-svc-<i mod services, 3 digits>, whose token is 00000000-0000-4000-8000-<service, 12 digits>:
-- the same values deploy/local/bench-heartbeats.sh seeds into the journal and Secrets Manager.
--
-- BENCH_ONCE=1 sends every task's heartbeat once (the warm-up's first heartbeats): thread t of
-- BENCH_THREADS (2, wrk -t2) sends the requests t, t + BENCH_THREADS, ... and stops once all of
-- them are answered (wrk still runs for its -d).
--
--   BENCH_TASKS=10000 BENCH_SERVICES=100 BENCH_BATCH=1 wrk -t2 -c64 -d15s -s Tests/Benchmarks/heartbeats.lua http://127.0.0.1:PORT

local tasks = tonumber(os.getenv("BENCH_TASKS") or "10000")
local services = tonumber(os.getenv("BENCH_SERVICES") or "100")
local batch = tonumber(os.getenv("BENCH_BATCH") or "1")
local health = os.getenv("BENCH_HEALTH") or "HEALTHY"
local once = os.getenv("BENCH_ONCE") == "1"
local threads = tonumber(os.getenv("BENCH_THREADS") or "2")

local thread_counter = 0
function setup(thread)
  thread:set("thread_id", thread_counter)
  thread_counter = thread_counter + 1
end

local function heartbeat(task)
  return string.format('{"taskArn":"arn:aws:ecs:us-east-1:123456789012:task/bench/%032x","state":"RUNNING","containers":[{"name":"app","health":"%s"}]}', task, health)
end

function init(args)
  thread_id = thread_id or 0
  requests = {}
  local per_service = math.floor(tasks / services)
  local groups = math.max(1, math.floor(per_service / batch))
  for k = 0, services * groups - 1 do
    local service = k % services
    local group = math.floor(k / services)
    local parts = {}
    for m = 0, batch - 1 do
      parts[#parts + 1] = heartbeat(service + services * (group * batch + m))
    end
    local body = batch == 1 and parts[1] or ("[" .. table.concat(parts, ",") .. "]")
    local headers = {
      ["Content-Type"] = "application/json",
      ["X-Consul-Token"] = string.format("00000000-0000-4000-8000-%012d", service),
    }
    if not once or k % threads == thread_id then
      requests[#requests + 1] = wrk.format("POST", "/v1/heartbeats", headers, body)
    end
  end
  -- Threads start at different offsets so they do not send the same task at the same moment.
  counter = once and 0 or thread_id * 7919
  answered = 0
end

function request()
  counter = counter + 1
  if once then
    -- In order from the first; wrk may take one request before sending any (to check it), so
    -- the cycle goes on until this thread stops: every request is sent at least once.
    return requests[((counter - 1) % #requests) + 1]
  end
  return requests[(counter % #requests) + 1]
end

if once then  -- only then: a response() function makes wrk call Lua for every answer
  function response(status, headers, body)
    answered = answered + 1
    if answered >= #requests then wrk.thread:stop() end
  end
end
