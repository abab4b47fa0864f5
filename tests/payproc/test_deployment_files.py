"""docker-compose.yml cannot run here (no Docker engine): check that it names only things the repo has."""

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _entrypoint_roles() -> set[str]:
    script = (ROOT / "docker" / "entrypoint.sh").read_text()
    return set(re.findall(r"^  ([a-z]+)\)", script, flags=re.MULTILINE))  # the case labels


def test_every_app_service_uses_a_role_the_entrypoint_knows():
    services = _compose()["services"]
    app_services = {name: s for name, s in services.items() if s.get("image") == "payproc:local"}

    assert {"migrate", "web", "relay", "consumer", "worker", "deliveries", "beat"} <= set(app_services)
    for name, service in app_services.items():
        assert service["command"][0] in _entrypoint_roles(), name
        assert (ROOT / service["build"]["dockerfile"]).is_file()


def test_entrypoint_roles_run_commands_that_exist():
    script = (ROOT / "docker" / "entrypoint.sh").read_text()
    commands = re.findall(r"manage\.py ([a-z_]+)", script)
    commands += [s["command"][1] for s in _compose()["services"].values() if s.get("command", [""])[0] == "manage"]
    for command in commands:
        if command == "migrate":
            continue
        assert list(ROOT.glob(f"*/management/commands/{command}.py")), command


def test_dependencies_refer_to_defined_services_and_kafka_is_kraft():
    services = _compose()["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
    kafka = services["kafka"]["environment"]
    assert "controller" in kafka["KAFKA_PROCESS_ROLES"]


def test_secrets_have_no_default_in_compose():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "${DJANGO_SECRET_KEY:?" in text and "${CARD_FINGERPRINT_KEY:?" in text


def _interpolated() -> dict:
    """The compose file as Docker would read it with no .env: defaults filled in, required ones set."""
    text = (ROOT / "docker-compose.yml").read_text()
    text = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", text)
    text = re.sub(r"\$\{[A-Z_]+:\?[^}]*\}", "set-by-the-operator", text)
    return yaml.safe_load(text.replace("$$", "$"))


def test_compose_file_is_valid_against_the_compose_specification():
    from importlib.resources import files

    import jsonschema

    schema = json.loads((files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text())
    compose = _interpolated()

    validator = jsonschema.validators.validator_for(schema)(schema)  # the draft the schema declares (2020-12)
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(map(str, e.absolute_path)))
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def test_every_file_compose_mounts_exists_in_the_repo():
    for name, service in _compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source == "./var/certs":  # made by `make dev-cert` or by the operator, never committed
                assert "dev-cert:" in (ROOT / "Makefile").read_text()
            elif source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


def test_operator_ports_match_the_readme_port_map():
    published = {
        int(port.split(":")[-2]): name
        for name, service in _compose()["services"].items()
        for port in service.get("ports", [])
    }
    assert published == {
        8080: "proxy",
        8443: "proxy",
        3000: "grafana",
        9090: "prometheus",
        16686: "jaeger",
        9093: "alertmanager",
    }


def test_prometheus_scrapes_every_process_on_the_port_it_serves():
    services = _compose()["services"]
    config = yaml.safe_load((ROOT / "config" / "prometheus.yml").read_text())
    targets = {
        target
        for job in config["scrape_configs"]
        for static in job.get("static_configs", [])
        for target in static["targets"]
    }
    for name in ("relay", "consumer", "worker", "deliveries", "analytics"):
        assert f"{name}:{services[name]['environment']['METRICS_PORT']}" in targets, name
    assert any(sd["names"] == ["web"] for job in config["scrape_configs"] for sd in job.get("dns_sd_configs", []))
    assert config["rule_files"] == ["/etc/prometheus/prometheus_rules.yml"]


def test_alertmanager_posts_to_payproc_receiver_with_the_bearer_token():
    from django.urls import resolve

    config = yaml.safe_load((ROOT / "config" / "alertmanager.yml").read_text())
    [receiver] = config["receivers"]
    [webhook] = receiver["webhook_configs"]
    assert webhook["url"].endswith("/alerts/alertmanager") and webhook["send_resolved"] is True
    assert resolve("/alerts/alertmanager").url_name == "alertmanager-webhook"
    assert webhook["http_config"]["authorization"]["credentials_file"] in " ".join(
        _compose()["services"]["alertmanager"]["entrypoint"]
    )
    assert config["route"]["group_by"] and config["route"]["repeat_interval"]


def test_long_running_services_have_health_checks_that_match_their_ports():
    services = _compose()["services"]
    for name in ("web", "relay", "consumer", "worker", "deliveries", "analytics", "proxy", "prometheus", "grafana"):
        assert "healthcheck" in services[name], name
    assert "healthcheck" in services["alertmanager"]
    for name in ("relay", "consumer", "worker", "deliveries", "analytics"):
        assert f":{services[name]['environment']['METRICS_PORT']}/metrics" in " ".join(
            services[name]["healthcheck"]["test"]
        )


def test_the_proxy_ends_tls_and_redirects_plain_http():
    conf = (ROOT / "config" / "nginx" / "nginx.conf").read_text()

    assert "listen 8443 ssl;" in conf
    assert "ssl_certificate /etc/nginx/certs/tls.crt;" in conf and "ssl_protocols TLSv1.2 TLSv1.3;" in conf
    assert "return 301 https://$host:8443$request_uri;" in conf
    assert "proxy_set_header X-Forwarded-Proto https;" in conf  # a client's own header never passes
    environment = _compose()["x-app"]["environment"]
    assert environment["SESSION_COOKIE_SECURE"] == "true" and environment["CSRF_COOKIE_SECURE"] == "true"
    assert environment["PUBLIC_BASE_URL"].startswith("${PUBLIC_BASE_URL:-https://")


def test_production_settings_pass_the_deploy_checks_and_trust_the_proxys_scheme():
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "payproc.settings.production",
        "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
        "CARD_FINGERPRINT_KEY": "k",
    }
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    shown = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings as s; "
         "print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert shown.stdout.split("\n")[0] == "('HTTP_X_FORWARDED_PROTO', 'https') 31536000 True True", shown.stderr


def _amtool(*args: str) -> str:
    import shutil
    import subprocess

    assert shutil.which("amtool"), "scripts/services.sh installs amtool (Debian's prometheus-alertmanager)"
    result = subprocess.run(["amtool", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_alertmanager_sends_critical_alerts_straight_to_telegram_too_when_a_chat_is_set(tmp_path):
    filled = tmp_path / "alertmanager.yml"
    template = (ROOT / "config" / "alertmanager-telegram.yml").read_text()
    filled.write_text(template.replace("__TELEGRAM_BOT_TOKEN__", "123:abc").replace("__TELEGRAM_CHAT_ID__", "-100123"))

    _amtool("check-config", str(ROOT / "config" / "alertmanager.yml"))
    _amtool("check-config", str(filled))
    route = ["config", "routes", "test", f"--config.file={filled}", "alertname=PayprocBeatDown"]
    assert _amtool(*route, "severity=critical").split() == ["payproc,telegram-direct"]
    assert _amtool(*route, "severity=warning").split() == ["payproc"]
    # The container's command picks the Telegram file only when a chat id is given, and fills it in.
    command = _compose()["services"]["alertmanager"]["entrypoint"][-1].replace("$$", "$")
    assert 'if [ -n "$ALERTMANAGER_TELEGRAM_CHAT_ID" ]' in command and "alertmanager-telegram.yml" in command
    assert "s|__TELEGRAM_CHAT_ID__|$ALERTMANAGER_TELEGRAM_CHAT_ID|" in command


LONG_RUNNING = (
    "postgres", "redis", "kafka", "clickhouse", "web", "proxy", "relay", "consumer", "worker", "deliveries",
    "beat", "analytics", "prometheus", "alertmanager", "grafana", "jaeger",
)  # fmt: skip


def _service(name: str) -> dict:
    """A service with the app anchor merged in, as Docker reads it."""
    return _interpolated()["services"][name]


def test_every_long_running_service_restarts_and_one_shot_jobs_do_not():
    services = _interpolated()["services"]
    assert set(LONG_RUNNING) | {"migrate", "clickhouse-migrate"} == set(services)
    for name in LONG_RUNNING:
        assert services[name].get("restart") == "unless-stopped", name
    for name in ("migrate", "clickhouse-migrate"):
        assert services[name]["restart"] == "no"


def test_tools_without_authentication_listen_on_the_loopback_only():
    for name, service in _interpolated()["services"].items():
        for port in service.get("ports", []):
            if name == "proxy":  # TLS, the console's own sign-in and the API keys
                continue
            assert str(port).startswith("127.0.0.1:"), (name, port)


def test_no_password_is_written_in_the_compose_file_and_redis_requires_one():
    raw = _compose()
    app = raw["x-app"]["environment"]
    for name, value in [*app.items(), *raw["services"]["postgres"]["environment"].items()]:
        if re.search(r"PASSWORD|SECRET|TOKEN|_KEY$", name) or "://" in str(value):
            credentials = re.findall(r"//([^@/]*)@", str(value))
            assert "${" in str(value) or not (credentials or re.search(r"PASSWORD|SECRET|TOKEN|_KEY$", name)), name
            assert all(part.startswith(":${") or "${" in part for part in credentials), (name, value)
    for url in ("REDIS_URL", "CELERY_BROKER_URL"):
        assert app[url].startswith("redis://:${REDIS_PASSWORD:?"), url
    assert "--requirepass" in raw["services"]["redis"]["command"]
    assert raw["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_allowed_hosts_are_real_host_names_and_the_cache_never_unpickles():
    hosts = _service("web")["environment"]["DJANGO_ALLOWED_HOSTS"].split(",")
    assert "*" not in hosts and {"127.0.0.1", "web"} <= set(hosts)

    import os
    import subprocess
    import sys

    shown = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings as s; "
         "print(s.CACHES['default']['OPTIONS']['SERIALIZER'])"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "payproc.settings.production", "DJANGO_SECRET_KEY": "s",
             "CARD_FINGERPRINT_KEY": "k", "REDIS_URL": "redis://:pw@127.0.0.1:6379/0"},
    )  # fmt: skip
    assert shown.stdout.strip() == "django_redis.serializers.json.JSONSerializer", shown.stderr


def test_probes_and_metrics_answer_any_host_while_the_api_keeps_to_the_allowed_ones(client, settings, db):
    from django.test import override_settings

    with override_settings(ALLOWED_HOSTS=["pay.example.com"]):
        from django.test import Client

        pod = Client(HTTP_HOST="10.1.2.3:8080")  # a kubelet probe, Prometheus's service discovery
        assert pod.get("/health").status_code == 200
        assert pod.get("/metrics").status_code == 200
        assert pod.get("/transactions").status_code == 400  # DisallowedHost
        assert Client(HTTP_HOST="pay.example.com").get("/health").status_code == 200


def test_the_migrate_job_is_the_schema_owner_and_every_other_process_the_application_role():
    services = _interpolated()["services"]
    migrate = services["migrate"]["environment"]
    assert migrate["DATABASE_URL"].startswith("postgres://payproc:") and migrate["DATABASE_APP_ROLE"] == "payproc_app"
    for name in ("web", "relay", "consumer", "worker", "deliveries", "beat", "analytics"):
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://payproc_app:"), name
    init = (ROOT / "docker" / "postgres-init.sh").read_text()
    assert "CREATE ROLE payproc_app LOGIN" in init
    assert (
        "./docker/postgres-init.sh:/docker-entrypoint-initdb.d/10-payproc-app-role.sh:ro"
        in (_compose()["services"]["postgres"]["volumes"])
    )
    entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text()
    assert 'python manage.py grant_app_role "$DATABASE_APP_ROLE"' in entrypoint
