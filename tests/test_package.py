from __future__ import annotations

import subprocess
import sys

import pybet


def test_version_is_the_crate_version() -> None:
    assert pybet.__version__ == "0.1.0"


def test_cli_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pybet", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"pybet {pybet.__version__}"


def test_every_error_has_a_code_and_derives_from_pybet_error() -> None:
    classes = [
        obj
        for obj in vars(pybet.errors).values()
        if isinstance(obj, type) and issubclass(obj, Exception)
    ]
    assert len(classes) > 10
    for cls in classes:
        assert issubclass(cls, pybet.PybetError)
        assert cls.code.isupper()
