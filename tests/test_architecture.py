"""The direction of imports that ../shared/design.md fixes: app/ → bots/, jobs/ → tracker/ (and jobs/ →
bots/ for the sender's channels). Every import counts, including those inside functions and under
TYPE_CHECKING, since they run all the same."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"tracker": {"app", "bots", "jobs"}, "bots": {"app", "jobs"}, "jobs": {"app"}}


def imported_packages(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in the module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_runs_against_the_designs_direction(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no modules under {package}/"
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {name}" for path in files
             for line, name in imported_packages(path) if name in FORBIDDEN[package]]
    assert wrong == []


def test_the_command_line_and_the_service_live_in_app():
    assert (ROOT / "app" / "cli" / "main.py").is_file() and (ROOT / "app" / "service.py").is_file()
    assert not (ROOT / "tracker" / "cli").exists()
