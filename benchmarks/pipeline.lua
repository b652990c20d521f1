-- HTTP/1.1 pipelining for wrk, as in TechEmpower's pipeline.lua: every write
-- carries `depth` requests back to back (default 16).
--   wrk ... -s pipeline.lua http://127.0.0.1:PORT/plaintext -- 16
-- wrk counts each response, so Requests/sec is requests; its latency is per batch.
init = function(args)
   local depth = tonumber(args[1]) or 16
   local r = {}
   for i = 1, depth do
      r[i] = wrk.format()
   end
   req = table.concat(r)
end

request = function()
   return req
end
