"""Validate documents against the shipped JSON Schema and turn failures into located messages."""

from __future__ import annotations

import difflib
import functools
import itertools
import json
import math
import re
from collections.abc import Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from compiler import conventions
from compiler.errors import Diagnostic, Location
from compiler.spec import (
    display_text,
    fastcheck,
    hint_values,
    hints,
    patterns,
    query_text,
    setting_hints,
    shape_hints,
    strings,
)
from compiler.spec.comment_values import in_place
from compiler.spec.document import Document
from compiler.spec.files import SHIPPED_LOADER
from compiler.spec.required_hints import missing_key

if TYPE_CHECKING:  # jsonschema (~40 ms to import) is loaded only for a document fastcheck does not prove valid
    from jsonschema.exceptions import ValidationError

# Keys that would put a secret into generated files; the spec takes a *_file path instead.
INLINE_SECRETS = {
    "routing_key": "routing_key_file",
    "service_key": "routing_key_file",
    "api_key": "api_key_file",
    "api_url": "api_url_file",
    "auth_password": "auth_password_file",
    "password": "auth_password_file",
    "credentials": "credentials_file",
    "bearer_token": "credentials_file",
    "smtp_auth_password": "smtp_auth_password_file",
    "slack_api_url": "slack_api_url_file",
}


NAME_PATTERN = f"^{conventions.NAME}$"  # service, team, SLO names (see conventions.NAME)


@functools.cache
def schema() -> dict[str, Any]:
    text = resources.files("compiler.spec").joinpath("schema.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.load(text, Loader=SHIPPED_LOADER)
    return loaded


def schema_json() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True) + "\n"


@functools.cache
def _strict_validator() -> Any:
    """Draft 2020-12 whose `pattern` anchors `$` at the very end of the string (see patterns.py)."""
    import jsonschema

    return jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        jsonschema.Draft202012Validator,
        {"pattern": patterns.pattern_keyword, "additionalProperties": _additional_properties_in_order},
    )


def _additional_properties_in_order(
    validator: Any, allowed: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """jsonschema's `additionalProperties`, with the other keys checked in the document's order instead of a
    set's (which changes with PYTHONHASHSEED): which problems `validate` keeps under its cap must not vary."""
    import jsonschema

    if not (validator.is_type(instance, "object") and validator.is_type(allowed, "object")):
        yield from jsonschema.Draft202012Validator.VALIDATORS["additionalProperties"](
            validator, allowed, instance, schema
        )
        return
    known = schema.get("properties", {})
    regexes = "|".join(schema.get("patternProperties", {}))  # as jsonschema does
    for key in instance:
        if key not in known and not (regexes and re.search(regexes, key)):
            yield from validator.descend(instance[key], allowed, path=key)


@functools.cache
def _validator() -> Any:
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema())
    return _strict_validator()(_inlined())


@functools.cache
def _inlined() -> dict[str, Any]:
    """schema() with each `{"$ref": "#/$defs/x"}` that stands alone replaced by definition x itself (inlined
    too; the schema has no recursive definitions). jsonschema looks a $ref up through `referencing` at every
    use, a third of validating a fleet's specs. Errors stay the same: a $ref adds no path and no error of
    its own. Definitions are shared objects: `hints` tells them apart by equality with `_defs()`."""
    original: dict[str, Any] = schema()["$defs"]
    done: dict[str, Any] = {}

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if len(node) == 1 and isinstance(ref, str) and ref.startswith("#/$defs/"):
                return definition(ref.removeprefix("#/$defs/"))
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    def definition(name: str) -> Any:
        if name not in done:
            done[name] = inline(original[name])
        return done[name]

    root = {key: inline(value) for key, value in schema().items() if key != "$defs"}
    root["$defs"] = {name: definition(name) for name in original}
    return root


def _defs() -> dict[str, Any]:
    """The definitions as the validator's errors carry them (see `_inlined`)."""
    defs: dict[str, Any] = _inlined()["$defs"]
    return defs


@functools.cache
def _proof() -> fastcheck.Check | None:
    """The compiled yes/no check (fastcheck.py), or None if the schema uses a keyword it does not know."""
    try:
        return fastcheck.compile_schema(_inlined())
    except fastcheck.Unsupported:
        return None


def _proved_valid(data: Any) -> bool:
    proof = _proof()
    try:
        return proof is not None and proof(data)
    except fastcheck.Unsure:
        return False


# Schema problems collected per document. Each costs jsonschema ~0.1 ms and one line of output (the CLI
# shows 50): with pruning linear, 99,000 broken metrics still took ~15 CPU-s. A document past the cap is not
# built either (it may hold problems nobody looked for, and the builder trusts what the schema passed).
MAX_ERRORS = 1_000
STOPPED = f"more than {MAX_ERRORS:,} problems in this document; stopped looking (fix these and run again)"


def validate(doc: Document) -> list[Diagnostic]:
    """Every schema problem in `doc`, each located and phrased for a human (at most MAX_ERRORS, see `stopped`)."""
    found = list(itertools.islice(_problems(doc), MAX_ERRORS + 1))
    if len(found) > MAX_ERRORS:
        return [*_once(_one_per_renamed_key(found[:MAX_ERRORS])), Diagnostic(doc.locate(()), (), STOPPED)]
    return _once(_one_per_renamed_key(found))


def _once(found: list[Diagnostic]) -> list[Diagnostic]:
    """Sorted, each message once per path: `selector: {job=cart}` is one mistake said at its key, not again at the
    missing value beside it (the first place in the file is kept)."""
    seen: set[tuple[object, str]] = set()
    kept = []
    for diagnostic in sorted(set(found)):
        if (diagnostic.path, diagnostic.message) not in seen:
            seen.add((diagnostic.path, diagnostic.message))
            kept.append(diagnostic)
    return kept


def stopped(found: list[Diagnostic]) -> bool:
    """True when `validate` gave up counting: the document must not be built from what it found."""
    return any(d.message == STOPPED and not d.path for d in found)


def _problems(doc: Document) -> Iterator[Diagnostic]:
    # A generator all through: past the cap, jsonschema stops walking the document.
    proved = _proved_valid(doc.data)
    # .nan/.inf said once, first: the schema's own errors there (`Infinity is not of type integer` and `inf is
    # greater than the maximum`, for one `.inf`) are consequences. A proof has seen every number finite.
    odd = [] if proved else list(_non_finite(doc))
    yield from odd
    at = {d.path for d in odd}
    yield from (d for d in _string_and_schema_problems(doc, proved) if d.path not in at)


def _string_and_schema_problems(doc: Document, proved: bool) -> Iterator[Diagnostic]:
    # A runbook link written as an Alertmanager template (`{{ $labels.alertname }}`) is one mistake: the schema's
    # hint says what to write, and the text checks' "'{{' is not allowed" and "white space in a link" on the same
    # value are its consequences (round 43, a newcomer: open (2)). Held until the schema has spoken.
    held: list[Diagnostic] = []
    for found in itertools.chain(strings.problems(doc), display_text.problems(doc)):  # lazily: the cap
        if found.path and found.path[-1] == "runbook_url":
            held.append(found)
        else:
            yield found
    yield from query_text.problems(doc)
    templated: set[tuple[str | int, ...]] = set()
    if not proved:  # jsonschema only where there may be something to say
        for error in _validator().iter_errors(doc.data):
            for said in _explain(doc, error):
                if setting_hints.TEMPLATE_HINT in said.message:
                    templated.add(said.path)
                yield said
    yield from (d for d in held if d.path not in templated)
    yield from _fraction_objectives(doc)


# A message on a key that names the key meant: "here it is called 'objective'", "did you mean 'url'?", an
# inline secret's "set 'routing_key_file' to its path".
_KEY_MEANT = re.compile(
    rf"{hints.RENAMED} '([^']+)'|did you mean '([^']+)'\?|and set '([^']+)' to its path|keys go under '([^']+)'"
)


def key_meant(diagnostic: Diagnostic) -> str | None:
    """The key a misspelt or renamed key's message names as the one meant (`metrcs:` → 'metrics'), or None."""
    meant = _KEY_MEANT.search(diagnostic.message) if diagnostic.path else None
    return next(name for name in meant.groups() if name) if meant else None


def _one_per_renamed_key(found: list[Diagnostic]) -> list[Diagnostic]:
    # `target: 99.9` is one mistake: the "here it is called 'objective'" on the key says it all, so the
    # "missing required key 'objective'" on its mapping is left out (so for a misspelt key, an inline secret).
    renamed = {
        (d.path[:-1], next(name for name in meant.groups() if name))
        for d in found
        if d.path and (meant := _KEY_MEANT.search(d.message))
    }
    return [
        d
        for d in found
        if not (d.message.startswith("missing required key '") and (d.path, d.message.split("'")[1]) in renamed)
    ]


def _non_finite(doc: Document) -> Iterator[Diagnostic]:
    # YAML's .nan and .inf are floats JSON Schema lets through (NaN fails no comparison); no spec means them.
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(doc.data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            yield Diagnostic(doc.locate(path), path, f"{value} is not a usable number (YAML .nan/.inf); write a number")
        elif isinstance(value, dict):
            stack.extend((v, (*path, k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))


def _fraction_objectives(doc: Document) -> Iterator[Diagnostic]:
    # Schema-valid but never meant: reported here, as a schema error, so the SLO is left out of the checks
    # that would otherwise call its (impossible) burn alerts unreachable.
    slos = doc.data.get("slos") if isinstance(doc.data, dict) else None
    for i, slo in enumerate(slos if isinstance(slos, list) else []):
        message = hints.objective_problem(slo.get("objective")) if isinstance(slo, dict) else None
        if message:
            yield Diagnostic(doc.locate(("slos", i, "objective")), ("slos", i, "objective"), message)


def _schema_of(error: ValidationError) -> dict[str, Any]:
    return error.schema if isinstance(error.schema, dict) else {}


def _explain(doc: Document, error: ValidationError) -> Iterator[Diagnostic]:
    path = tuple(error.absolute_path)
    if error.validator in ("if", "then", "else", "$ref", "allOf") and error.context:
        for sub in error.context:
            yield from _explain(doc, sub)
        return
    if error.validator in ("oneOf", "anyOf") and error.context:
        hint = hints.explain(error, _defs(), path)
        if hint:
            yield Diagnostic(doc.locate(path), path, hint)
            return
        yield from _explain_choice(doc, error)
        return
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted((_schema_of(error).get("properties") or {}).keys())
        for key in sorted(k for k in error.instance if k not in allowed):
            message = _unknown_key(key, allowed, path)
            yield Diagnostic(doc.locate((*path, key), key=True), (*path, key), message)
        return
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        if hidden := doc.hidden_keys.get(missing):
            said = f"missing required key '{missing}': the source writes it {missing}:: (hidden: Jsonnet leaves hidden "
            said += f"fields out of its output); write {missing}: with one colon"
            yield Diagnostic(Location(doc.file, *hidden), path, said)
            return
        kind = doc.data.get("kind") if isinstance(doc.data, dict) else None
        yield Diagnostic(doc.locate(path), path, missing_key(missing, path, kind, doc.file))
        return
    if error.validator == "propertyNames":
        yield from _explain_property_name(doc, error, path)
        return
    written = doc.read_otherwise.get(path)
    if error.validator == "type" and error.instance is None and not written and (comment := in_place(doc, path)):
        yield Diagnostic(comment[0], path, comment[1])  # `channel: #payments`: a comment, so no value
        return
    hint = hints.explain(error, _defs(), path) or hint_values.not_text(error, written, path, _as_text_refusal)
    if hint and written and "_" in written and written not in hint and isinstance(error.instance, int | float):
        # `objective: 99_9` was told "999 is no objective", a number the reader never wrote
        hint = f"{written} is read as {json.dumps(error.instance)} (YAML drops the _ in a number): {hint}"
    if _refuses_key(error):  # at the key's own line and path (`$.metrics["bad name"]`, not `$.metrics`)
        key_path = (*path, str(error.instance))
        yield Diagnostic(doc.locate(key_path, key=True), key_path, hint or _message(error))
        return
    yield Diagnostic(doc.locate(path), path, hint or _message(error))


def _refuses_key(error: ValidationError) -> bool:
    """A key refused by `propertyNames`: jsonschema reports it at its mapping, which located every bad team or
    label name of a mapping at its first key (a line that may be fine) and named only the mapping's path."""
    return "propertyNames" in error.relative_schema_path and isinstance(error.instance, str)


def _as_text_refusal(error: ValidationError, text: str, path: tuple[str | int, ...]) -> str | None:
    """What the field would say of `text`, the value as written, once quoted: "quote it: '1.10'" is advice
    only where the field takes that text (`team: 1.10` would then be refused as a name, `url: yes` as a URL)."""
    if not isinstance(error.schema, dict):
        return None
    refused = next(iter(_validator().evolve(schema=error.schema).iter_errors(text)), None)
    if refused is None:
        return None
    if refused.schema == _defs()["url"]:  # not the URL hint: "e.g. 'https://yes'" would be no advice
        return f"{text!r} is not a URL (https://...)"
    return hints.explain(refused, _defs(), path) or _message(refused)


def _explain_property_name(doc: Document, error: ValidationError, path: tuple[str | int, ...]) -> Iterator[Diagnostic]:
    for sub in error.context or []:
        key = str(sub.instance)
        yield Diagnostic(doc.locate((*path, key), key=True), (*path, key), f"name {key!r}: {_message(sub)}")
    if not error.context:
        yield Diagnostic(doc.locate(path), path, _message(error))


def _explain_choice(doc: Document, error: ValidationError) -> Iterator[Diagnostic]:
    # Prefer the branch whose type matches: its errors are the ones the user can act on. A wrong type inside
    # that branch (`url: 5` in a receiver) is one of them: only the branches' own type mismatches are not.
    context = error.context or []
    same_type = [e for e in context if not _other_type(e) or len(e.absolute_path) > len(error.absolute_path)]
    if same_type:
        from jsonschema.exceptions import best_match

        deepest = best_match(same_type)
        if deepest is not None:
            # Every problem of the branch meant, not only the best: `buckets: [0.1, "x", -1]` has two.
            branch = deepest.relative_schema_path[0] if deepest.relative_schema_path else None
            meant = [e for e in same_type if e.relative_schema_path and e.relative_schema_path[0] == branch]
            for sub in meant or [deepest]:
                yield from _explain(doc, sub)
            return
    path = tuple(error.absolute_path)
    expected = sorted({shape_hints.in_words(_schema_of(e).get("type")) for e in context if "type" in _schema_of(e)})
    expected += sorted({json.dumps(_schema_of(e)["const"]) for e in context if "const" in _schema_of(e)})
    description = _schema_of(error).get("description")
    hint = f"expected {' or '.join(expected)}" if expected else "does not match any allowed form"
    if description:
        hint += f" ({description})"
    yield Diagnostic(doc.locate(path), path, f"{_short(error.instance)}: {hint}")


def _other_type(error: ValidationError) -> bool:
    """A branch the value is not even of the type of: `targets: {...}` against `const: false` is no advice
    (its mapping's own problem, too many labels, is)."""
    if error.validator == "const":
        return type(error.instance) is not type(error.validator_value)
    return error.validator == "type"


def _unknown_key(key: str, allowed: list[str], path: tuple[str | int, ...]) -> str:
    hint = hints.unknown_key(key, allowed, path)
    if hint:
        return hint
    if key in INLINE_SECRETS:
        return (
            f"inline secret '{key}' is not allowed: put the secret in a file and set "
            f"'{INLINE_SECRETS[key]}' to its path"
        )
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else f" (allowed: {', '.join(allowed)})"
    return f"unknown key '{key}'{hint}"


def _message(error: ValidationError) -> str:
    description = _schema_of(error).get("description")
    if error.validator == "pattern" and description:
        # A secret file setting that is not a path is most likely the secret itself: not repeated into CI logs.
        secret = bool(error.path) and str(error.path[-1]).endswith("_file")
        return f"{'the value (not repeated here)' if secret else _short(error.instance)} is not valid: {description}"
    if error.validator == "const":
        return f"{_short(error.instance)} is not supported; expected {error.validator_value!r}"
    if error.validator in ("maxItems", "maxProperties"):
        # Never the instance itself: it is large by definition.
        count = len(error.instance) if isinstance(error.instance, list | dict) else 0
        return (
            f"{count:,} entries; at most {error.validator_value:,} per spec "
            "(each one multiplies the generated rules, tests and panels)"
        )
    if error.validator == "enum":
        options = ", ".join(repr(v) for v in _schema_of(error).get("enum", []))
        return f"{_short(error.instance)} is not one of {options}"
    if error.validator == "type":
        return shape_hints.wrong_type(error)
    if error.validator in ("maximum", "exclusiveMinimum", "minimum", "exclusiveMaximum"):
        return error.message
    return error.message


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
