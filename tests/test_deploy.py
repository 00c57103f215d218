"""The service units in deploy/: systemd reads them without a complaint, once pointed at this checkout
(systemd-analyze verify checks that the programs and files they name exist)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def here(unit: str, tmp_path: Path) -> Path:
    """The unit with its paths moved to this checkout and a temporary environment file."""
    env = tmp_path / "tracker.env"
    env.write_text((DEPLOY / "tracker.env.example").read_text(encoding="utf-8"), encoding="utf-8")
    script = Path(sys.executable).parent / "tracker"
    text = (DEPLOY / unit).read_text(encoding="utf-8")
    for old, new in (("/opt/tracker/.venv/bin/tracker", str(script)), ("%h/tracker/.venv/bin/tracker", str(script)),
                     ("/etc/tracker/tracker.env", str(env)), ("%h/.config/tracker/tracker.env", str(env)),
                     ("/opt/tracker", str(ROOT)), ("%h/tracker", str(ROOT))):
        text = text.replace(old, new)
    path = tmp_path / unit.replace("@.", "@1.")  # a template is verified as one of its instances
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("unit", ["tracker.service", "tracker-user.service", "tracker@.service"])
def test_systemd_reads_the_service_unit_without_a_complaint(unit, tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")

    done = subprocess.run([analyze, "verify", str(here(unit, tmp_path))], capture_output=True, text=True,
                          timeout=120, check=False)

    assert done.returncode == 0, done.stderr
    complaints = [line for line in done.stderr.splitlines() if unit.replace("@.", "@1.") in line]
    assert complaints == []


def test_the_environment_file_example_names_only_variables_the_readme_explains():
    lines = [line.strip().lstrip("# ") for line in (DEPLOY / "tracker.env.example").read_text("utf-8").splitlines()]
    names = {line.split("=", 1)[0] for line in lines if "=" in line and line.split("=", 1)[0].isupper()}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert names and {name for name in names if name not in readme} == set()
