-- wrk script of `bench/run bff` (bench/bff.sh): GET /v1/devices/{id}{suffix} for ids drawn
-- uniformly at random from the N registered devices, authenticated with an API key.
-- Environment (set by bench/bff.sh):
--   BFF_KEY       the API key secret ("fk_<id>_<secret>"), sent as "Authorization: Bearer ..."
--   BFF_DEVICES   N: ids dev-000000 .. dev-<N-1> (6 digits)
--   BFF_SUFFIX    appended to the path: "" (GET device) or ":overview"
--   BFF_DELAY_MS  0 = closed loop (each connection sends its next request as soon as the answer
--                 came); > 0 = paced: each connection waits an exponentially distributed pause of
--                 this mean before each request, so C connections offer about C / (pause + latency)
--                 requests per second, a nearly fixed rate when latency << pause. wrk measures
--                 latency from the write of the request, so the pause is not counted.
-- done() prints one line "WRKJSON {...}" with the totals and latency percentiles (microseconds).
-- Status codes are not counted here (a response() callback would make wrk parse every body and
-- cost client CPU on the shared cores); bench/bff.sh reads them from the BFF's
-- bff_http_requests_total instead. wrk's own "Non-2xx" count is in summary.errors.status.

local key = os.getenv("BFF_KEY") or ""
local devices = tonumber(os.getenv("BFF_DEVICES") or "0") or 0
local suffix = os.getenv("BFF_SUFFIX") or ""
local delay_ms = tonumber(os.getenv("BFF_DELAY_MS") or "0") or 0
local headers = { ["Authorization"] = "Bearer " .. key }

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter * 7919 + os.time())
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(seed or os.time())
  if key == "" or devices < 1 then
    io.stderr:write("bff.lua: BFF_KEY and BFF_DEVICES must be set\n")
    os.exit(2)
  end
end

function request()
  local path = string.format("/v1/devices/dev-%06d%s", math.random(0, devices - 1), suffix)
  return wrk.format("GET", path, headers)
end

if delay_ms > 0 then
  function delay()
    -- Exponential pause (mean delay_ms), capped at 10x the mean.
    local d = -delay_ms * math.log(1 - math.random())
    if d > 10 * delay_ms then d = 10 * delay_ms end
    return math.floor(d + 0.5)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"duration_us":%d,"requests":%d,"bytes":%d,"err_connect":%d,"err_read":%d,' ..
    '"err_write":%d,"err_status":%d,"err_timeout":%d,"lat_mean_us":%.1f,"lat_stdev_us":%.1f,' ..
    '"lat_max_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d}\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
end
