"""Every URL of the project appears in some app's permission matrix."""

import importlib
import pkgutil

from django.urls import URLPattern, URLResolver, get_resolver

import kaiku

# Django's own admin has its own permission model (is_staff); static/media are files.
IGNORED_PREFIXES = ("admin:",)


def _names(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}"


def _matrix_names():
    names = set()
    for module in pkgutil.iter_modules(kaiku.__path__):
        try:
            tests = importlib.import_module(f"kaiku.{module.name}.tests.test_permissions")
        except ModuleNotFoundError:
            continue
        for attr in dir(tests):
            if attr.endswith("MATRIX"):
                names |= {row.url_name for row in getattr(tests, attr)}
    return names


def test_it_covers_every_url():
    urls = {n for n in _names(get_resolver().url_patterns) if not n.startswith(IGNORED_PREFIXES)}
    missing = sorted(urls - _matrix_names())
    assert not missing, f"URLs missing from every permission matrix: {missing}"
