"""schemas/ is generated from the models; a change to a model without `make schemas` fails here."""

from pathlib import Path

from lpo.schemas import render_schemas

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def test_checked_in_schemas_match_the_models():
    rendered = render_schemas()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in SCHEMAS.glob("*.json")}
    assert set(on_disk) == set(rendered), "run `make schemas`"
    stale = [name for name, text in rendered.items() if on_disk[name] != text]
    assert stale == [], f"schemas out of date, run `make schemas`: {stale}"


def test_review_decision_schema_names_who_when_and_where():
    import json

    schema = json.loads(render_schemas()["review_decision.schema.json"])
    for field in ("reviewer", "decided_at", "site", "project_id", "task_id", "annotation_id"):
        assert field in schema["required"]
