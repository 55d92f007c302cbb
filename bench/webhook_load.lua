-- wrk script: POST pre-signed webhook bodies, each thread its own share, in turn.
-- Usage: wrk -t T -c C -d D -s webhook_load.lua URL -- BODIES_FILE T
-- BODIES_FILE has one "signature<TAB>body" line per request. A thread that runs
-- out of bodies starts over and counts it in "wrapped" (bodies then repeat).

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local path, total = args[1], tonumber(args[2])
  bodies, signatures, position, wrapped = {}, {}, 0, 0
  local index = 0
  for line in io.lines(path) do
    if index % total == id then
      local tab = line:find("\t", 1, true)
      table.insert(signatures, line:sub(1, tab - 1))
      table.insert(bodies, line:sub(tab + 1))
    end
    index = index + 1
  end
end

function request()
  position = position + 1
  if position > #bodies then
    position, wrapped = 1, wrapped + 1
  end
  local headers = {
    ["Content-Type"] = "application/json; charset=utf-8",
    ["X-Line-Signature"] = signatures[position],
    ["User-Agent"] = "LineBotWebhook/2.0",
  }
  return wrk.format("POST", nil, headers, bodies[position])
end

function done(summary, latency, requests)
  local wrapped_total = 0
  for _, thread in ipairs(threads) do
    wrapped_total = wrapped_total + (thread:get("wrapped") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"non_2xx":%d,' ..
    '"socket_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"wrapped":%d}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, wrapped_total))
end
