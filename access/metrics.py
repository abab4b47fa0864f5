from prometheus_client import Counter

LOGIN_FAILURES = Counter("payproc_admin_login_failures_total", "Failed back-office logins")
LOCKOUTS = Counter("payproc_admin_lockouts_total", "Back-office accounts locked out")
DISTRIBUTED_ATTACKS = Counter(
    "payproc_admin_distributed_login_attacks_total",
    "Back-office accounts whose failed logins came from ADMIN_DISTRIBUTED_ATTACK_ADDRESSES addresses or more",
)
