"""Binder's set-up agrees with pyproject.toml: what repo2docker installs is what the package needs.

repo2docker runs `pip install -r binder/requirements.txt` from the repository root and installs the
Debian packages of binder/apt.txt. `make test-binder` rehearses the install in a fresh venv; these
tests check the files themselves, quickly and offline.
"""
import pathlib
import re

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
URL = re.compile(r"https://mybinder\.org/v2/gh/[^\s)\"']+")


def canonical(name):
    """PEP 503 normalisation: 'Foo_bar' and 'foo-bar' are the same project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def split(requirement):
    """'numpy>=1.24' -> ('numpy', '>=1.24'); extras and markers are not used in this project."""
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)", requirement)
    return canonical(m.group(1)), m.group(3).replace(" ", "")


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def requirement_lines(path=BINDER / "requirements.txt", options=False):
    """The requirement lines of a requirements file; with options=True its option lines (-c ...)."""
    lines = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and line.startswith("-c") == options:
            lines.append(line)
    return lines


def locked_versions():
    """project name -> version, from requirements-lock.txt (its lines 'name==version ; marker')."""
    pins = {}
    for line in requirement_lines(ROOT / "requirements-lock.txt"):
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)\s*(;.*)?", line)
        assert m, f"requirements-lock.txt: {line!r} is not 'name==version'"
        pins.setdefault(canonical(m.group(1)), set()).add(m.group(2))
    return pins


def local_install(line):
    """The extras of a line that installs this repository ('.', '.[gpu]', '-e .'), else None."""
    m = re.fullmatch(r"(?:-e\s+)?\.(?:\[([^\]]*)\])?", line)
    if m is None:
        return None
    return [e.strip() for e in (m.group(1) or "").split(",") if e.strip()]


def installed_by_binder():
    """project name -> specifier, for everything binder/requirements.txt installs."""
    project = pyproject()
    installed = {}
    for line in requirement_lines():
        extras = local_install(line)
        if extras is None:
            name, spec = split(line)
            installed[name] = spec
            continue
        installed[canonical(project["name"])] = "(this repository)"
        for req in project["dependencies"] + [r for e in extras for r in project["optional-dependencies"][e]]:
            name, spec = split(req)
            installed.setdefault(name, spec)
    return installed


def test_requirements_install_this_package():
    assert any(local_install(line) is not None for line in requirement_lines()), (
        "binder/requirements.txt should install this repository ('.' or '-e .'), so that the "
        "notebooks import mini_autograd and viz on Binder")


def test_every_runtime_dependency_is_installed_by_binder():
    installed = installed_by_binder()
    for req in pyproject()["dependencies"]:
        name, spec = split(req)
        assert name in installed, f"{req!r} (pyproject.toml) is not installed by binder/requirements.txt"
        if installed[name] != "(this repository)":
            assert installed[name] == spec, (f"binder/requirements.txt asks for {name}{installed[name]}, "
                                             f"pyproject.toml for {req}")


def test_named_extras_exist_and_gpu_is_one_of_them():
    extras = [e for line in requirement_lines() if local_install(line) for e in local_install(line)]
    for e in extras:
        assert e in pyproject()["optional-dependencies"], f"extra [{e}] is not defined in pyproject.toml"
    # 04_gpu_kernels.ipynb runs on Binder (no GPU) in Numba's CUDA simulator: it needs numba-cuda.
    assert "gpu" in extras


def test_graphviz_is_in_apt_txt():
    packages = [line.split("#", 1)[0].strip() for line in (BINDER / "apt.txt").read_text().splitlines()]
    assert "graphviz" in packages  # viz runs graphviz's `dot` program to draw every graph


def test_binder_badge_opens_the_start_notebook():
    urls = URL.findall((ROOT / "README.md").read_text())
    assert len(urls) == 1, "README.md should hold the Binder URL exactly once (one place to set the owner)"
    url = urls[0]
    m = re.fullmatch(r"https://mybinder\.org/v2/gh/([^/]+)/mini_autograd/HEAD\?labpath=(\S+)", url)
    assert m, url
    assert m.group(2) == "notebooks%2F00_start_here.ipynb"
    assert (ROOT / "notebooks" / "00_start_here.ipynb").exists()


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem)
def test_no_notebook_carries_the_badge(path):
    # The badge's owner is a placeholder until the repository is hosted: a learner who clicked it in a
    # notebook would get an error page. Its recipe lives in the README only.
    assert not URL.findall(path.read_text()), f"{path.name} links to Binder"


def test_binder_installs_the_locked_versions():
    # pip reads a -c path in a requirements file relative to that file: binder/../requirements-lock.txt
    assert requirement_lines(options=True) == ["-c ../requirements-lock.txt"]
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"  # the Python the lock is for


def test_make_installs_the_locked_versions():
    makefile = (ROOT / "Makefile").read_text()
    installs = [line for line in makefile.splitlines() if "pip install" in line and "-e '." in line]
    assert installs and all("-c requirements-lock.txt" in line for line in installs), installs
    assert re.search(r"^lock:", makefile, re.M), "make lock refreshes requirements-lock.txt"


def test_the_lock_satisfies_pyprojects_ranges():
    from packaging.requirements import Requirement

    pins = locked_versions()
    project = pyproject()
    wanted = project["dependencies"] + [r for extra in ("test", "gpu", "lab")
                                        for r in project["optional-dependencies"][extra]]
    for text in wanted:
        req = Requirement(text)
        versions = pins.get(canonical(req.name))
        assert versions, f"{req.name} (pyproject.toml) is not pinned in requirements-lock.txt"
        for version in versions:
            assert req.specifier.contains(version, prereleases=True), (
                f"requirements-lock.txt pins {req.name}=={version}, outside pyproject.toml's {text!r}: "
                "run make lock")


def test_the_lock_pins_one_numpy():
    # The notebooks' digits are NumPy's: one version for every Python the lock covers.
    assert len(locked_versions()["numpy"]) == 1
