"""docker-compose.yml is validated here: no Docker engine runs on our machines or in CI."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


def test_compose_file_is_valid_for_docker_compose():
    if shutil.which("docker-compose") is None:
        pytest.skip("Debian's docker-compose is not installed (make test installs it)")
    result = subprocess.run(["docker-compose", "-f", str(COMPOSE), "config", "--quiet"], capture_output=True,
                            text=True, env={"SECRET_KEY": "x" * 64, "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr


def test_compose_runs_mongodb_as_a_replica_set_and_every_part_of_the_site():
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert {"mongo", "redis", "web", "worker", "scheduler", "mail"} <= services.keys()
    assert "--replSet" in services["mongo"]["command"]
    assert "rs.initiate" in " ".join(services["mongo"]["healthcheck"]["test"])
    for name in ("web", "worker", "scheduler"):
        environment = {**compose["x-app"]["environment"], **services[name].get("environment", {})}
        assert "replicaSet=rs0" in environment["MONGODB_URL"]
        assert environment["SMTP_HOST"] == "mail"
    # the web service is healthy while it can serve pages: its readiness probe, at the port it serves
    probe = " ".join(services["web"]["healthcheck"]["test"])
    assert "/readyz" in probe and f":{services['web']['ports'][0].split(':')[-1]}/" in probe


def test_the_image_copies_every_package_the_services_import():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("domain", "commands", "projections", "recommender", "workers", "web", "mybigmovie"):
        assert f"COPY {package} {package}" in dockerfile
