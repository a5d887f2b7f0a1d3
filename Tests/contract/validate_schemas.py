#!/usr/bin/env python3
"""Contract checks for the JSON Schemas in schemas/.

Without arguments:
  * every schema file is a valid draft 2020-12 schema, its $id matches its file name, and every message schema
    pins "schema" to "<name>/v1";
  * every schemas/examples/<name>/valid-*.json validates against schemas/<name>.v1.json;
  * every schemas/examples/<name>/invalid-*.json fails, and all its errors are at one instance location
    (an invalid example must break exactly one rule);
  * every message has at least 2 valid and 3 invalid examples;
  * schemas/topics.json entries are complete, name existing schema files, and cover every message schema.

With --reencoded DIR: validates every DIR/<name>/*.json against schemas/<name>.v1.json (used by the Swift tests
to check what the Swift encoder writes).

Prints one line per failure and ends with "contract: N passed, M failed". Exit status: 0 when nothing failed,
1 on failures, 2 on usage errors, 3 when the Python packages are missing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

try:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError as error:  # pragma: no cover - environment problem
    print(
        f"contract: missing Python package '{error.name}'; run `make setup` "
        "(pip install jsonschema referencing rfc3339-validator)",
        file=sys.stderr,
    )
    sys.exit(3)

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
EXAMPLES = SCHEMAS / "examples"
BASE_ID = "https://tradewire.dev/schemas/"
TOPIC_FIELDS = {"name": str, "key": str, "partitions": int, "cleanupPolicy": str, "schema": str, "description": str}
TOPIC_NAME = re.compile(r"^[a-z]+(\.[a-z][a-z-]*)+$")


class Report:
    """Counts checks and prints one line per failure."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {what}: {detail}" if detail else f"FAIL {what}")
        return ok

    def finish(self) -> int:
        print(f"contract: {self.passed} passed, {self.failed} failed")
        return 0 if self.failed == 0 else 1


def load_json(path: Path) -> object:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def relative(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def load_schemas() -> dict[str, dict]:
    """Maps file stem without '.v1' (for example 'order-command', 'common') to the parsed schema."""
    schemas = {}
    for path in sorted(SCHEMAS.glob("*.v1.json")):
        schemas[path.name[: -len(".v1.json")]] = load_json(path)
    return schemas


def make_validators(schemas: dict[str, dict]) -> dict[str, Draft202012Validator]:
    resources = [(schema.get("$id", ""), Resource.from_contents(schema, default_specification=DRAFT202012))
                 for schema in schemas.values()]
    registry = Registry().with_resources(resources)
    return {
        name: Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
        for name, schema in schemas.items()
        if name != "common"
    }


def describe(error) -> str:
    return f"{error.json_path}: {error.message[:200]}"


def check_schemas(report: Report, schemas: dict[str, dict]) -> None:
    for name, schema in schemas.items():
        what = f"schemas/{name}.v1.json"
        try:
            Draft202012Validator.check_schema(schema)
            report.check(True, what)
        except Exception as error:  # jsonschema.SchemaError
            report.check(False, what, f"not a valid draft 2020-12 schema: {getattr(error, 'message', error)}")
        report.check(schema.get("$id") == f"{BASE_ID}{name}.v1.json", what, "$id does not match the file name")
        if name != "common":
            pinned = schema.get("properties", {}).get("schema", {}).get("const")
            report.check(pinned == f"{name}/v1", what, f'"schema" must be const "{name}/v1", got {pinned!r}')


def check_examples(report: Report, schemas: dict[str, dict], validators: dict[str, Draft202012Validator]) -> None:
    for name in sorted(validators):
        directory = EXAMPLES / name
        valid = sorted(directory.glob("valid-*.json"))
        invalid = sorted(directory.glob("invalid-*.json"))
        report.check(len(valid) >= 2, f"schemas/examples/{name}", f"needs at least 2 valid examples, has {len(valid)}")
        report.check(len(invalid) >= 3, f"schemas/examples/{name}",
                     f"needs at least 3 invalid examples, has {len(invalid)}")
        for path in valid:
            errors = list(validators[name].iter_errors(load_json(path)))
            report.check(not errors, relative(path), "; ".join(describe(e) for e in errors))
        for path in invalid:
            errors = list(validators[name].iter_errors(load_json(path)))
            if not report.check(bool(errors), relative(path), "expected to fail validation but passed"):
                continue
            locations = sorted({e.json_path for e in errors})
            report.check(len(locations) == 1, relative(path),
                         f"breaks rules at several locations: {', '.join(locations)}")
    for directory in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
        report.check(directory.name in validators, relative(directory), "no schema with this name")


def check_topics(report: Report, schemas: dict[str, dict]) -> None:
    path = SCHEMAS / "topics.json"
    try:
        topics = load_json(path)["topics"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        report.check(False, "schemas/topics.json", f"cannot read a 'topics' array: {error}")
        return
    names, used = set(), set()
    for index, topic in enumerate(topics):
        what = f"schemas/topics.json /topics/{index}"
        problems = []
        if not isinstance(topic, dict):
            report.check(False, what, "not an object")
            continue
        for field, kind in TOPIC_FIELDS.items():
            value = topic.get(field)
            if not isinstance(value, kind) or isinstance(value, bool) or value in ("", None):
                problems.append(f"{field} must be a non-empty {kind.__name__}")
        extra = set(topic) - set(TOPIC_FIELDS)
        if extra:
            problems.append(f"unknown fields {sorted(extra)}")
        name = topic.get("name")
        if isinstance(name, str):
            if not TOPIC_NAME.match(name):
                problems.append("name must look like 'orders.commands'")
            if name in names:
                problems.append(f"duplicate topic {name}")
            names.add(name)
        if isinstance(topic.get("partitions"), int) and topic["partitions"] < 1:
            problems.append("partitions must be >= 1")
        if topic.get("cleanupPolicy") not in ("delete", "compact"):
            problems.append("cleanupPolicy must be 'delete' or 'compact'")
        schema_file = topic.get("schema")
        if isinstance(schema_file, str):
            if not schema_file.endswith(".v1.json") or not (SCHEMAS / schema_file).is_file():
                problems.append(f"schema {schema_file!r} is not a file in schemas/")
            else:
                used.add(schema_file[: -len(".v1.json")])
        report.check(not problems, what, "; ".join(problems))
    for name in sorted(set(schemas) - {"common"}):
        report.check(name in used, "schemas/topics.json", f"no topic carries {name}.v1.json")


def check_reencoded(report: Report, directory: Path, validators: dict[str, Draft202012Validator]) -> None:
    files = sorted(directory.glob("*/*.json"))
    report.check(bool(files), relative(directory), "no <name>/*.json files to validate")
    for path in files:
        name = path.parent.name
        validator = validators.get(name)
        if not report.check(validator is not None, str(path), f"no schema named {name}"):
            continue
        try:
            instance = load_json(path)
        except ValueError as error:
            report.check(False, str(path), f"not JSON: {error}")
            continue
        errors = list(validator.iter_errors(instance))
        report.check(not errors, str(path), "; ".join(describe(e) for e in errors))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Check the Tradewire JSON Schemas and examples.")
    parser.add_argument("--reencoded", metavar="DIR", type=Path,
                        help="validate DIR/<name>/*.json against schemas/<name>.v1.json instead")
    arguments = parser.parse_args(argv)
    report = Report()
    if "date-time" not in Draft202012Validator.FORMAT_CHECKER.checkers:
        print("contract: warning: 'format: date-time' is not checked (pip install rfc3339-validator); "
              "the timestamp patterns still apply", file=sys.stderr)
    schemas = load_schemas()
    validators = make_validators(schemas)
    if arguments.reencoded is not None:
        if not arguments.reencoded.is_dir():
            print(f"contract: {arguments.reencoded} is not a directory", file=sys.stderr)
            return 2
        check_reencoded(report, arguments.reencoded, validators)
    else:
        check_schemas(report, schemas)
        check_examples(report, schemas, validators)
        check_topics(report, schemas)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
