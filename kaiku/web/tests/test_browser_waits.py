"""No browser test waits on a promise with ``wait_for_function``: Playwright takes the promise
itself as the truthy answer and stops waiting at once (a door test passed its "wait until
the page knows the card is inactivated" that way, and failed later by chance).
``kaiku.testing.browser.wait_until`` awaits each try."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _promise_waits(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "wait_for_function" and node.args:
            expression = "".join(
                part.value
                for part in ast.walk(node.args[0])
                if isinstance(part, ast.Constant) and isinstance(part.value, str)
            )
            if "async" in expression or ".then(" in expression or "Promise" in expression:
                lines.append(node.lineno)
    return lines


def test_no_wait_for_function_returns_a_promise():
    found = {
        str(path.relative_to(ROOT)): lines
        for path in ROOT.rglob("test_*.py")
        if (lines := _promise_waits(path.read_text()))
    }
    assert found == {}


def test_a_promise_wait_is_found():
    assert _promise_waits('page.wait_for_function("async () => await x()")') == [1]
    assert _promise_waits('page.wait_for_function("() => p().then((v) => v)")') == [1]
    assert _promise_waits('page.wait_for_function("() => window.ready")') == []
