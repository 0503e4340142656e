"""Copy the front-end files Kaiku serves from node_modules (installed from package-lock.json)
into kaiku/static/vendor/, where whitenoise serves them. No bundler; nothing copied by hand.

Test-only files (axe-core for the accessibility checks) are not served: the tests load
them from node_modules (kaiku.testing.browser)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
DEST = ROOT / "kaiku" / "static" / "vendor"

# (source inside node_modules, destination inside static/vendor)
FILES = [
    ("htmx.org/dist/htmx.min.js", "htmx.min.js"),
    ("zxing-wasm/dist/iife/reader/index.js", "zxing/reader.js"),
    ("zxing-wasm/dist/reader/zxing_reader.wasm", "zxing/zxing_reader.wasm"),
]


def main() -> int:
    missing = [src for src, _ in FILES if not (NODE / src).exists()]
    if missing:
        print(f"Missing in node_modules (run npm ci): {missing}", file=sys.stderr)
        return 1
    DEST.mkdir(parents=True, exist_ok=True)
    # A file no longer listed (an earlier checkout's copy) must not stay served.
    wanted = {DEST / dst for _, dst in FILES}
    for old in [path for path in DEST.rglob("*") if path.is_file() and path.name != ".copied"]:
        if old not in wanted:
            old.unlink()
    for src, dst in FILES:
        target = DEST / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(NODE / src, target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
