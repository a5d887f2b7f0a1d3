#!/usr/bin/env python3
"""Contract check: the simulator's CPlugin WebAPI v2 REST face against the vendor's own OpenAPI document.

Starts `venue-sim` on free loopback ports and exercises, under /api/v2/MT4/<platform>/, ServerTime,
TradeTransaction (OpenMarket, an Idempotency-Key replay, CloseMarket, and the error paths unknown symbol, volume 0,
unknown login, unknown ticket), TradesGet, TradesGetByLogin, TradeRecordGet, MarginLevelGet, UserRecordGet and
TickInfoLast (one symbol and all), plus the OAuth2 token endpoint and requests without a valid token.

Every v2 answer must be HTTP 200 `application/json` and validate against the `*ApiResponse` component schema that
the OpenAPI document's `paths` section names for that path and method (responses.200.content.application/json).
The OpenAPI 3.0 schema dialect is converted to JSON Schema 2020-12 first: `nullable: true` admits null,
`#/components/schemas/X` references resolve inside the document, and the formats date-time (RFC 3339), uuid,
int32, int64 and byte are checked. On top of the schemas (whose properties are all optional): the envelope carries
`data` and `error`, success means `error` null and `data` present, failure means `data` null and an `error` whose
code is not Ok, and the business facts the spec promises (tickets, echoes, replays, lists) hold.

The vendor document is read from $TRADEWIRE_VENDOR_DIR/cplugin/openapi-v2.json, else ../shared/vendor/cplugin/
openapi-v2.json beside the project; when it is absent the script prints SKIP and exits 0.

Bounded (55 s budget), talks only to 127.0.0.1, stops the simulator it started by its PID on every path.
Prints one line per failure (and per warning), then "cplugin-contract: N responses validated ...".
Exit status: 0 nothing failed, 1 failures, 2 the simulator could not be found or started, 3 a Python package is
missing.

Usage: python3 Tests/contract/validate_cplugin_simulator.py [--venue-sim PATH] [--openapi FILE] [--verbose]
"""

from __future__ import annotations

import argparse
import base64
import binascii
import copy
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from venue_sim import Deadline, SetupError, VenueSim, find_binary, install_deadline  # noqa: E402

try:
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import best_match
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError as error:  # pragma: no cover - environment problem
    print(f"cplugin-contract: missing Python package '{error.name}'; run `make setup` "
          "(pip install jsonschema referencing rfc3339-validator)", file=sys.stderr)
    sys.exit(3)

LABEL = "cplugin-contract"
ROOT = Path(__file__).resolve().parents[2]
PLATFORM = "00000000-0000-0000-0000-000000000001"
PREFIX = f"/api/v2/MT4/{PLATFORM}"
CLIENT_ID = "sim-cplugin-client"
CLIENT_SECRET = "sim-cplugin-secret"
LOGIN = 1001
GROUP = "demo"
SYMBOLS = {"EURUSD", "USDJPY", "BTCUSD", "ETHUSD"}
UNKNOWN_LOGIN = 999999
UNKNOWN_TICKET = 99999999
BUDGET_SECONDS = 55
DOCUMENT_ID = "urn:tradewire:vendor:cplugin:openapi-v2"
OPENAPI_ONLY_KEYWORDS = {"nullable", "discriminator", "xml", "externalDocs", "example"}

HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# RFC 6749 §5.1 / §5.2, narrowed to what the simulator's spec promises (Bearer, scope echoed).
TOKEN_ANSWER = {
    "type": "object",
    "required": ["access_token", "token_type", "expires_in", "scope"],
    "properties": {
        "access_token": {"type": "string", "minLength": 1},
        "token_type": {"const": "Bearer"},
        "expires_in": {"type": "integer", "minimum": 1},
        "scope": {"type": "string", "minLength": 1},
    },
}
TOKEN_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"enum": ["invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
                           "unsupported_grant_type", "invalid_scope"]},
        "error_description": {"type": "string"},
        "error_uri": {"type": "string"},
    },
}


class Report:
    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose
        self.validated = 0
        self.token_answers = 0
        self.passed = 0
        self.failed = 0
        self.warnings = 0

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            if self.verbose:
                print(f"  ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f": {detail}" if detail else ""))
        return ok

    def warn(self, what: str) -> None:
        self.warnings += 1
        print(f"WARN {what}")


# -- the vendor document --------------------------------------------------------------------------------------

def find_openapi(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    vendor_dir = os.environ.get("TRADEWIRE_VENDOR_DIR")
    if vendor_dir:
        return Path(vendor_dir) / "cplugin" / "openapi-v2.json"
    return ROOT.parent / "shared" / "vendor" / "cplugin" / "openapi-v2.json"


def convert_schema(schema: object) -> object:
    """One OpenAPI 3.0 Schema Object as JSON Schema 2020-12 (recursively)."""
    if not isinstance(schema, dict):
        return schema
    out: dict = {}
    for key, value in schema.items():
        if key in OPENAPI_ONLY_KEYWORDS:
            continue
        if key in ("properties", "patternProperties"):
            out[key] = {name: convert_schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = convert_schema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [convert_schema(sub) for sub in value]
        else:
            out[key] = copy.deepcopy(value)
    if schema.get("nullable") is True:
        kind = out.get("type")
        if isinstance(kind, str) and "allOf" not in out and "$ref" not in out:
            out["type"] = [kind, "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = list(out["enum"]) + [None]
        else:
            # `allOf: [{$ref}]` + nullable (how Swashbuckle writes a nullable reference): null, or the schema.
            out = {"anyOf": [{"type": "null"}, out]}
    return out


class Contract:
    """The converted component schemas, a registry that resolves their references, and the path lookup."""

    def __init__(self, document: dict) -> None:
        self.document = document
        schemas = document.get("components", {}).get("schemas", {})
        self.converted = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": DOCUMENT_ID,
            "components": {"schemas": {name: convert_schema(sub) for name, sub in schemas.items()}},
        }
        resource = Resource(contents=self.converted, specification=DRAFT202012)
        self.registry = Registry().with_resource(DOCUMENT_ID, resource)
        self.format_checker = make_format_checker()
        self.templates: list[tuple[re.Pattern, str, dict]] = []
        for template, item in document.get("paths", {}).items():
            pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
            self.templates.append((re.compile(pattern), template, item))

    def check_schemas(self) -> list[str]:
        problems = []
        for name, sub in self.converted["components"]["schemas"].items():
            try:
                Draft202012Validator.check_schema(sub)
            except Exception as error:  # noqa: BLE001 - report and go on
                problems.append(f"{name}: {str(error).splitlines()[0]}")
        return problems

    def response_schema(self, method: str, path: str) -> tuple[str, str] | None:
        """(path template, component name) of the 200 application/json answer for `method path`."""
        path = path.split("?", 1)[0]
        candidates = []
        for pattern, template, item in self.templates:
            if pattern.match(path) and method.lower() in item:
                literal = len(re.sub(r"\{[^}]*\}", "", template))
                candidates.append((literal, template, item[method.lower()]))
        if not candidates:
            return None
        _, template, operation = max(candidates, key=lambda c: c[0])
        content = operation.get("responses", {}).get("200", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        ref = schema.get("$ref", "")
        if not ref.startswith("#/components/schemas/"):
            return None
        return template, ref.rsplit("/", 1)[1]

    def validator(self, component: str) -> Draft202012Validator:
        return Draft202012Validator(
            {"$ref": f"{DOCUMENT_ID}#/components/schemas/{component}"},
            registry=self.registry,
            format_checker=self.format_checker,
        )

    def properties_of(self, component: str) -> set[str]:
        schema = self.document["components"]["schemas"].get(component, {})
        return set(schema.get("properties", {}))

    def payload_component(self, envelope_component: str) -> str | None:
        """The DTO component behind an envelope's `data` (through allOf/items)."""
        data = self.document["components"]["schemas"][envelope_component].get("properties", {}).get("data", {})
        for node in (data, data.get("items", {}), *(data.get("allOf", []))):
            ref = node.get("$ref", "") if isinstance(node, dict) else ""
            if ref.startswith("#/components/schemas/"):
                return ref.rsplit("/", 1)[1]
        items = data.get("items", {})
        for node in items.get("allOf", []) if isinstance(items, dict) else []:
            if node.get("$ref", "").startswith("#/components/schemas/"):
                return node["$ref"].rsplit("/", 1)[1]
        return None


def make_format_checker() -> FormatChecker:
    checker = FormatChecker()  # date-time (rfc3339-validator), uuid, ... as installed

    def integer_range(bits: int):
        low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

        def check(value: object) -> bool:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return True
            return float(value).is_integer() and low <= value <= high
        return check

    checker.checks("int32")(integer_range(32))
    checker.checks("int64")(integer_range(64))

    @checker.checks("byte")
    def is_base64(value: object) -> bool:
        if not isinstance(value, str):
            return True
        try:
            base64.b64decode(value, validate=True)
            return True
        except (binascii.Error, ValueError):
            return False

    for name in ("float", "double"):
        checker.checks(name)(lambda value: True)  # JSON numbers; NaN/Infinity are rejected by the parser
    return checker


def describe(error) -> str:
    """The specific reasons of a validation error (descending into anyOf branches), with their locations.
    The `null` branch that `nullable` adds is skipped: its complaint ("is not of type 'null'") never helps."""
    if error.context:
        useful = [sub for sub in error.context if not (sub.validator == "type" and sub.validator_value == "null")]
        if useful:
            return "; ".join(describe(sub) for sub in sorted(useful, key=lambda e: list(e.absolute_path)))
        return describe(best_match(error.context))
    return f"{error.json_path}: {error.message[:200]}"


# -- HTTP ------------------------------------------------------------------------------------------------------

def strict_json(body: bytes) -> object:
    def reject(constant: str) -> object:
        raise ValueError(f"non-JSON constant {constant}")
    return json.loads(body.decode("utf-8"), parse_constant=reject)


class Api:
    def __init__(self, base: str, contract: Contract, report: Report) -> None:
        self.base = base
        self.contract = contract
        self.report = report
        self.token: str | None = None
        self.absent: dict[str, tuple[int, set[str]]] = {}  # DTO -> (declared count, properties never sent)

    def raw(self, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None) -> tuple[int, dict, bytes]:
        url = self.base + path
        assert url.startswith("http://127.0.0.1:"), url
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            with HTTP.open(request, timeout=5) as response:
                return response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers.items()), error.read()

    def call(self, what: str, method: str, path: str, body: object = None,
             headers: dict | None = None, expect: str = "success") -> dict | None:
        """Sends a v2 request, checks HTTP 200 + JSON + the OpenAPI schema + envelope rules; returns the envelope.

        expect: "success" (error null, data present), "error" (data null, error.code not Ok) or "any"."""
        all_headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        status, response_headers, raw = self.raw(method, PREFIX + path, payload, all_headers)
        label = f"{what} ({method} {path})"
        if not self.report.check(status == 200, f"{label}: HTTP 200", f"HTTP {status}: {raw[:300]!r}"):
            return None
        content_type = next((v for k, v in response_headers.items() if k.lower() == "content-type"), "")
        self.report.check(content_type.split(";")[0].strip().lower() == "application/json",
                          f"{label}: Content-Type application/json", f"got {content_type!r}")
        try:
            envelope = strict_json(raw)
        except ValueError as error:
            self.report.check(False, f"{label}: body is JSON", f"{error}: {raw[:300]!r}")
            return None
        if self.report.verbose:
            print(f"  {label} -> {json.dumps(envelope)[:400]}")
        found = self.contract.response_schema(method, PREFIX + path)
        if not self.report.check(found is not None, f"{label}: OpenAPI names a 200 application/json schema",
                                 "no matching path/method in the document"):
            return None
        template, component = found
        errors = sorted(self.contract.validator(component).iter_errors(envelope), key=lambda e: list(e.path))
        self.report.validated += 1
        self.report.check(not errors, f"{label}: valid {component}",
                          "; ".join(describe(e) for e in errors[:5])
                          + (f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""))
        self.check_envelope(label, component, envelope, expect)
        return envelope if isinstance(envelope, dict) else None

    def check_envelope(self, label: str, component: str, envelope: object, expect: str) -> None:
        if not isinstance(envelope, dict):
            return
        missing = [key for key in ("data", "error") if key not in envelope]
        self.report.check(not missing, f"{label}: envelope carries data and error", f"missing {missing}")
        meta = envelope.get("meta")
        if not isinstance(meta, dict):
            self.report.warn(f"{label}: meta is {meta!r}; the vendor always sends meta.activityId")
        elif not re.fullmatch(r"[0-9a-f]{32}", activity := str(meta.get("activityId"))) or set(activity) == {"0"}:
            self.report.warn(f"{label}: meta.activityId {meta.get('activityId')!r} is not a W3C trace id")
        data, error = envelope.get("data"), envelope.get("error")
        if expect == "success":
            ok = error is None and data is not None
            self.report.check(ok, f"{label}: success envelope (error null, data present)",
                              f"error={json.dumps(error)} data={json.dumps(data)[:120]}")
            if ok:
                self.check_complete(label, component, data)
        elif expect == "error":
            ok = data is None and isinstance(error, dict) and error.get("code") not in (None, "Ok")
            self.report.check(ok, f"{label}: error envelope (data null, error.code not Ok)",
                              f"error={json.dumps(error)} data={json.dumps(data)[:120]}")
            if ok and self.report.verbose:
                print(f"       error: {json.dumps(error)}")

    def check_complete(self, label: str, component: str, data: object) -> None:
        """The vendor serialises every DTO property (nulls included); report the ones the simulator leaves out."""
        dto = self.contract.payload_component(component)
        if dto is None:
            return
        declared = self.contract.properties_of(dto)
        items = data if isinstance(data, list) else [data]
        absent = set()
        for item in items:
            if isinstance(item, dict):
                absent |= declared - item.keys()
        if absent:
            self.absent.setdefault(dto, (len(declared), set()))[1].update(absent)

    def warn_absent(self) -> None:
        for dto, (declared, absent) in sorted(self.absent.items()):
            self.report.warn(f"{dto}: {len(absent)} of {declared} properties never sent (the vendor serialises "
                             f"all, nulls included): {', '.join(sorted(absent))}")


# -- the scenario ----------------------------------------------------------------------------------------------

def token_form(**overrides: str) -> bytes:
    fields = {"grant_type": "client_credentials", "scope": "webapi",
              "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    fields.update(overrides)
    return urllib.parse.urlencode({k: v for k, v in fields.items() if v is not None}).encode()


def check_token_endpoint(api: Api, report: Report) -> str | None:
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, headers, raw = api.raw("POST", "/connect/token", token_form(), form_headers)
    if not report.check(status == 200, "POST /connect/token: HTTP 200", f"HTTP {status}: {raw[:300]!r}"):
        return None
    try:
        answer = strict_json(raw)
    except ValueError as error:
        report.check(False, "POST /connect/token: body is JSON", f"{error}: {raw[:300]!r}")
        return None
    report.token_answers += 1
    token = answer.get("access_token") if isinstance(answer, dict) else None
    errors = list(Draft202012Validator(TOKEN_ANSWER).iter_errors(answer))
    report.check(not errors, "POST /connect/token: {access_token, expires_in, token_type Bearer, scope}",
                 "; ".join(f"{e.json_path}: {e.message[:160]}" for e in errors))
    if isinstance(answer, dict):
        if answer.get("expires_in") != 3600:
            report.warn(f"token expires_in is {answer.get('expires_in')!r}; the vendor's is 3600 (protocols.md §2.2)")
        if answer.get("scope") != "webapi":
            report.warn(f"token scope is {answer.get('scope')!r}, requested 'webapi'")
        if "no-store" not in next((v for k, v in headers.items() if k.lower() == "cache-control"), ""):
            report.warn("token answer lacks Cache-Control: no-store (RFC 6749 §5.1)")
    refusals = [
        ("wrong client_secret", token_form(client_secret="wrong-secret"), "invalid_client"),
        ("unknown client_id", token_form(client_id="no-such-client"), "invalid_client"),
        ("grant_type password", token_form(grant_type="password"), "unsupported_grant_type"),
        ("no grant_type", token_form(grant_type=None), "invalid_request"),
        ("scope admin", token_form(scope="admin"), "invalid_scope"),
    ]
    for what, form, expected in refusals:
        status, _, raw = api.raw("POST", "/connect/token", form, form_headers)
        strict = expected == "invalid_client"  # what the simulator's spec promises; the rest is RFC 6749
        if not report.check(status == 400, f"POST /connect/token with {what}: HTTP 400",
                            f"HTTP {status}: {raw[:200]!r}"):
            continue
        try:
            answer = strict_json(raw)
        except ValueError as error:
            report.check(False, f"POST /connect/token with {what}: body is JSON", f"{error}: {raw[:200]!r}")
            continue
        report.token_answers += 1
        errors = list(Draft202012Validator(TOKEN_ERROR).iter_errors(answer))
        report.check(not errors, f"POST /connect/token with {what}: RFC 6749 error body",
                     "; ".join(f"{e.json_path}: {e.message[:160]}" for e in errors))
        code = answer.get("error") if isinstance(answer, dict) else None
        if strict:
            report.check(code == expected, f"POST /connect/token with {what}: error {expected}", f"got {code!r}")
        elif code != expected:
            report.warn(f"POST /connect/token with {what}: error {code!r}, RFC 6749 suggests {expected!r}")
    return token if isinstance(token, str) and token else None


def check_unauthorised(api: Api, report: Report) -> None:
    cases = [
        ("no Authorization header", {}),
        ("a malformed bearer token", {"Authorization": "Bearer not-a-valid-token"}),
        ("Basic credentials", {"Authorization": "Basic " + base64.b64encode(
            f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()}),
    ]
    for path in ("/ServerTime", "/TradesGet"):
        for what, headers in cases:
            status, response_headers, raw = api.raw("GET", PREFIX + path, None, headers)
            report.check(status == 401, f"GET {path} with {what}: HTTP 401", f"HTTP {status}: {raw[:200]!r}")
            if status == 401 and what == "no Authorization header":
                challenge = next((v for k, v in response_headers.items() if k.lower() == "www-authenticate"), "")
                if not challenge.lower().startswith("bearer"):
                    report.warn(f"GET {path} 401 lacks `WWW-Authenticate: Bearer` (got {challenge!r})")
    body = json.dumps({"tradeTransactionType": "OpenMarket", "tradeCommand": "Buy", "symbol": "EURUSD",
                       "volume": 10, "orderBy": LOGIN, "price": 0, "sl": 0, "tp": 0, "comment": "unauthorised"})
    status, _, raw = api.raw("POST", PREFIX + "/TradeTransaction", body.encode(),
                             {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())})
    report.check(status == 401, "POST /TradeTransaction without a token: HTTP 401", f"HTTP {status}: {raw[:200]!r}")


def trade(command: str, kind: str = "OpenMarket", symbol: str = "EURUSD", volume: int = 10, order: int = 0,
          login: int = LOGIN, comment: str = "contract") -> dict:
    return {"tradeTransactionType": kind, "tradeCommand": command, "symbol": symbol, "volume": volume,
            "order": order, "orderBy": login, "price": 0, "sl": 0, "tp": 0, "comment": comment}


def post_trade(api: Api, what: str, body: dict, key: str | None = None, expect: str = "success") -> dict | None:
    return api.call(what, "POST", "/TradeTransaction", body,
                    {"Idempotency-Key": key or str(uuid.uuid4())}, expect=expect)


def tickets_of(envelope: dict | None) -> list[int]:
    data = envelope.get("data") if envelope else None
    return [item.get("order") for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def data_of(envelope: dict | None) -> dict:
    data = envelope.get("data") if envelope else None
    return data if isinstance(data, dict) else {}


def quote_ok(tick: object) -> bool:
    if not isinstance(tick, dict):
        return False
    bid, ask = tick.get("bid"), tick.get("ask")
    numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (bid, ask))
    return numbers and 0 < bid < ask


def exercise_v2(api: Api, report: Report) -> None:
    # -- reads that need no trade
    api.call("server time", "GET", "/ServerTime")  # data: date-time string, checked by the schema

    envelope = api.call("last tick EURUSD", "GET", "/TickInfoLast/EURUSD")
    tick = data_of(envelope)
    if tick:
        report.check(tick.get("symbol") == "EURUSD", "TickInfoLast/EURUSD is for EURUSD",
                     f"got {tick.get('symbol')!r}")
        report.check(quote_ok(tick), "TickInfoLast/EURUSD has 0 < bid < ask", json.dumps(tick))
    envelope = api.call("last ticks", "GET", "/TickInfoLast")
    data = envelope.get("data") if envelope else None
    if isinstance(data, list):
        symbols = {item.get("symbol") for item in data if isinstance(item, dict)}
        report.check(SYMBOLS <= symbols, "TickInfoLast lists EURUSD USDJPY BTCUSD ETHUSD",
                     f"got {sorted(map(str, symbols))}")
        if symbols - SYMBOLS:
            report.warn(f"TickInfoLast lists more symbols: {sorted(map(str, symbols - SYMBOLS))}")
        bad = [item for item in data if not quote_ok(item)]
        report.check(not bad, "TickInfoLast: every tick has 0 < bid < ask", json.dumps(bad[:2]))
    api.call("last tick of an unknown symbol", "GET", "/TickInfoLast/NOSUCH", expect="error")

    user = data_of(api.call("user record", "GET", f"/UserRecordGet/{LOGIN}"))
    if user:
        report.check(user.get("login") == LOGIN and user.get("group") == GROUP,
                     "UserRecordGet: login 1001, group demo",
                     f"login={user.get('login')!r} group={user.get('group')!r}")
    api.call("user record of an unknown login", "GET", f"/UserRecordGet/{UNKNOWN_LOGIN}", expect="error")
    margin = data_of(api.call("margin level", "GET", f"/MarginLevelGet/{LOGIN}"))
    if margin:
        report.check(margin.get("login") == LOGIN, "MarginLevelGet: login 1001", f"got {margin.get('login')!r}")
    api.call("margin level of an unknown login", "GET", f"/MarginLevelGet/{UNKNOWN_LOGIN}", expect="error")

    before = tickets_of(api.call("open trades of 1001 before trading", "GET", f"/TradesGetByLogin/{LOGIN}/{GROUP}"))

    # -- open, replay, open again
    key = str(uuid.uuid4())
    opened = post_trade(api, "open market buy", trade("Buy"), key)
    echo = data_of(opened)
    ticket = echo.get("order") if isinstance(echo.get("order"), int) else 0
    report.check(ticket > 0, "OpenMarket fills data.order with a ticket", f"order={echo.get('order')!r}")
    if echo:
        report.check(echo.get("tradeTransactionType") == "OpenMarket" and echo.get("tradeCommand") == "Buy"
                     and echo.get("symbol") == "EURUSD" and echo.get("volume") == 10,
                     "OpenMarket echoes type, command, symbol and volume", json.dumps(echo))
        if not (isinstance(echo.get("price"), (int, float)) and echo["price"] > 0):
            report.warn(f"OpenMarket echo price is {echo.get('price')!r}; the server replaces the hint with the quote")
    replayed = post_trade(api, "open market buy, same Idempotency-Key", trade("Buy"), key)
    if opened and replayed:
        report.check(replayed.get("data") == opened.get("data") and replayed.get("error") == opened.get("error"),
                     "an Idempotency-Key replay returns the cached envelope",
                     f"first data={json.dumps(opened.get('data'))} replay data={json.dumps(replayed.get('data'))}")
        if replayed.get("meta") != opened.get("meta"):
            report.warn("the replayed envelope's meta differs from the original's (the vendor caches the envelope)")
    second = data_of(post_trade(api, "open market buy, new Idempotency-Key", trade("Buy"), str(uuid.uuid4())))
    second_ticket = second.get("order") if isinstance(second.get("order"), int) else 0
    report.check(second_ticket > 0 and second_ticket != ticket, "a new Idempotency-Key opens a new ticket",
                 f"first {ticket}, second {second.get('order')!r}")

    # -- reads with open trades
    record = data_of(api.call("trade record", "GET", f"/TradeRecordGet/{ticket}"))
    if record:
        expected = {"order": ticket, "login": LOGIN, "symbol": "EURUSD", "tradeCommand": "Buy", "volume": 10}
        wrong = {k: record.get(k) for k, v in expected.items() if record.get(k) != v}
        report.check(not wrong, "TradeRecordGet: ticket, login, symbol, Buy, volume 10", f"differs: {wrong}")
        if record.get("volumeLots") != 0.1:
            report.warn(f"TradeRecordGet volumeLots is {record.get('volumeLots')!r}, expected 0.1 (volume / 100)")
        if record.get("tradeRecordState") != "OpenNormal":
            report.warn(f"TradeRecordGet tradeRecordState of an open trade is {record.get('tradeRecordState')!r}")
        if not (isinstance(record.get("openPrice"), (int, float)) and record["openPrice"] > 0):
            report.check(False, "TradeRecordGet: openPrice > 0", f"got {record.get('openPrice')!r}")
    after = tickets_of(api.call("open trades of 1001", "GET", f"/TradesGetByLogin/{LOGIN}/{GROUP}"))
    report.check(after.count(ticket) == 1 and second_ticket in after,
                 "TradesGetByLogin lists each opened ticket once (the replay traded nothing)",
                 f"tickets {after}, opened {ticket} and {second_ticket}")
    report.check(len(after) == len(before) + 2, "exactly two trades were added by three requests",
                 f"before {len(before)}, after {len(after)}")
    everything = api.call("all open trades", "GET", "/TradesGet")
    report.check(ticket in tickets_of(everything), "TradesGet lists the opened ticket", f"{tickets_of(everything)}")
    limited = api.call("all open trades, limit 1", "GET", "/TradesGet?limit=1")
    if limited and isinstance(limited.get("data"), list) and len(limited["data"]) > 1:
        report.warn(f"TradesGet?limit=1 returned {len(limited['data'])} trades (limit ignored, no meta.paging)")

    # -- trade errors
    post_trade(api, "open on an unknown symbol", trade("Buy", symbol="NOSUCH"), expect="error")
    post_trade(api, "open with volume 0", trade("Buy", volume=0), expect="error")
    post_trade(api, "open for an unknown login", trade("Buy", login=UNKNOWN_LOGIN), expect="error")
    post_trade(api, "close an unknown ticket", trade("Sell", kind="CloseMarket", order=UNKNOWN_TICKET), expect="error")
    api.call("trade record of an unknown ticket", "GET", f"/TradeRecordGet/{UNKNOWN_TICKET}", expect="error")

    # -- close both
    closed = data_of(post_trade(api, "close market (sell)", trade("Sell", kind="CloseMarket", order=ticket)))
    if closed:
        report.check(closed.get("order") == ticket, "CloseMarket echoes the ticket", f"order={closed.get('order')!r}")
    post_trade(api, "close the second ticket", trade("Sell", kind="CloseMarket", order=second_ticket))
    remaining = tickets_of(api.call("open trades of 1001 after closing", "GET", f"/TradesGetByLogin/{LOGIN}/{GROUP}"))
    report.check(ticket not in remaining and second_ticket not in remaining,
                 "closed tickets leave TradesGetByLogin", f"still listed: {remaining}")
    after_close = api.call("trade record of a closed ticket", "GET", f"/TradeRecordGet/{ticket}", expect="any")
    if after_close and after_close.get("data") is not None:
        state = data_of(after_close).get("tradeRecordState")
        report.check(state in ("ClosedNormal", "ClosedPart", "ClosedBy"), "a closed trade's record says closed",
                     f"tradeRecordState {state!r}")
    api.call("margin level after trading", "GET", f"/MarginLevelGet/{LOGIN}")
    unknown_platform = "/api/v2/MT4/00000000-0000-0000-0000-0000000000ff/ServerTime"
    status, _, raw = api.raw("GET", unknown_platform, None, {"Authorization": f"Bearer {api.token}"})
    if status != 200:
        report.warn(f"GET ServerTime on an unknown trade platform answers HTTP {status} (vendor: 200 + error envelope)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venue-sim", help="path of the venue-sim binary (default: swift build --show-bin-path)")
    parser.add_argument("--openapi", help="path of the vendor openapi-v2.json (default: see above)")
    parser.add_argument("--verbose", action="store_true", help="print every check and every answer")
    args = parser.parse_args()

    openapi = find_openapi(args.openapi)
    if not openapi.is_file():
        print(f"{LABEL}: SKIP: vendor OpenAPI document not found at {openapi} "
              "(set TRADEWIRE_VENDOR_DIR or check out ../shared beside the project)")
        return 0
    with openapi.open(encoding="utf-8") as handle:
        contract = Contract(json.load(handle))
    if "date-time" not in contract.format_checker.checkers:
        print(f"{LABEL}: WARN date-time format not checked (rfc3339-validator missing)")
    report = Report(args.verbose)
    problems = contract.check_schemas()
    report.check(not problems, "converted component schemas are valid JSON Schema 2020-12", "; ".join(problems[:5]))

    sim: VenueSim | None = None
    install_deadline(BUDGET_SECONDS, lambda: sim, LABEL)
    started = time.monotonic()
    try:
        try:
            sim = VenueSim(find_binary(args.venue_sim))
            sim.start()
        except SetupError as error:
            print(f"{LABEL}: cannot run: {error}", file=sys.stderr)
            return 2
        base = sim.base_url("cplugin")
        print(f"{LABEL}: venue-sim pid {sim.process.pid}, cplugin at {base}, contract {openapi}")
        api = Api(base, contract, report)
        api.token = check_token_endpoint(api, report)
        check_unauthorised(api, report)
        if api.token:
            exercise_v2(api, report)
            api.warn_absent()
        if sim.process is None or sim.process.poll() is not None:
            report.check(False, "venue-sim still running at the end", "it exited during the test")
    except Deadline as error:
        report.check(False, "time budget", str(error))
    finally:
        if sim is not None:
            sim.stop()
    if report.failed and sim is not None:
        print(f"{LABEL}: venue-sim output tail:\n{sim.output_tail()}")
    print(f"{LABEL}: {report.validated} responses validated against {openapi.name} "
          f"(+{report.token_answers} token answers); {report.passed} checks passed, {report.failed} failed, "
          f"{report.warnings} warnings ({time.monotonic() - started:.1f} s)")
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
