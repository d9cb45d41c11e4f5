"""The README's first two commands are the Makefile's run and test targets, and the Makefile can plan them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", (BASE_DIR / "README.md").read_text(), flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_the_readme_starts_with_the_run_and_test_commands():
    assert readme_commands()[:2] == ["make run", "make test"]


@pytest.mark.skipif(not shutil.which("make"), reason="needs make")
@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("run", ["manage.py migrate", "manage.py load_demo", "honcho -f Procfile.dev start"]),
        ("test", ["-m pytest"]),
        ("lint", ["ruff check", "ruff format --check"]),
    ],
)
def test_make_plans_each_target(target, expected):
    result = subprocess.run(
        ["make", "-n", target], cwd=BASE_DIR, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    for fragment in expected:
        assert fragment in result.stdout


def test_the_procfile_starts_web_and_a_worker_with_embedded_beat():
    processes = dict(
        line.split(":", 1) for line in (BASE_DIR / "Procfile.dev").read_text().splitlines() if line and line[0] != "#"
    )
    assert "runserver" in processes["web"]
    assert "celery -A core worker" in processes["worker"]
    assert "--beat" in processes["worker"]
