-- wrk: POST /transaction with a fresh Idempotency-Key per request; prints one RESULT line.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("KEY") or "none")
wrk.body = '{"amount": "49.99", "currency": "USD", "card_number": "4242424242424242", "expiry_month": 12, ' ..
  '"expiry_year": 2034, "cvv": "123", "merchant_reference": "order-1", ' ..
  '"customer": {"email": "jane@example.com", "ip": "203.0.113.7", "country": "US"}}'
local counter = 0
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
request = function()
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = string.format("bench-%s-%d-%d-%d", tostring(wrk.thread:get("tid")),
    math.random(1, 1e9), counter, os.time())
  return wrk.format(nil, "/transaction")
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50=%.1fms p95=%.1fms p99=%.1fms errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, summary.errors.status))
end
