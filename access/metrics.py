from prometheus_client import Counter

LOGIN_FAILURES = Counter("payproc_admin_login_failures_total", "Failed back-office logins")
LOCKOUTS = Counter("payproc_admin_lockouts_total", "Back-office account/address pairs locked out")
