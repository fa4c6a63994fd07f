"""The README stays true: two quickstart commands, CI runs the test one, the CLI it names exists."""

import re
from pathlib import Path

from ketamine_kg.cli import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _quickstart_commands() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]


def test_quickstart_has_exactly_two_commands():
    commands = _quickstart_commands()
    assert len(commands) == 2, commands
    assert commands[0].endswith(" build") and commands[1].endswith(" test")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = _quickstart_commands()[1]
    assert any(line.strip() == test_command for line in ci.splitlines()), f"{test_command!r} not in .ci/run"


def test_every_command_the_readme_names_exists():
    named = set(re.findall(r"`ketamine-kg ([a-z][a-z-]*)", README))
    assert named, "the README names no subcommand"
    assert named <= set(COMMANDS), f"README names unknown commands: {named - set(COMMANDS)}"
    for name in named:
        module = COMMANDS[name].split(":")[0]
        assert (ROOT / "graph" / "cli" / f"{module}.py").exists(), f"README names `ketamine-kg {name}` but it is not built"
