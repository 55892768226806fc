"""Installing ipsecmc: the built-in properties travel with the package (issue 12, item 1).

``setup.py`` maps the repository's ``properties/`` to the package
``ipsecmc.builtin_properties``; these tests build the package as a wheel would (setuptools'
``build_py`` on a copy of the sources) and check that the result carries every ``.prop``
file byte for byte and every module, and that the installed code finds its properties and
answers the README's main command from outside the checkout. ``.ci/run`` does the same with
a real wheel in a fresh venv; the slow test here builds that wheel too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ipsecmc.properties import builtin_properties_dir
from tests.conftest import MODELS, REPO

#: What a build reads: the project files and the two source trees.
_SOURCES = ("pyproject.toml", "setup.py", "README.md", "ipsecmc", "properties")


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``setup.py build_py`` on a copy of the sources: the tree a wheel is zipped from."""
    tmp_path = tmp_path_factory.mktemp("build")
    src = tmp_path / "src"
    src.mkdir()
    for name in _SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, src / name)
    out = tmp_path / "lib"
    subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(out)],
        cwd=src,
        check=True,
        capture_output=True,
    )
    return out


def _files(folder: Path, pattern: str) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob(pattern)}


def test_source_checkout_uses_the_repository_properties() -> None:
    assert builtin_properties_dir() == REPO / "properties"


def test_built_package_carries_every_property_and_module(lib: Path) -> None:
    packaged = lib / "ipsecmc" / "builtin_properties"
    assert _files(packaged, "*.prop") == _files(REPO / "properties", "*.prop")
    assert set(_files(lib / "ipsecmc", "*.py")) >= set(_files(REPO / "ipsecmc", "*.py"))


def test_installed_package_finds_its_properties_and_checks_the_seed(
    lib: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "IPSECMC_PROPERTIES_DIR"}
    env["PYTHONPATH"] = str(lib)  # the built tree, not the checkout
    where = subprocess.run(
        [sys.executable, "-c", "import ipsecmc.properties as p; print(p.builtin_properties_dir())"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()) == (lib / "ipsecmc" / "builtin_properties").resolve()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "ipsecmc",
            "check",
            str(MODELS / "seed-intended"),
            "--property",
            "agreement",
        ],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1, run.stderr
    assert "agreement (bounded, T = 110 s): VIOLATED" in run.stdout


@pytest.mark.slow
def test_wheel_carries_the_properties(tmp_path: Path) -> None:
    """A real wheel (``pip wheel``: an isolated build that fetches setuptools)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("ipsecmc-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        packaged = {
            n.rsplit("/", 1)[1]: z.read(n)
            for n in names
            if n.startswith("ipsecmc/builtin_properties/")
        }
    assert packaged == {p.name: p.read_bytes() for p in (REPO / "properties").glob("*.prop")}
    assert "ipsecmc/model/semantics.py" in names


def test_the_command_line_needs_neither_pytest_nor_hypothesis(tmp_path: Path) -> None:
    """pytest and Hypothesis are test tools (extras ``test`` and ``strategies``), not
    runtime dependencies (issue 13, item 6): the main command runs with both hidden, and
    ``ipsecmc.strategies`` says which extra to install."""
    hide = (
        "import sys; sys.modules['hypothesis'] = None; sys.modules['pytest'] = None; "
        "sys.modules['_pytest'] = None\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # this checkout, whatever is installed
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            hide + "from ipsecmc.cli import main; main()",
            "check",
            str(MODELS / "seed-intended"),
            "--property",
            "agreement",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1, run.stderr
    assert "VIOLATED" in run.stdout
    strategies = subprocess.run(
        [sys.executable, "-c", hide + "import ipsecmc.strategies"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert strategies.returncode != 0
    assert "pip install 'ipsecmc[strategies]'" in strategies.stderr


def test_runtime_dependencies_leave_test_tools_to_extras() -> None:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    runtime = {d.split(">")[0].split("=")[0].strip() for d in project["dependencies"]}
    assert not runtime & {"pytest", "hypothesis"}
    assert any(d.startswith("hypothesis") for d in project["optional-dependencies"]["strategies"])
