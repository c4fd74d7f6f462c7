-- wrk script: POSTs prepared requests, each once. Run: wrk -t T -c C -d D -s wrk.lua URL -- FILE T
-- FILE: one request per line, "path<TAB>Name: value<US>Name: value...<TAB>body". Thread k of T sends
-- lines k, k+T, k+2T... so no request is sent twice; a thread that runs out stops.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file, total = args[1], tonumber(args[2])
  prepared = {}
  local i = 0
  for line in io.lines(file) do
    if i % total == index then
      local path, header_text, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      for pair in header_text:gmatch("[^\31]+") do
        local name, value = pair:match("^([^:]+): (.*)$")
        headers[name] = value
      end
      prepared[#prepared + 1] = wrk.format("POST", path, headers, body)
    end
    i = i + 1
  end
  position = 0
  exhausted = 0
end

function request()
  position = position + 1
  if position > #prepared then
    exhausted = 1
    wrk.thread:stop()
    return prepared[#prepared]
  end
  return prepared[position]
end

function done(summary, latency, requests)
  local ran_out = 0
  for _, thread in ipairs(threads) do
    ran_out = ran_out + (thread:get("exhausted") or 0)
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d, "ran_out": %d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), ran_out))
end
