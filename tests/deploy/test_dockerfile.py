"""deploy/Dockerfile builds from what the repository has: the files it copies exist and reach
the build context, dependencies come from uv.lock, the entry point is the project's console
script, and the health check asks /health on the port the API listens on."""

from __future__ import annotations

import re
import shlex

from tests.deploy.manifests import (
    API_PORT,
    ROOT,
    dockerfile_args,
    dockerignore_excludes,
    image_tag_is_pinned,
    instructions,
    pyproject,
)


def copy_sources() -> list[str]:
    """Sources of every COPY from the build context (not from another stage)."""
    sources: list[str] = []
    for copy in instructions("COPY"):
        words = shlex.split(copy.arguments)
        if any(word.startswith("--from") for word in words):
            continue
        paths = [word for word in words if not word.startswith("--")]
        sources.extend(paths[:-1])
    return sources


def resolve(text: str) -> str:
    for name, value in dockerfile_args().items():
        text = text.replace(f"${{{name}}}", value).replace(f"${name}", value)
    return text


def test_copied_files_exist_and_are_in_the_build_context() -> None:
    sources = copy_sources()
    assert {
        "pyproject.toml",
        "uv.lock",
        "restman_core",
        "restman_api",
        "restman_cli",
        "restman_tui",
    } <= {s.rstrip("/") for s in sources}
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
        assert not dockerignore_excludes(source.rstrip("/")), f".dockerignore drops {source}"


def test_the_dockerignore_check_does_exclude() -> None:
    assert dockerignore_excludes(".venv")
    assert dockerignore_excludes("restman_core/__pycache__")
    assert dockerignore_excludes(".env")
    assert dockerignore_excludes("tests")
    assert dockerignore_excludes("restman.db")
    assert not dockerignore_excludes("restman_core/config.py")


def test_the_package_metadata_it_needs_is_copied() -> None:
    """Building the project needs the readme pyproject names."""
    assert pyproject()["project"]["readme"] in copy_sources()


def test_base_images_are_pinned_slim_python_3_11() -> None:
    stages: set[str] = set()
    for line in instructions("FROM"):
        words = resolve(line.arguments).split()
        image = words[0]
        if image not in stages:
            assert image_tag_is_pinned(image), f"FROM {image} is not pinned"
            assert re.fullmatch(r"python:3\.11\.\d+-slim(-[a-z]+)?", image), image
        if len(words) == 3 and words[1].upper() == "AS":
            stages.add(words[2])
    assert len(instructions("FROM")) >= 2, "the build is multi-stage"


def test_uv_is_pinned_and_installs_exactly_the_lock() -> None:
    runs = [resolve(run.arguments) for run in instructions("RUN")]
    assert any(re.search(r"pip install .*\buv==\d+\.\d+\.\d+", run) for run in runs)
    syncs = [run for run in runs if "uv sync" in run]
    assert syncs
    for sync in syncs:
        assert "--frozen" in sync, sync
        assert "--no-dev" in sync, sync


def test_the_runtime_user_is_not_root() -> None:
    user = instructions("USER")[-1].arguments.split(":")[0]
    assert user not in ("root", "0")


def test_the_entry_point_is_the_console_script() -> None:
    [entrypoint] = instructions("ENTRYPOINT")
    assert entrypoint.exec_form() == ["restman"]
    assert "restman" in pyproject()["project"]["scripts"]


def test_the_default_command_serves_the_exposed_port() -> None:
    [cmd] = instructions("CMD")
    command = cmd.exec_form()
    assert command[0] == "serve"
    assert command[command.index("--port") + 1] == str(API_PORT)
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert [e.arguments for e in instructions("EXPOSE")] == [str(API_PORT)]


def test_the_healthcheck_asks_health_with_the_standard_library() -> None:
    [check] = instructions("HEALTHCHECK")
    command = check.exec_form()
    assert command[:2] == ["python", "-c"]
    code = command[2]
    compile(code, "<healthcheck>", "exec")
    assert "urllib.request" in code
    assert f"http://127.0.0.1:{API_PORT}/health'" in code
