"""`make lab` runs for a learner who is not root and has no Chromium (only the browser test needs it).

Each test runs the real Makefile in an empty folder with a PATH of fake programs only: `id` says
which user we are, `apt-get` records that it was called, `.venv/bin/jupyter` records how it was
started. The venv's stamp is taken as up to date (make -o), so nothing is installed.
"""
import shutil
import subprocess
from pathlib import Path

import pytest

MAKEFILE = Path(__file__).resolve().parents[2] / "Makefile"
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def fake(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/bash\n" + body + "\n")
    path.chmod(0o755)


def run_make(tmp_path: Path, target: str, uid: int, apt_ok: bool = False, with_dot: bool = False):
    """`make target` as user ``uid`` on a machine without chromium (and without dot unless
    ``with_dot``); returns (exit status, output, apt-get's calls, jupyter's arguments)."""
    bin_ = tmp_path / "bin"
    log = tmp_path / "calls"
    fake(bin_ / "id", f"echo {uid}")
    fake(bin_ / "apt-get", f'echo "$*" >> {log}/apt-get; exit {0 if apt_ok else 100}')
    if with_dot:
        fake(bin_ / "dot", "exit 0")
    fake(tmp_path / ".venv" / "bin" / "jupyter", f'echo "$*" > {log}/jupyter')
    log.mkdir(exist_ok=True)
    done = subprocess.run([MAKE, "-f", str(MAKEFILE), "-o", ".venv/.installed", target], cwd=tmp_path,
                          env={"PATH": str(bin_), "HOME": str(tmp_path)}, capture_output=True, text=True,
                          timeout=60)
    read = lambda name: (log / name).read_text() if (log / name).exists() else ""  # noqa: E731
    return done.returncode, done.stdout + done.stderr, read("apt-get"), read("jupyter")


def test_lab_opens_for_a_user_without_root_dot_or_chromium(tmp_path):
    status, out, apt, jupyter = run_make(tmp_path, "lab", uid=1000)
    assert status == 0, out
    assert jupyter.split() == ["lab", "notebooks/00_start_here.ipynb"]  # no --allow-root for a user
    assert apt == "", "make lab ran apt-get as a user who is not root"
    for how in ("apt-get install graphviz", "brew install graphviz", "conda install -c conda-forge graphviz"):
        assert how in out, f"make lab does not say '{how}' when dot is missing:\n{out}"
    assert "chromium" not in out.lower()


def test_lab_as_root_installs_graphviz_only(tmp_path):
    status, out, apt, jupyter = run_make(tmp_path, "lab", uid=0, apt_ok=True)
    assert status == 0, out
    assert "install -y -q graphviz" in apt and "chromium" not in apt, apt
    assert jupyter.split() == ["lab", "notebooks/00_start_here.ipynb", "--allow-root"]


def test_lab_opens_when_root_cannot_install(tmp_path):
    """apt-get failing (no network, not Debian) is not a reason to keep the lab closed."""
    status, out, apt, jupyter = run_make(tmp_path, "lab", uid=0, apt_ok=False)
    assert status == 0, out
    assert "brew install graphviz" in out and jupyter


def test_lab_with_dot_installed_is_quiet(tmp_path):
    status, out, apt, jupyter = run_make(tmp_path, "lab", uid=1000, with_dot=True)
    assert status == 0 and apt == "" and "graphviz" not in out, out


def test_the_test_target_still_asks_for_chromium(tmp_path):
    """Only `make test` (the browser test) needs chromium: its set-up tries to install it."""
    status, out, apt, _ = run_make(tmp_path, "system-deps", uid=0, apt_ok=True, with_dot=True)
    assert "install -y -q chromium" in apt, (apt, out)


def test_no_test_runs_as_part_of_lab():
    """The lab target's own prerequisites are the venv and lab-deps; the browser test's are not."""
    rules = {line.split(":")[0]: line.split(":", 1)[1].split() for line in MAKEFILE.read_text().splitlines()
             if line and not line[0].isspace() and ":" in line and not line.startswith(("#", "."))
             and "=" not in line.split(":")[0]}
    assert rules["lab"] == ["$(STAMP)", "lab-deps"], rules["lab"]
