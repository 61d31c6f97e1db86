"""Shared by the tenancy sweep and the role matrix: a city with two merchants, the objects each
operation's path names, and request bodies made from the OpenAPI schema."""

import hashlib
import io
import re

from django.apps import apps
from PIL import Image

# Path parameters that are not object ids, with the value a call uses.
LITERALS = {
    "kind": "weekly",
    "key": "growth",
    "year": "2026",
    "month": "11",
    "batch": "1",
    "action": "approve",
    "token": "no-such-token",
    "provider": "sandbox",
}
# Where a parameter's name is not its model's name.
ALIASES = {
    "item_id": "merchants.catalogitem",
    "entry_id": "membership.valueentry",
    "plan_id": "relationships.maintenanceplan",
    "event_id": "relationships.customerevent",
    "action_id": "servicedesk.correctiveaction",
    "import_id": "customers.customerimport",
    "batch_id": "promotions.codebatch",
    "closure_id": "merchants.holidayclosure",
}


def model_for(param: str):
    """The model a `<name>_id` path parameter points at (by alias, else by the model's name)."""
    if param in ALIASES:
        return apps.get_model(ALIASES[param])
    wanted = param.removesuffix("_id").replace("_", "")
    found = [
        m
        for m in apps.get_models()
        if m.__module__.startswith("regulars.") and m._meta.model_name == wanted
    ]
    if len(found) != 1:
        raise LookupError(
            f"Path parameter {param!r} names no single model: add it to ALIASES in {__file__}"
        )
    return found[0]


def _merchant_path(model, depth=0) -> str | None:
    """The lookup from `model` to its merchant (`merchant`, `program__merchant`, …)."""
    from regulars.merchants.models import Merchant

    if model is Merchant:
        return "pk"
    names = {f.name: f for f in model._meta.concrete_fields}
    if "merchant" in names or "merchant_id" in {f.attname for f in names.values()}:
        return "merchant_id"
    if depth >= 3:
        return None
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is not None:
            further = _merchant_path(field.related_model, depth + 1)
            if further is not None:
                return f"{field.name}__{further}"
    return None


def object_of(model, merchant, outsider):
    """One of `merchant`'s rows of `model`; for a consumer's own things (places, follows) one
    that is not the outsider's."""
    path = _merchant_path(model)
    rows = model._default_manager.all()
    if path is not None:
        rows = rows.filter(**{path: merchant.pk})
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is type(outsider):
            rows = rows.exclude(**{field.attname: outsider.pk})
    return rows.order_by("pk").first()


def path_values(params: list[str], merchant, outsider) -> dict | None:
    """Values for a path's parameters; None when it names no object (nothing to sweep)."""
    values, names_an_object = {}, False
    for param in params:
        if param in LITERALS:
            values[param] = LITERALS[param]
            continue
        model = model_for(param)
        instance = object_of(model, merchant, outsider)
        if instance is None:
            raise LookupError(f"The sweep's city has no {model._meta.label} of the merchant")
        values[param] = instance.pk
        names_an_object = True
    return values if names_an_object else None


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec["components"]["schemas"][name]
    if "allOf" in schema:
        return _resolve(spec, schema["allOf"][0])
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _resolve(spec, options[0]) if options else {"type": "null"}
    return schema


def sample(spec: dict, schema: dict, name: str = ""):
    """A plausible value for `schema`: the kind of thing a real client sends."""
    schema = _resolve(spec, schema)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    fmt = schema.get("format", "")
    if kind == "object" or "properties" in schema:
        return {
            key: sample(spec, sub, key)
            for key, sub in schema.get("properties", {}).items()
            if key in schema.get("required", [])
        }
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if fmt == "date-time":
        return "2026-12-01T10:00:00+08:00"
    if fmt == "date":
        return "2026-12-01"
    if fmt == "time":
        return "10:00:00"
    if fmt == "binary":
        return png_upload()
    if "amount" in name or "price" in name or "bill" in name:
        return "10"
    if "password" in name:
        return "258036"
    if "phone" in name:
        return "13800000001"
    return "sweep"


def png_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 120, 200)).save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def operations(spec: dict):
    """(METHOD, path, operation, path parameter names) for every operation in the spec."""
    for path, ops in spec["paths"].items():
        for method, operation in ops.items():
            yield method.upper(), path, operation, re.findall(r"{(\w+)}", path)


def request_body(spec: dict, operation: dict) -> tuple[str | None, dict | None]:
    content = operation.get("requestBody", {}).get("content", {})
    for content_type in ("application/json", "multipart/form-data"):
        if content_type in content:
            return content_type, sample(spec, content[content_type]["schema"])
    return None, None


def query_string(spec: dict, operation: dict) -> dict:
    return {
        p["name"]: sample(spec, p.get("schema", {}), p["name"])
        for p in operation.get("parameters", [])
        if p.get("in") == "query" and p.get("required")
    }


UNWATCHED = {"accounts.apitoken"}  # a token's last-used time changes with every call


def database_fingerprint() -> dict[str, str]:
    """A digest of every table of the product: equal before and after means nothing changed."""
    digests = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if not model.__module__.startswith("regulars.") or label in UNWATCHED:
            continue
        rows = model._default_manager.order_by("pk").values_list()
        digest = hashlib.sha256()
        for row in rows.iterator(chunk_size=2000):
            digest.update(repr(row).encode())
        digests[label] = digest.hexdigest()
    return digests


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))
