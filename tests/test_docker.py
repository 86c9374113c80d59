"""docker-compose.yml, the Dockerfile and .dockerignore, checked without a Docker engine:
every command a service runs is one zdsync accepts, every file it names exists (in the
repository, in the image or as a mount), every variable it sets is one zdsync reads, every
long-running service has a healthcheck and everything waits for health, not for a start.
With a Docker CLI present, ``docker compose config`` must accept the file too."""

from __future__ import annotations

import ast
import fnmatch
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from sync.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
OUR_IMAGE = "zdsync:latest"


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def our_services() -> dict[str, dict[str, Any]]:
    """The services that run the zdsync image (the others are PostgreSQL's)."""
    return {
        name: service
        for name, service in compose()["services"].items()
        if service.get("image") == OUR_IMAGE
    }


def variables_zdsync_reads() -> set[str]:
    """Every name looked up in an environment mapping in sync/ and adapters/:
    ``env.get("X")``, ``os.environ.get("X")``, ``env["X"]``."""
    names: set[str] = set()
    for path in [*ROOT.joinpath("sync").rglob("*.py"), *ROOT.joinpath("adapters").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            key: ast.expr | None = None
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and _is_environment(node.func.value)
                and node.args
            ):
                key = node.args[0]
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, ast.Load)
                and _is_environment(node.value)
            ):
                key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                names.add(key.value)
    return names


def _is_environment(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id in {"env", "environ"}) or (
        isinstance(node, ast.Attribute) and node.attr == "environ"
    )


# -- the Dockerfile as a tiny model: stages, their COPYs and where they land -----------


@dataclass
class Instruction:
    keyword: str
    arguments: str
    workdir: PurePosixPath


def dockerfile_stages() -> list[list[Instruction]]:
    text = (ROOT / "Dockerfile").read_text()
    joined = re.sub(r"\\\n", " ", text)  # continuation lines
    stages: list[list[Instruction]] = []
    workdir = PurePosixPath("/")
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stages.append([])
            workdir = PurePosixPath("/")
        elif keyword == "WORKDIR":
            workdir = workdir / arguments.strip()
        stages[-1].append(Instruction(keyword, arguments.strip(), workdir))
    return stages


def copies(stage: list[Instruction]) -> list[tuple[str, PurePosixPath]]:
    """(source, where it lands in the image) of each COPY from the build context, as
    Docker places them: a folder's contents go to the destination; a file goes into the
    destination when that is a folder (a trailing ``/`` or several sources)."""
    found = []
    for instruction in stage:
        if instruction.keyword != "COPY" or instruction.arguments.startswith("--from"):
            continue
        *sources, destination = instruction.arguments.split()
        into_folder = destination.endswith("/") or len(sources) > 1
        for source in sources:
            landed = instruction.workdir / destination
            if into_folder and not (ROOT / source).is_dir():
                landed = landed / PurePosixPath(source).name
            found.append((source, landed))
    return found


def image_file(path: str) -> Path | None:
    """The repository file behind ``path`` in the final image, if a COPY puts it there."""
    wanted = PurePosixPath(path)
    for source, landed in copies(dockerfile_stages()[-1]):
        if wanted == landed or landed in wanted.parents:
            return ROOT / source / wanted.relative_to(landed)
    return None


def dockerignored(relative: str) -> bool:
    """Whether .dockerignore keeps ``relative`` (or a folder holding it) out of the build
    context; patterns as Docker reads them (``**`` any depth, no negations used here)."""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert not any(p.startswith("!") for p in patterns), "negations: extend this matcher"
    parts = PurePosixPath(relative).parts
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    for pattern in patterns:
        anywhere = pattern.removeprefix("**/")
        for prefix in prefixes:
            if fnmatch.fnmatchcase(prefix, pattern):
                return True
            if pattern.startswith("**/") and fnmatch.fnmatchcase(prefix.split("/")[-1], anywhere):
                return True
    return False


# -- docker-compose.yml ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(our_services()))
def test_every_command_is_a_zdsync_command(name: str) -> None:
    service = our_services()[name]
    command = service.get("command", ["run"])  # the image's CMD
    assert isinstance(command, list), "exec form, so no shell parses it"
    # argparse exits 2 on an unknown command or option.
    args = build_parser().parse_args([str(part) for part in command])
    assert args.command


@pytest.mark.parametrize("name", sorted(our_services()))
def test_every_file_a_service_names_exists(name: str) -> None:
    service = our_services()[name]
    mounted = {_mount(volume)[1] for volume in service.get("volumes", [])}
    values = [*service.get("command", []), *service.get("environment", {}).values()]
    paths = [str(v) for v in values if str(v).startswith("/")]
    for path in paths:
        if path in mounted:
            continue
        source = image_file(path)
        assert source is not None, f"{name}: {path} is neither mounted nor copied into the image"
        assert source.exists(), f"{name}: {path} comes from {source}, which does not exist"


@pytest.mark.parametrize("name", sorted(compose()["services"]))
def test_a_missing_host_file_is_never_created_as_a_directory(name: str) -> None:
    named = set(compose().get("volumes") or {})
    for volume in compose()["services"][name].get("volumes", []):
        source, _target, create = _mount(volume)
        if source in named:
            continue
        assert source.startswith("./"), f"{name}: bind {source} relative to the project"
        assert (ROOT / source).exists() or not create, (
            f"{name}: {source} is not in a fresh clone; Docker would create it as a directory "
            "(use the long syntax with bind.create_host_path: false)"
        )


def _mount(volume: str | dict[str, Any]) -> tuple[str, str, bool]:
    """(source, target, whether Docker creates a missing source) of a volume entry."""
    if isinstance(volume, str):
        source, target, *_ = volume.split(":")
        return source, target, True
    create = volume.get("bind", {}).get("create_host_path", True)
    return str(volume["source"]), str(volume["target"]), bool(create)


@pytest.mark.parametrize("name", sorted(our_services()))
def test_every_variable_is_one_zdsync_reads(name: str) -> None:
    known = variables_zdsync_reads()
    assert {"ZDSYNC_DATABASE_URL", "ZENDESK_TOKEN"} <= known  # the scan itself works
    unknown = set(our_services()[name].get("environment", {})) - known
    assert not unknown, f"{name} sets {sorted(unknown)}, which zdsync never reads"


def test_services_wait_for_health_or_completion() -> None:
    services = compose()["services"]
    for name, service in services.items():
        one_shot = service.get("restart") == "no"
        assert one_shot or "healthcheck" in service, f"{name} has no healthcheck"
        for needed, how in (service.get("depends_on") or {}).items():
            condition = how["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in services[needed], f"{name} waits for {needed}'s health"
            else:
                assert condition == "service_completed_successfully", f"{name} -> {needed}"
                assert services[needed].get("restart") == "no", f"{needed} is not a one-shot job"


@pytest.mark.parametrize("name", sorted(our_services()))
def test_a_healthcheck_asks_the_port_the_service_serves(name: str) -> None:
    service = our_services()[name]
    if service.get("restart") == "no":
        return
    probe = " ".join(service["healthcheck"]["test"])
    port = re.search(r"http://127\.0\.0\.1:(\d+)/", probe)
    assert port, f"{name}: the healthcheck asks no local URL: {probe}"
    args = build_parser().parse_args([str(part) for part in service["command"]])
    served = getattr(args, "metrics_port", None) or getattr(args, "port", None)
    assert int(port.group(1)) == served, f"{name} serves {served}, its healthcheck asks {port}"


def test_the_emulator_links_name_the_address_the_worker_uses() -> None:
    services = compose()["services"]
    emulator = build_parser().parse_args(services["emulator"]["command"])
    assert services["worker-demo"]["environment"]["ZENDESK_URL"] == emulator.public_url


def has_docker_compose() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not has_docker_compose(), reason="no `docker compose` on this machine")
@pytest.mark.parametrize("profile", [[], ["--profile", "emulator"]])
def test_docker_compose_accepts_the_file(profile: list[str]) -> None:
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), *profile, "config", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


# -- Dockerfile and .dockerignore -----------------------------------------------------


def test_every_copied_source_exists_and_is_in_the_build_context() -> None:
    for stage in dockerfile_stages():
        for source, _landed in copies(stage):
            assert (ROOT / source).exists(), f"COPY {source}: no such file"
            assert not dockerignored(source), f"COPY {source}: excluded by .dockerignore"


def test_dependencies_install_before_the_code_arrives() -> None:
    """A code change must not re-install the dependencies (Docker's layer cache)."""
    final = dockerfile_stages()[-1]
    first_install = next(
        n for n, i in enumerate(final) if i.keyword == "RUN" and "pip install" in i.arguments
    )
    for instruction in final[:first_install]:
        if instruction.keyword == "COPY":
            sources = instruction.arguments.split()[:-1]
            assert set(sources) <= {"pyproject.toml", "constraints.txt"}, instruction
    runs = " ".join(i.arguments for stage in dockerfile_stages() for i in stage)
    assert " -e " not in runs and "--editable" not in runs, "a non-editable install"


def test_the_image_runs_as_a_user_and_carries_the_example_config() -> None:
    final = dockerfile_stages()[-1]
    users = [i.arguments for i in final if i.keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert image_file("/app/zdsync.example.yaml") == ROOT / "zdsync.example.yaml"


@pytest.mark.parametrize(
    "path",
    [".venv/bin/python", ".git/HEAD", "sync/__pycache__/x.pyc", ".pytest_cache/v", "zdsync.db",
     "dev.db", ".mypy_cache/x", ".env", "zdsync.yaml"],
)  # fmt: skip
def test_the_build_context_leaves_out(path: str) -> None:
    assert dockerignored(path)


@pytest.mark.parametrize("path", ["sync/cli/__init__.py", "alembic/env.py", "pyproject.toml"])
def test_the_build_context_keeps(path: str) -> None:
    assert not dockerignored(path)


@pytest.mark.parametrize("name", sorted(our_services()))
def test_every_service_of_our_image_can_build_it(name: str) -> None:
    # Without `build`, `docker compose up` on a fresh clone tries to pull zdsync:latest.
    assert our_services()[name].get("build") == "."
