"""docker-compose.yml cannot run here (no Docker engine): check that it names only things the repo has."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _entrypoint_roles() -> set[str]:
    script = (ROOT / "docker" / "entrypoint.sh").read_text()
    return set(re.findall(r"^\s+([a-z]+)\) exec", script, flags=re.MULTILINE))


def test_every_app_service_uses_a_role_the_entrypoint_knows():
    services = _compose()["services"]
    app_services = {name: s for name, s in services.items() if s.get("image") == "payproc:local"}

    assert {"migrate", "web", "relay", "consumer", "worker", "beat"} <= set(app_services)
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
