-- soak.sh's HTTP load for wrk: every response is checked, not only counted.
--
--   wrk -t1 -c16 -d300s --timeout 10s -s benchmarks/soak_mix.lua http://127.0.0.1:PORT -- fast|close|slow
--
-- fast:  keep-alive, in turn: GET /plaintext, GET /json, GET /stream (chunked),
--        POST /echo with a 1 KiB body, POST /echo with a 64 KiB body
-- close: the same requests, each with "Connection: close" (a new TCP connection each)
-- slow:  keep-alive GET /sse (five events, 200 ms apart) and GET /poll (answered after 1 s)
--
-- A response counts as bad unless it is a 200 whose body is one of the bodies these
-- routes give (the echo of one of the two POST bodies included). Responses on one wrk
-- thread come back in any order across its connections, so a body is checked against
-- the set, not against the request it answers. done() prints one line:
--   mix MODE checked=N bad=B [first=...]

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function text_body(n, salt)  -- n bytes of printable text
  local unit = "The quick brown fox jumps over the lazy dog " .. salt .. " 0123456789\n"
  return string.rep(unit, math.ceil(n / #unit)):sub(1, n)
end

local function sse_body()
  local parts = {}
  for n = 1, 5 do
    parts[n] = "event: tick\nid: " .. n .. "\ndata: tick " .. n .. "\n\n"
  end
  return table.concat(parts)
end

local requests, expected = {}, {}
checked, bad, first = 0, 0, ""

function init(args)
  local mode = args[1] or "fast"
  local base = {Host = wrk.host .. ":" .. wrk.port}
  local function get(path)
    local h = {}
    for k, v in pairs(base) do h[k] = v end
    if mode == "close" then h["Connection"] = "close" end
    return h
  end
  local function add(method, path, body, answer)
    local h = get(path)
    if body then h["Content-Type"] = "text/plain" end
    table.insert(requests, wrk.format(method, path, h, body))
    expected[answer] = true
  end
  if mode == "slow" then
    add("GET", "/sse", nil, sse_body())
    add("GET", "/poll", nil, "polled\n")
  elseif mode == "fast" or mode == "close" then
    local small, big = text_body(1024, "small"), text_body(65536, "big")
    add("GET", "/plaintext", nil, "Hello, World!")
    add("GET", "/json", nil, '{"message":"Hello, World!"}')
    add("GET", "/stream", nil, "chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n")
    add("POST", "/echo", small, small)
    add("POST", "/echo", big, big)
  else
    error("soak_mix.lua: mode must be fast, close or slow, not " .. mode)
  end
  mix_mode = mode
end

local next_request = 0

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end

function response(status, headers, body)
  checked = checked + 1
  if status ~= 200 or not expected[body] then
    bad = bad + 1
    if first == "" then
      first = "status " .. status .. ", " .. #body .. "-byte body starting " .. string.format("%q", body:sub(1, 40))
    end
  end
end

function done(summary, latency, reqs)
  local c, b, f, mode = 0, 0, "", "?"
  for _, t in ipairs(threads) do
    c = c + t:get("checked")
    b = b + t:get("bad")
    if f == "" then f = t:get("first") end
    mode = t:get("mix_mode")
  end
  io.write(string.format("mix %s checked=%d bad=%d%s\n", mode, c, b, f ~= "" and (" first=" .. f) or ""))
end
