-- wrk script for the benchmark's POSTs: one static JSON request, read from the environment
-- (WRK_BODY, and WRK_TOKEN for an Authorization: Bearer header when set).
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY") or "{}"
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("WRK_TOKEN")
if token ~= nil and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
