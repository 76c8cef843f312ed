"""JSON Schemas of the boundary records, generated from lpo.models (checked in under schemas/)."""

from __future__ import annotations

import json
import re

from lpo.matter import Matter
from lpo.models import SCHEMA_MODELS


def _file_name(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower() + ".schema.json"


def render_schemas() -> dict[str, str]:
    out = {}
    for model in [*SCHEMA_MODELS, Matter]:
        schema = model.model_json_schema(by_alias=True)
        out[_file_name(model.__name__)] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out
