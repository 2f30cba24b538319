"""The API's human docs: one server-rendered page drawn from the OpenAPI spec.

FastAPI's Swagger and ReDoc pages load JavaScript from a CDN, which the app's CSP (``default-src
'none'``) forbids and which a closed network cannot reach; this page needs no script at all.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from movedesk.web.render import page

router = APIRouter(include_in_schema=False)

DOCS_PATH = "/api/v1/docs"
_METHODS = ("get", "post", "put", "patch", "delete")


def _type_of(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " or ".join(_type_of(s) for s in schema["anyOf"])
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    kind = str(schema.get("type", "any"))
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Each operation of the spec as method, path, summary, parameters and answered statuses."""
    out = []
    for path, item in spec.get("paths", {}).items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            description = str(op.get("description", "")).strip().split("\n\n")[0]
            out.append(
                {
                    "id": str(op.get("operationId", f"{method}-{path}")),
                    "method": method.upper(),
                    "path": path,
                    "summary": description or op.get("summary", ""),
                    "params": [
                        {
                            "name": p["name"],
                            "where": p.get("in", ""),
                            "type": _type_of(p.get("schema", {})),
                            "required": bool(p.get("required")),
                            "description": p.get("description", p.get("schema", {}).get("description", "")),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "statuses": sorted(op.get("responses", {})),
                }
            )
    return out


@router.get(DOCS_PATH, response_class=HTMLResponse)
def api_docs(request: Request) -> Response:
    spec = request.app.openapi()
    info = spec.get("info", {})
    html = page(
        "api_docs.html.j2",
        description=info.get("description", ""),
        version=info.get("version", ""),
        openapi=spec.get("openapi", ""),
        spec_url=request.app.openapi_url,
        operations=operations(spec),
    )
    return HTMLResponse(html)


@router.get("/docs")
def docs_redirect() -> Response:
    return RedirectResponse(DOCS_PATH, status_code=308)
