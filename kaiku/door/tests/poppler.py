"""Poppler's command-line tools, to see printed PDFs as a scanner or a reader would."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: run scripts/system-deps.sh (poppler-utils)")
    return path


def pdf_text(pdf: bytes) -> str:
    # Fixed arguments and our own PDF bytes: nothing untrusted reaches the command line.
    return subprocess.run([_tool("pdftotext"), "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()  # noqa: S603


def pdf_to_png(pdf: bytes, folder: Path, dpi: int) -> list[Path]:
    source = folder / "print.pdf"
    source.write_bytes(pdf)
    subprocess.run([_tool("pdftoppm"), "-r", str(dpi), "-png", str(source), str(folder / "page")], check=True)  # noqa: S603
    return sorted(folder.glob("page*.png"))
