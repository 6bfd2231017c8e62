"""Property-based fuzz of the API from its own OpenAPI schema (schemathesis): no 5xx, every response matches it.

Each operation gets valid requests (positive mode) and schema-violating ones (negative mode). The strategies are
driven with Hypothesis directly: schemathesis's pytest plugin (`from_fixture`) does not run under pytest 9.2.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from service.api import create_app
from service.scoring import Scorer
from service.settings import Settings

# Examples per operation and mode: enough to reach every error branch of the body parsing, few enough that the
# whole fuzz runs in well under a minute on two cores.
EXAMPLES = 25
# The default limits: the schema cannot state them (they are settings), so the fuzz must not run into them.
LIMITS = Settings()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_api_conforms_to_its_openapi_schema(scorer: Scorer, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", create_app(LIMITS, scorer=scorer))
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), results
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert {op.label for op in operations} >= {"POST /score", "POST /score/batch", "GET /model", "GET /health/ready"}
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and operation.method.upper() == "GET":
            continue  # no parameters and no body: nothing to get wrong

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate()

        conforms()
