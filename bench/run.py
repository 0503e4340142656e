"""Run Kaiku's benchmarks (`make bench`).

Every ``bench/<name>.py`` that defines ``main(argv) -> int`` is a benchmark; to add
one, drop a file here (see bench/README.md). Each runs in its own process, one
after another, so that they never compete for the two cores; each saves its JSON
result under ``bench/results/``.

    .venv/bin/python bench/run.py                   # all benchmarks
    .venv/bin/python bench/run.py record_use        # only the named ones
    .venv/bin/python bench/run.py --list
    .venv/bin/python bench/run.py -- --postgres     # arguments after -- go to every benchmark
"""

from __future__ import annotations

import argparse
import ast
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"run.py", "common.py"}


def discover() -> list[str]:
    """Names of the modules in bench/ that define a top-level main()."""
    names = []
    for path in sorted(HERE.glob("*.py")):
        if path.name in NOT_BENCHMARKS or path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        if any(isinstance(node, ast.FunctionDef) and node.name == "main" for node in tree.body):
            names.append(path.stem)
    return names


def run_one(cmd: list[str]) -> int:
    """Run one benchmark; a SIGTERM to this runner is passed on, so its server stops too."""
    child = subprocess.Popen(cmd)

    def forward(signum: int, frame: object) -> None:
        child.terminate()

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        code = child.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    if code == -signal.SIGTERM or code == 128 + signal.SIGTERM:
        sys.exit("benchmarks stopped by SIGTERM")
    return code


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    passthrough: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, passthrough = argv[:cut], argv[cut + 1 :]
    parser = argparse.ArgumentParser(description="Run Kaiku's benchmarks.")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    available = discover()
    if args.list:
        print("\n".join(available))
        return 0
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}")
    chosen = args.names or available
    failed = []
    for name in chosen:
        print(f"== bench {name} ==", flush=True)
        began = time.monotonic()
        code = run_one([sys.executable, str(HERE / f"{name}.py"), *passthrough])
        print(f"== bench {name}: {'ok' if code == 0 else f'FAILED ({code})'} in {time.monotonic() - began:.0f} s ==")
        if code != 0:
            failed.append(name)
    if failed:
        print(f"Failed benchmarks: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
