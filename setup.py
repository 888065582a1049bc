"""Build glue that pyproject.toml cannot express declaratively.

Two things happen here:

* the Cython sources in ``native/`` are compiled into extension modules of the
  ``architect`` package (``native/_bitset.pyx`` becomes ``architect._bitset``);
* the shipped ``config/`` tree (base and environments, not the operator's
  ``local/``) is copied into the package as ``architect/_bundled_config`` so that
  ``pip install .`` followed by ``architect serve`` works from any directory.

Generated protobuf code is *not* produced here: it is committed under
``src/architect/v1`` by ``scripts/gen_protos.py`` and checked for drift in CI.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent
CONFIG_SUBDIRS = ("base", "environments", "schema")


class BuildPyWithConfig(build_py):
    """build_py that also bundles the shipped config tree as package data."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "architect" / "_bundled_config"
        if target.exists():
            shutil.rmtree(target)
        for sub in CONFIG_SUBDIRS:
            src = ROOT / "config" / sub
            if src.is_dir():
                shutil.copytree(src, target / sub, ignore=shutil.ignore_patterns("*.pyc"))
        (target / "local").mkdir(parents=True, exist_ok=True)


extensions = [
    Extension(f"architect._{pyx.stem.lstrip('_')}", [str(pyx.relative_to(ROOT))])
    for pyx in sorted((ROOT / "native").glob("*.pyx"))
]

setup(
    ext_modules=cythonize(
        extensions,
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False, "cdivision": True},
    ),
    cmdclass={"build_py": BuildPyWithConfig},
)
