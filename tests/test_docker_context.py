"""What `docker build` copies into the image, listed with docker-py's own .dockerignore matching: never a
developer's .env, keys or local data."""

from pathlib import Path

from docker.utils.build import exclude_paths

ROOT = Path(__file__).resolve().parents[1]


def _context(root: Path) -> set[str]:
    patterns = [line.strip() for line in (root / ".dockerignore").read_text().splitlines()]
    return set(exclude_paths(str(root), [p for p in patterns if p and not p.startswith("#")]))


def test_the_build_context_leaves_out_env_files_keys_and_local_data(tmp_path):
    (tmp_path / ".dockerignore").write_text((ROOT / ".dockerignore").read_text())
    for name in (".env", ".env.production", "server.key", "var/db.sqlite3", ".venv/bin/python", "manage.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")

    copied = _context(tmp_path)

    assert "manage.py" in copied
    assert not copied & {".env", ".env.production", "server.key", "var/db.sqlite3", ".venv/bin/python"}


def test_the_checkout_itself_sends_no_env_file_or_virtualenv():
    copied = _context(ROOT)

    assert "docker/entrypoint.sh" in copied and "manage.py" in copied
    assert not [path for path in copied if path.startswith((".env", ".venv/", "var/", ".git/"))]
