#!/usr/bin/env python3
"""Contract check: every request our Deriv client sent validates against the vendor's `send.json`.

The Swift test `DerivContractTests` runs our client (`VenueDeriv`) through every call it makes against the simulator,
collects the text frames the simulator received, writes them one per line to a file, and runs this script on it.
Each frame must be a JSON object naming exactly one call we know, and must validate (draft-04) against
`<vendor>/deriv/<call>/send.json`. The script also fails when a call the client is meant to use is missing from the
frames, so that a client that stopped sending a call cannot pass by omission.

The vendor schemas are read from --vendor, else $TRADEWIRE_VENDOR_DIR/deriv, else ../shared/vendor/deriv beside the
project; when they are absent the script prints SKIP and exits 0.

Exit status: 0 every frame valid, 1 a frame failed, 2 usage error, 3 a Python package is missing.
Usage: python3 Tests/contract/validate_deriv_requests.py --frames FILE [--vendor DIR] [--expect call,call,...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def vendor_directory(explicit: str | None) -> Path | None:
    candidates = [Path(explicit)] if explicit else []
    if os.environ.get("TRADEWIRE_VENDOR_DIR"):
        candidates.append(Path(os.environ["TRADEWIRE_VENDOR_DIR"]) / "deriv")
    candidates.append(ROOT.parent / "shared" / "vendor" / "deriv")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", required=True, help="file with one request frame per line")
    parser.add_argument("--vendor", help="directory holding <call>/send.json")
    parser.add_argument("--expect", default="", help="comma-separated calls that must appear")
    arguments = parser.parse_args()
    try:
        import jsonschema
    except ImportError:
        print("deriv-requests: the Python package jsonschema is missing (make setup installs it)")
        return 3
    vendor = vendor_directory(arguments.vendor)
    if vendor is None:
        print("deriv-requests: SKIP (vendor schemas not found: set TRADEWIRE_VENDOR_DIR or put ../shared/vendor beside the project)")
        return 0
    calls = sorted(path.parent.name for path in vendor.glob("*/send.json"))
    validators = {}
    for call in calls:
        schema = json.loads((vendor / call / "send.json").read_text())
        validators[call] = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    failures = 0
    seen: dict[str, int] = {}
    lines = [line for line in Path(arguments.frames).read_text().splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        try:
            request = json.loads(line)
        except json.JSONDecodeError as error:
            print(f"FAIL frame {number}: not JSON ({error})")
            failures += 1
            continue
        if not isinstance(request, dict):
            print(f"FAIL frame {number}: not an object")
            failures += 1
            continue
        named = [key for key in request if key in validators]
        if len(named) != 1:
            print(f"FAIL frame {number}: names {len(named)} known calls ({sorted(request)})")
            failures += 1
            continue
        call = named[0]
        seen[call] = seen.get(call, 0) + 1
        errors = sorted(validators[call].iter_errors(request), key=lambda error: list(error.path))
        for error in errors:
            where = "/".join(str(part) for part in error.path) or "(root)"
            # Never print a token: authorize frames are reported by field only.
            print(f"FAIL frame {number} ({call}) at {where}: {error.message if call != 'authorize' else error.validator}")
            failures += 1
    for call in [name for name in arguments.expect.split(",") if name]:
        if call not in seen:
            print(f"FAIL the client sent no {call} request")
            failures += 1
    summary = ", ".join(f"{call} {count}" for call, count in sorted(seen.items()))
    print(f"deriv-requests: {len(lines)} requests checked against send.json ({summary}); {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
