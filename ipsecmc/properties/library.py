"""Where properties come from: the built-in library (``properties/`` in a checkout,
``ipsecmc/builtin_properties/`` in a wheel), ``$IPSECMC_PROPERTIES_DIR``, or a path."""

from __future__ import annotations

import difflib
import os
from dataclasses import replace
from pathlib import Path

from ipsecmc.errors import PropertyError, SourceLoc, UsageError
from ipsecmc.properties.prop_file import Property, found_text, parse_property

PROPERTIES_DIR_ENV = "IPSECMC_PROPERTIES_DIR"

# --------------------------------------------------------------------------- loading


def default_properties_dir() -> Path:
    """``$IPSECMC_PROPERTIES_DIR`` if set, else the built-in library
    (:func:`builtin_properties_dir`).

    Read on every call (no module-level state), so tests and users can point the
    checker at their own library.
    """
    env = os.environ.get(PROPERTIES_DIR_ENV)
    if env:
        return Path(env)
    return builtin_properties_dir()


#: Where an installed package keeps the built-in library: ``setup.py`` maps the
#: repository's ``properties/`` to the package ``ipsecmc.builtin_properties`` (a mapping at
#: build time, not a second copy in the repository).
BUILTIN_PROPERTIES_PACKAGE = "builtin_properties"


def builtin_properties_dir() -> Path:
    """The built-in property library: ``ipsecmc/builtin_properties/`` when ipsecmc is
    installed from a wheel (``pip install .``), else the repository's ``properties/``
    (a source checkout or an editable install, where the package sits next to it)."""
    package = Path(__file__).resolve().parents[1]  # ipsecmc/
    installed = package / BUILTIN_PROPERTIES_PACKAGE
    if installed.is_dir():
        return installed
    return package.parent / "properties"


def _read_file(path: Path) -> Property:
    filename = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PropertyError(SourceLoc(filename, 1, 1), f"expected UTF-8 text: {exc}") from exc
    except OSError as exc:
        raise UsageError(f"cannot read property file {filename}: {exc.strerror or exc}") from exc
    prop = parse_property(text, filename)
    if prop.name != path.stem:
        raise PropertyError(
            prop.loc,
            f"expected name '{path.stem}' (the file name), found {found_text(prop.name)}",
        )
    return replace(prop, source=path)


def _looks_like_path(name_or_path: str) -> bool:
    return name_or_path.endswith(".prop") or "/" in name_or_path or os.sep in name_or_path


def load_property(name_or_path: str, search_dir: Path | None = None) -> Property:
    """Load a property by name (``agreement``) from the library, or from a file path.

    A value that ends in ``.prop`` or contains a path separator is a path; anything
    else is a name looked up as ``<search_dir>/<name>.prop``.
    """
    if _looks_like_path(name_or_path):
        return _read_file(Path(name_or_path))
    directory = search_dir if search_dir is not None else default_properties_dir()
    path = directory / f"{name_or_path}.prop"
    if not path.is_file():
        known = sorted(p.stem for p in directory.glob("*.prop")) if directory.is_dir() else []
        hint = difflib.get_close_matches(name_or_path, known, n=1)
        did_you_mean = f"; did you mean '{hint[0]}'?" if hint else ""
        listing = ", ".join(known) if known else "none"
        raise UsageError(
            f"unknown property '{name_or_path}' in {directory} (known: {listing}){did_you_mean}"
        )
    return _read_file(path)


def load_all(search_dir: Path | None = None) -> tuple[Property, ...]:
    """Every ``*.prop`` file of the library, sorted by name."""
    directory = search_dir if search_dir is not None else default_properties_dir()
    if not directory.is_dir():
        raise UsageError(f"property directory {directory} does not exist")
    props = [_read_file(path) for path in sorted(directory.glob("*.prop"))]
    return tuple(sorted(props, key=lambda p: p.name))
