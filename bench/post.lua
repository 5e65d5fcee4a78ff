-- post.lua - the wrk script of bench/run: one POST per request, to the
-- target named by the first argument after wrk's "--", spread over N ids
-- (the second argument, default 1000) with varying values:
--   paced        POST /v1/projects/p{i}/updates  {"value": v}
--   pushgateway  POST /metrics/job/bench/instance/{i}  bench_value v
--   nginx        POST /204  {"value": v}  (a location that answers 204)
--   healthz      GET /healthz  (paced's cheapest answer: no body to read,
--                no storage; bench/ceiling)
-- It counts the answers by status and the requests it sent, so the caller
-- can check the database against the 201s. done() prints one line:
--   wrk-result requests=.. rps=.. p50_us=.. p99_us=.. sent=.. s201=.. ...

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   target = args[1] or "nginx"
   ids = tonumber(args[2] or "1000")
   statuses = {}
   sent = 0
   math.randomseed(os.time() * 100 + id)
end

-- Around the value a linear project of bench/run expects today, so the
-- load is updates that keep projects on track, not status changes.
local function value()
   return 500 + math.random(-20, 20) + math.random()
end

function request()
   local i = math.random(0, ids - 1)
   sent = sent + 1
   if target == "paced" then
      return wrk.format("POST", "/v1/projects/p" .. i .. "/updates",
                        {["Content-Type"] = "application/json"},
                        string.format('{"value": %.3f}', value()))
   elseif target == "healthz" then
      return wrk.format("GET", "/healthz")
   elseif target == "pushgateway" then
      return wrk.format("POST", "/metrics/job/bench/instance/" .. i,
                        {["Content-Type"] = "text/plain; version=0.0.4"},
                        string.format("bench_value %.3f\n", value()))
   end
   return wrk.format("POST", "/204",
                     {["Content-Type"] = "application/json"},
                     string.format('{"value": %.3f}', value()))
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local total, counts = 0, {}
   for _, t in ipairs(threads) do
      total = total + t:get("sent")
      for s, n in pairs(t:get("statuses")) do
         counts[s] = (counts[s] or 0) + n
      end
   end
   local e = summary.errors
   local line = string.format(
      "wrk-result requests=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d " ..
      "max_us=%d sent=%d connect_errors=%d read_errors=%d " ..
      "write_errors=%d timeouts=%d",
      summary.requests, summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, total, e.connect, e.read,
      e.write, e.timeout)
   for s, n in pairs(counts) do
      line = line .. string.format(" s%d=%d", s, n)
   end
   print(line)
end
