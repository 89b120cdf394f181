-- wrk script (Debian's wrk 4.1, LuaJIT): sends each prepared notification once, then stops.
-- Arguments after "--": <prepared file> <threads> <output prefix> [pause ms between a connection's requests]
-- The prepared file has one line per notification: operationId TAB bearer token TAB notification JSON
-- (POST /sandbox/load/prepare on the simulator). Thread k sends lines k, k+threads, k+2*threads, ...
-- Each answer is written to <output prefix>-<k>.tsv as: operationId TAB status TAB epoch millis of the answer,
-- so the harness can measure from the webhook's 200 to what happens next.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } bench_timeval;
  int gettimeofday(bench_timeval *tv, void *tz);
]]
local tv = ffi.new("bench_timeval")
local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end

local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local threads = tonumber(args[2])
  lines = {}
  local i = 0
  for line in io.lines(args[1]) do
    if i % threads == id then
      lines[#lines + 1] = line
    end
    i = i + 1
  end
  nextLine = 1
  answered = 0
  lastAnswer = now_ms()
  finished = false
  -- wrk calls request() once per thread before the run and discards what it returns: that call must not take a line.
  firstCall = true
  pending = {}
  pause = tonumber(args[4] or "0")
  out = io.open(args[3] .. "-" .. id .. ".tsv", "w")
  out:write("start\t0\t" .. string.format("%.3f", now_ms()) .. "\n")
end

function delay()
  return pause
end

function request()
  if firstCall then
    firstCall = false
    return wrk.format("GET", "/actuator/health/readiness")
  end
  if nextLine > #lines then
    -- Every notification is out: cheap requests keep the connection busy until the last answer is in, or until no
    -- answer came for 3 s (a request wrk lost; the harness sends what was not answered again, as Microsoft would).
    if answered >= #lines or now_ms() - lastAnswer > 3000 then
      finish()
    end
    return wrk.format("GET", "/actuator/health/readiness")
  end
  local operationId, token, body = lines[nextLine]:match("^([^\t]*)\t([^\t]*)\t(.*)$")
  nextLine = nextLine + 1
  pending[#pending + 1] = operationId
  return wrk.format("POST", nil, { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if finished or #pending == 0 or answered >= #lines or (body and body:match('^{"status":"UP"')) then
    return
  end
  -- Answers on a connection come in the order of its requests; the bridge's answer names the operation.
  local operationId = body and body:match('"operationId"%s*:%s*"([^"]+)"') or table.remove(pending, 1)
  if body and body:match('"operationId"') then
    for i, pendingId in ipairs(pending) do
      if pendingId == operationId then
        table.remove(pending, i)
        break
      end
    end
  end
  answered = answered + 1
  lastAnswer = now_ms()
  out:write(operationId .. "\t" .. status .. "\t" .. string.format("%.3f", lastAnswer) .. "\n")
  if answered >= #lines then
    finish()
  end
end

function finish()
  if not finished then
    finished = true
    -- The harness ends wrk once every thread wrote this (wrk itself would run for its whole -d).
    out:write("done\t0\t0\n")
    out:flush()
    out:close()
    wrk.thread:stop()
  end
end
