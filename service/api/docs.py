"""OpenAPI schema and a docs UI that works on an air-gapped network.

Litestar's render plugins point at CDNs by default. Swagger UI's own built files ship in the `swagger-ui-bundle-v2`
package (Swagger UI 5, which renders the OpenAPI 3.1 schema Litestar writes); the service serves them itself under
/schema/assets and the docs page at /schema (also /schema/swagger) loads only those. /schema/openapi.json is the schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from litestar import Router
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, Schema, SecurityScheme, Tag
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

SCHEMA_PATH = "/schema"
ASSETS = "/assets"


class OfflineSwagger(SwaggerRenderPlugin):
    """Swagger UI from the service's own assets; registers the static route on the OpenAPI router."""

    def __init__(self, base: str = SCHEMA_PATH, **kwargs: Any) -> None:
        assets = f"{base}{ASSETS}"
        super().__init__(
            js_url=f"{assets}/swagger-ui-bundle.js",
            css_url=f"{assets}/swagger-ui.css",
            standalone_preset_js_url=f"{assets}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{assets}/favicon-32x32.png'>",
            path=["/", "/swagger"],
            **kwargs,
        )

    def receive_router(self, router: Router) -> None:
        super().receive_router(router)
        router.register(
            create_static_files_router(
                path=ASSETS, directories=[Path(str(swagger_ui_path))], include_in_schema=False, name="docs-assets"
            )
        )


def _numeric_members(kind: msgspec.inspect.Type) -> list[msgspec.inspect.FloatType | msgspec.inspect.IntType]:
    members = kind.types if isinstance(kind, msgspec.inspect.UnionType) else (kind,)
    return [m for m in members if isinstance(m, (msgspec.inspect.FloatType, msgspec.inspect.IntType))]


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Litestar's Struct schemas, made to say what the server enforces.

    - Structs that forbid unknown fields get additionalProperties: false.
    - A lower bound of 0 (`Meta(ge=0.0)`) is kept: Litestar 2.25 drops falsy bounds, which made the schema allow
      negative thresholds that the server then rejects.
    """

    def to_openapi_schema(self, field_definition: Any, schema_creator: Any) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if not isinstance(info, msgspec.inspect.StructType):
            return schema
        if info.forbid_unknown_fields:
            schema.additional_properties = False
        for field in info.fields:
            prop = (schema.properties or {}).get(field.encode_name)
            if not isinstance(prop, Schema):
                continue
            for member in _numeric_members(field.type):
                if member.ge is not None and prop.minimum is None:
                    prop.minimum = member.ge
        return schema


def openapi_config(version: str, api_keys: bool) -> OpenAPIConfig:
    """The schema documents the X-API-Key scheme only when keys are configured, so it says what this deployment does."""
    components = Components(
        security_schemes={
            "ApiKey": SecurityScheme(
                type="apiKey",
                name="X-API-Key",
                security_scheme_in="header",
                description="One of the keys in ESCALATION_API_KEYS; needed on /score, /score/batch and /model.",
            )
        }
        if api_keys
        else None
    )
    return OpenAPIConfig(
        title="escalation-risk",
        version=version,
        description=(
            "Scores news and statement text for conflict escalation and de-escalation signals, with evidence. "
            "Offsets are code-point offsets into the submitted text, end-exclusive. Errors are RFC 9457 problem "
            "details (application/problem+json)."
        ),
        path=SCHEMA_PATH,
        render_plugins=[OfflineSwagger(), JsonRenderPlugin()],
        components=components,
        tags=[
            Tag(name="scoring", description="Score documents"),
            Tag(name="model", description="The model being served"),
            Tag(name="health", description="Liveness and readiness probes"),
        ],
        use_handler_docstrings=False,
    )
