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

ROOT = pathlib.Path(__file__).resolve().parents[1]
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


def requirement_lines():
    lines = []
    for raw in (BINDER / "requirements.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


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
