"""docker-compose.yml describes production with official images (no Docker engine runs here, and
`docker compose config` needs the compose plugin, so the structure is checked directly)."""
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def base_image(service):
    if "image" in service and "build" not in service:
        return service["image"]
    dockerfile = ROOT / service["build"]["context"] / service["build"]["dockerfile"]
    return re.search(r"^FROM\s+(\S+)", dockerfile.read_text(), re.M).group(1)


def test_services_use_official_pinned_images():
    services = compose()["services"]
    expected = {"rasa": "rasa/rasa:3.6.21-full", "actions": "rasa/rasa-sdk:3.6.2",
                "synapse": "matrixdotorg/synapse:v1.163.2", "postgres": "postgres:15",
                "redis": "redis:7.0"}
    for name, image in expected.items():
        assert base_image(services[name]) == image


def test_state_lives_in_named_volumes():
    c = compose()
    for svc in ("redis", "postgres", "synapse", "kamtibmas"):
        mounts = c["services"][svc]["volumes"]
        named = [m.split(":")[0] for m in mounts if not m.startswith(".")]
        assert named and all(n in c["volumes"] for n in named), svc


def test_published_ports_bind_loopback_only():
    for name, svc in compose()["services"].items():
        for port in svc.get("ports", []):
            assert port.startswith("127.0.0.1:"), (name, port)


def test_rasa_uses_redis_tracker_and_lock_store():
    endpoints = yaml.safe_load((ROOT / "deploy" / "endpoints.docker.yml").read_text())
    assert endpoints["tracker_store"]["type"] == "redis"
    assert endpoints["lock_store"]["type"] == "redis"
