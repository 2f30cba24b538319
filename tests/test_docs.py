"""Documentation coverage: every command has help and is in the README; every setting has a help line."""

from __future__ import annotations

from pathlib import Path

import typer.main

from movedesk.cli.main import app
from movedesk.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands() -> dict[str, object]:
    group = typer.main.get_command(app)
    out = {}
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        out[name] = cmd
        for sub, subcmd in getattr(cmd, "commands", {}).items():
            out[f"{name} {sub}"] = subcmd
    return out


def test_every_command_has_help() -> None:
    for name, cmd in _commands().items():
        assert (cmd.help or "").strip(), f"`movedesk {name}` has no help text"  # type: ignore[attr-defined]


def test_every_command_is_in_the_readme() -> None:
    for name in _commands():
        assert f"movedesk {name}" in README, f"`movedesk {name}` is not documented in the README"


def test_every_setting_has_a_help_line() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"


def test_testing_helpers_work() -> None:
    from movedesk.testing import FakePriceProvider

    bars = FakePriceProvider({"AAA": [1.0, 2.0, 3.0]}).load("AAA")
    assert list(bars["close"]) == [1.0, 2.0, 3.0] and bars["session"].is_monotonic_increasing


def test_ci_installs_every_extra_and_the_readme_test_command_no_torch() -> None:
    """`.ci/run` installs `.[all]`, which names every other extra; the README's test command installs
    `.[dev]`, which pulls no torch (the embed tests skip there and run in CI)."""
    import re
    import tomllib

    root = Path(__file__).resolve().parents[1]
    extras = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    named = set(re.findall(r"movedesk\[([^\]]+)\]", " ".join(extras["all"]))[0].split(","))
    assert named == set(extras) - {"all"}
    assert '-e ".[all]"' in (root / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -e ".[dev]" && python -m pytest' in README

    def closure(name: str) -> set[str]:
        out: set[str] = set()
        for req in extras[name]:
            nested = re.match(r"movedesk\[([^\]]+)\]", req)
            out |= set().union(*(closure(n) for n in nested.group(1).split(","))) if nested else {req}
        return out

    assert not any(req.startswith(("torch", "transformers")) for req in closure("dev"))
