"""One engine for every outbound message (merchant webhooks, on-call notifications): leasing due work
fairly, one attempt under a total deadline, the outcome recorded, backoff with jitter, give-up."""
