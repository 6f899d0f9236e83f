"""A Python function's signature and docstring as a JSON Schema and a pydantic validator.

The schema is what a model sees in its prompt, so it is kept plain: no `title` on every node,
`$defs` references inlined (kept only for recursive types), `Optional[X]` as a type list. The
validator is a pydantic model built from the signature; it turns the JSON arguments of a
verified call into the Python values the function expects (dataclasses, enums, models, ...).
"""

from __future__ import annotations

import inspect
import typing
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import docstring_parser
from pydantic import BaseModel, ConfigDict, Field, PydanticUserError, create_model
from pydantic.fields import FieldInfo
from pydantic.json_schema import PydanticJsonSchemaWarning

from lamagent.context import RunContext, is_run_context
from lamagent.errors import ToolDefinitionError

__all__ = ["FunctionSchema", "clean_schema", "function_schema"]

_SCHEMA_MAP_KEYS = ("properties", "$defs", "definitions", "patternProperties")
_SCHEMA_KEYS = ("items", "additionalProperties", "not")
_SCHEMA_LIST_KEYS = ("anyOf", "oneOf", "allOf", "prefixItems")


@dataclass(frozen=True)
class _Param:
    name: str
    field: str  # the field name inside the validator model ("p0", "p1", ...)
    positional_only: bool
    has_default: bool
    default: Any
    always: bool = False  # pass even when not given: the Python default is a pydantic Field
    context: bool = False  # a `RunContext` parameter: filled by the runtime, not the model


@dataclass(frozen=True)
class FunctionSchema:
    """What a function offers as a tool: name, description, parameter schema and validator."""

    name: str
    description: str
    parameters: dict[str, Any]
    validator: type[BaseModel]
    params: tuple[_Param, ...]
    var_keyword: bool = False  # the function takes **kwargs: extra arguments pass through

    @property
    def takes_context(self) -> bool:
        """True when a parameter receives the run's `RunContext`."""
        return any(p.context for p in self.params)

    def bind(
        self, arguments: Mapping[str, Any], context: RunContext[Any] | None = None
    ) -> tuple[list[Any], dict[str, Any]]:
        """Validate JSON arguments and convert them to the function's positional and keyword
        arguments; a `RunContext` parameter gets `context` (an empty one when None).
        Raises `pydantic.ValidationError` when they do not fit the signature."""
        model = self.validator.model_validate(dict(arguments))
        given = model.model_fields_set
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        last_positional = max(
            (
                i
                for i, p in enumerate(self.params)
                if p.positional_only and (p.context or p.field in given)
            ),
            default=-1,
        )
        for i, p in enumerate(self.params):
            if p.context:
                value = context if context is not None else RunContext()
                if p.positional_only:
                    args.append(value)
                else:
                    kwargs[p.name] = value
                continue
            value = getattr(model, p.field)
            if p.positional_only:
                if i <= last_positional:
                    keep = p.field in given or p.always or not p.has_default
                    args.append(value if keep else p.default)
            elif p.field in given or p.always:
                kwargs[p.name] = value
        if self.var_keyword and model.model_extra:
            kwargs.update(model.model_extra)
        return args, kwargs


def _docstring(fn: Callable[..., Any]) -> tuple[str, dict[str, str]]:
    """Description and per-parameter descriptions from a Google, NumPy or Sphinx docstring."""
    doc = inspect.getdoc(fn)
    if not doc:
        return "", {}
    try:
        parsed = docstring_parser.parse(doc)
    except docstring_parser.ParseError:
        return doc.strip(), {}
    parts = [parsed.short_description, parsed.long_description]
    # a first paragraph over several lines is one paragraph: the parser cuts it after its
    # first line (no blank line after the "short description")
    joint = "\n\n" if parsed.blank_after_short_description else "\n"
    description = joint.join(p.strip() for p in parts if p and p.strip())
    params = {
        p.arg_name: p.description.strip()
        for p in parsed.params
        if p.arg_name and p.description and p.description.strip()
    }
    return description, params


def _type_hints(fn: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn, include_extras=True)
    except Exception:  # unresolvable forward references: fall back to the raw annotations
        return {}


def _annotated_description(annotation: Any) -> tuple[str | None, bool]:
    """A plain string in `Annotated[T, "..."]`, and whether a pydantic Field there has one."""
    if typing.get_origin(annotation) is not typing.Annotated:
        return None, False
    text = None
    field_has_description = False
    for meta in annotation.__metadata__:
        if isinstance(meta, str) and text is None:
            text = meta
        elif isinstance(meta, FieldInfo) and meta.description:
            field_has_description = True
    return text, field_has_description


def function_schema(
    fn: Callable[..., Any], *, name: str | None = None, description: str | None = None
) -> FunctionSchema:
    """Build the tool schema and validator of `fn` from its signature and docstring.

    Parameter descriptions come from `Annotated[T, "text"]`, a pydantic `Field(description=...)`
    or the docstring (Google, NumPy or Sphinx), in that order. `*args` and `**kwargs` are not
    offered to the model, nor is a parameter annotated `RunContext` (the runtime fills it).
    Raises `ToolDefinitionError` when a type has no JSON Schema.
    """
    tool_name = name or getattr(fn, "__name__", None)
    if not isinstance(tool_name, str) or (name is None and not tool_name.isidentifier()):
        raise ToolDefinitionError(
            f"cannot take a tool name from {fn!r}; pass name=... to @tool or Tool.from_function"
        )
    doc_description, doc_params = _docstring(fn)
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise ToolDefinitionError(f"tool {tool_name!r}: cannot read the signature: {exc}") from exc
    hints = _type_hints(fn)

    fields: dict[str, Any] = {}
    params: list[_Param] = []
    var_keyword = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = hints.get(param.name, param.annotation)
        if annotation is inspect.Parameter.empty:
            annotation = Any
        if is_run_context(annotation):
            if any(p.context for p in params):
                raise ToolDefinitionError(
                    f"tool {tool_name!r}: only one parameter can take the RunContext"
                )
            params.append(
                _Param(
                    name=param.name,
                    field="",
                    positional_only=param.kind is param.POSITIONAL_ONLY,
                    has_default=False,
                    default=None,
                    context=True,
                )
            )
            continue
        text, field_described = _annotated_description(annotation)
        field_key = f"p{len(params)}"
        has_default = param.default is not inspect.Parameter.empty
        if isinstance(param.default, FieldInfo):
            overrides: dict[str, Any] = {"alias": param.name, "validation_alias": param.name}
            if not param.default.description:
                overrides["description"] = text or doc_params.get(param.name)
            info = FieldInfo.merge_field_infos(param.default, **overrides)
            has_default = not info.is_required()
            default_value = info.get_default(call_default_factory=True) if has_default else None
        else:
            desc = None if field_described else (text or doc_params.get(param.name))
            default_value = param.default if has_default else None
            extra: dict[str, Any] = {"description": desc} if desc else {}
            info = Field(param.default if has_default else ..., alias=param.name, **extra)
        fields[field_key] = (annotation, info)
        params.append(
            _Param(
                name=param.name,
                field=field_key,
                positional_only=param.kind is param.POSITIONAL_ONLY,
                has_default=has_default,
                default=default_value,
                always=isinstance(param.default, FieldInfo),
            )
        )

    try:
        validator = create_model(  # type: ignore[call-overload]
            f"{tool_name}_arguments",
            __config__=ConfigDict(extra="allow" if var_keyword else "forbid"),
            **fields,
        )
        with warnings.catch_warnings():  # defaults that are not JSON are left out: that is fine
            warnings.simplefilter("ignore", PydanticJsonSchemaWarning)
            raw_schema = validator.model_json_schema()
    except (PydanticUserError, TypeError, ValueError, NameError) as exc:
        raise ToolDefinitionError(
            f"tool {tool_name!r}: its parameter types cannot be described as JSON Schema: {exc}. "
            "Use JSON-friendly types (str, int, float, bool, list, dict, Literal, Enum, "
            "TypedDict from typing_extensions, dataclasses, pydantic models)."
        ) from exc
    parameters = clean_schema(raw_schema)
    parameters.pop("additionalProperties", None)  # unknown arguments are rejected regardless
    parameters.setdefault("properties", {})
    return FunctionSchema(
        name=tool_name,
        description=description if description is not None else doc_description,
        parameters=parameters,
        validator=validator,
        params=tuple(params),
        var_keyword=var_keyword,
    )


def _refs(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
    return found


def _recursive_defs(defs: Mapping[str, Any]) -> set[str]:
    """Names of definitions that can reach themselves through references."""
    edges = {name: _refs(schema, set()) for name, schema in defs.items()}
    recursive = set()
    for start in defs:
        seen: set[str] = set()
        stack = list(edges[start])
        while stack:
            name = stack.pop()
            if name == start:
                recursive.add(start)
                break
            if name in seen or name not in edges:
                continue
            seen.add(name)
            stack.extend(edges[name])
    return recursive


def _simplify(node: dict[str, Any], keep: set[str], defs: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        name = ref.rsplit("/", 1)[-1]
        if name in defs and name not in keep:
            out.update(_simplify(defs[name], keep, defs))
        else:
            out["$ref"] = "#/$defs/" + name
    for key, value in node.items():
        if key in ("title", "$ref", "$defs", "definitions"):
            continue
        if key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
            out[key] = {k: _simplify(v, keep, defs) for k, v in value.items()}
        elif key in _SCHEMA_KEYS and isinstance(value, dict):
            out[key] = _simplify(value, keep, defs)
        elif key in _SCHEMA_LIST_KEYS and isinstance(value, list):
            out[key] = [_simplify(v, keep, defs) if isinstance(v, dict) else v for v in value]
        else:
            out[key] = value
    branches = out.get("anyOf")
    if (
        isinstance(branches, list)
        and branches
        and all(isinstance(b, dict) and set(b) == {"type"} for b in branches)
        and all(isinstance(b["type"], str) for b in branches)
    ):
        # `Optional[int]` -> {"type": ["integer", "null"]}: the same meaning, easier to read.
        del out["anyOf"]
        out["type"] = list(dict.fromkeys(b["type"] for b in branches))
        if len(out["type"]) == 1:
            out["type"] = out["type"][0]
    return out


def clean_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A pydantic JSON Schema made plain: titles dropped, non-recursive `$defs` inlined."""
    defs: dict[str, Any] = {}
    for key in ("$defs", "definitions"):
        value = schema.get(key)
        if isinstance(value, dict):
            defs.update(value)
    keep = _recursive_defs(defs)
    out = _simplify(dict(schema), keep, defs)
    if keep:
        out["$defs"] = {name: _simplify(defs[name], keep, defs) for name in sorted(keep)}
    return out
