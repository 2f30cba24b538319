"""schemathesis against the app's own OpenAPI spec: bounded generated requests, no server errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, settings

from movedesk.config import Settings

schemathesis = pytest.importorskip("schemathesis", reason="needs schemathesis (pip install -e '.[dev]')")

from schemathesis.checks import not_a_server_error  # noqa: E402

from .builders import build_store  # noqa: E402


@pytest.fixture
def api_schema(settings_for: Callable[[int], Settings]):  # type: ignore[no-untyped-def]
    from movedesk.web.app import create_app

    s = settings_for(8000)
    build_store(s.db, s)
    app = create_app(s)
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


def test_api_has_no_server_errors(api_schema) -> None:  # type: ignore[no-untyped-def]
    operations = list(api_schema.get_all_operations())
    assert len(operations) >= 10
    checked = 0
    for result in operations:
        operation = result.ok()

        @settings(max_examples=8, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(checks=[not_a_server_error])

        operation.as_strategy()  # fails early if the operation cannot be generated
        from hypothesis import given

        given(case=operation.as_strategy())(run)()
        checked += 1
    assert checked == len(operations)
