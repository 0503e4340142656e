"""A browsable page for the partner API, rendered on the server from its OpenAPI schema.

It needs no JavaScript and no CDN, unlike the generic Redoc page at /api/docs/.
"""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator

PREFIX = "/api/partners/"
METHODS = ("get", "post", "put", "patch", "delete")


@functools.cache
def partner_schema() -> dict[str, Any]:
    """The partner API's part of the project's OpenAPI schema (it does not change while running)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        "paths": {p: ops for p, ops in schema["paths"].items() if p.startswith(PREFIX)},
        "schemas": schema["components"]["schemas"],
        "info": schema["info"],
    }


def _ref_name(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array" and "$ref" in schema.get("items", {}):
        return f"[{str(schema['items']['$ref']).rsplit('/', 1)[-1]}]"
    return str(schema.get("type", ""))


def _fields(component: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(component.get("required", []))
    rows = []
    for name, prop in component.get("properties", {}).items():
        kind = prop.get("type") or _ref_name(prop) or ("enum" if "enum" in prop else "")
        if prop.get("format"):
            kind = f"{kind} ({prop['format']})"
        if prop.get("nullable"):
            kind = f"{kind}, null"
        rows.append(
            {"name": name, "type": kind, "required": name in required, "description": prop.get("description", "")}
        )
    return rows


def operations() -> list[dict[str, Any]]:
    data = partner_schema()
    result = []
    for path, ops in data["paths"].items():
        for method in METHODS:
            op = ops.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            body_name = _ref_name(body) if body else ""
            responses = []
            for status, response in op.get("responses", {}).items():
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                responses.append(
                    {"status": status, "description": response.get("description", ""), "schema": _ref_name(schema)}
                )
            result.append(
                {
                    "id": op.get("operationId", ""),
                    "method": method.upper(),
                    "path": path,
                    "description": op.get("description", ""),
                    "parameters": op.get("parameters", []),
                    "body": body_name,
                    "body_fields": _fields(data["schemas"].get(body_name, {})) if body_name else [],
                    "responses": responses,
                }
            )
    return result


def docs_page(request: HttpRequest) -> HttpResponse:
    data = partner_schema()
    used = {"Use", "CheckResponse", "Venue", "Offer", "Occurrence", "Error"}
    schemas = [(name, _fields(data["schemas"][name])) for name in sorted(used) if name in data["schemas"]]
    return render(
        request, "partners/api_docs.html", {"operations": operations(), "schemas": schemas, "info": data["info"]}
    )
