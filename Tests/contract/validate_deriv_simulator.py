#!/usr/bin/env python3
"""Contract check: the simulator's Deriv WebSocket API v3 face against the vendor's own JSON Schemas.

Starts `venue-sim` on free loopback ports and talks to ws://127.0.0.1:<port>/websockets/v3?app_id=1089 with the
`websockets` package's plain synchronous client. It sends the request examples of the vendor's example.json files
(with the simulator's token, a real proposal id and real contract ids substituted, and a req_id added): authorize,
ticks (R_50), proposal (the CALL example), buy (the example's shape with the proposal id), buy MULTUP with
parameters, portfolio, proposal_open_contract, contract_update, sell (price 0), buy with deal cancellation and
cancel, balance, forget, forget_all, ping, time, website_status and active_symbols; then the error paths: an invalid
token, a buy with the read-only token, portfolio before authorize, and requests that break send.json.

Every request sent is validated against its call's send.json (the deliberately invalid ones must be rejected by
send.json too), every message received against the receive.json of its msg_type (tick: ticks/receive.json), and
every error answer against the error envelope (error.code and error.message strings, echo_req object, msg_type
string). The schemas are JSON Schema draft-04 (jsonschema.Draft4Validator with a format checker). Business checks:
req_id and passthrough are echoed, the balance falls by the buy price after a buy and rises by sold_for after the
sell, the contract is in the portfolio before the sell and not after, forget answers 1 and no tick of that stream
arrives after its answer.

The vendor schemas are read from $TRADEWIRE_VENDOR_DIR/deriv, else ../shared/vendor/deriv beside the project; when
they are absent the script prints SKIP and exits 0.

Bounded (55 s budget), talks only to 127.0.0.1, stops the simulator it started by its PID on every path.
Prints one line per failure, then "deriv-contract: N responses validated, M requests validated".
Exit status: 0 nothing failed, 1 failures, 2 the simulator could not be found or started, 3 a Python package is
missing.

Usage: python3 Tests/contract/validate_deriv_simulator.py [--venue-sim PATH] [--vendor-dir DIR] [--verbose]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from venue_sim import Deadline, SetupError, VenueSim, find_binary, install_deadline  # noqa: E402

try:
    from jsonschema import Draft4Validator, FormatChecker
    from websockets.sync.client import connect
except ImportError as error:  # pragma: no cover - environment problem
    print(f"deriv-contract: missing Python package '{error.name}'; run `make setup` "
          "(pip install jsonschema websockets)", file=sys.stderr)
    sys.exit(3)

LABEL = "deriv-contract"
ROOT = Path(__file__).resolve().parents[2]
CALLS = ["active_symbols", "authorize", "balance", "buy", "cancel", "contract_update", "forget", "forget_all", "ping",
         "portfolio", "proposal", "proposal_open_contract", "sell", "ticks", "time", "website_status"]
TOKEN = "sim-deriv-token"
READ_ONLY_TOKEN = "sim-deriv-readonly"
LOGIN_ID = "VRTC1000001"
APP_ID = 1089
BUDGET_SECONDS = 55
ANSWER_TIMEOUT = 10.0

ERROR_ENVELOPE = {
    "type": "object",
    "required": ["echo_req", "error", "msg_type"],
    "properties": {
        "echo_req": {"type": "object"},
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                           "details": {"type": "object"}},
        },
        "msg_type": {"type": "string"},
        "req_id": {"type": "integer"},
        "passthrough": {"type": "object"},
    },
}


class Report:
    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose
        self.responses = 0
        self.requests = 0
        self.passed = 0
        self.failed = 0

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            if self.verbose:
                print(f"  ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f": {detail}" if detail else ""))
        return ok


class Schemas:
    """send.json, receive.json and example.json of every call, with draft-04 validators."""

    def __init__(self, directory: Path) -> None:
        self.format_checker = FormatChecker()
        self.send: dict[str, Draft4Validator] = {}
        self.receive: dict[str, Draft4Validator] = {}
        self.examples: dict[str, dict] = {}
        for call in CALLS:
            folder = directory / call
            for kind, target in (("send", self.send), ("receive", self.receive)):
                with (folder / f"{kind}.json").open(encoding="utf-8") as handle:
                    schema = json.load(handle)
                Draft4Validator.check_schema(schema)
                target[call] = Draft4Validator(schema, format_checker=self.format_checker)
            with (folder / "example.json").open(encoding="utf-8") as handle:
                self.examples[call] = json.load(handle)
        self.error = Draft4Validator(ERROR_ENVELOPE, format_checker=self.format_checker)

    def example(self, call: str) -> dict:
        return copy.deepcopy(self.examples[call])


def problems(validator: Draft4Validator, instance: object) -> str:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return "; ".join(f"{e.json_path}: {e.message[:160]}" for e in errors[:4])


def call_of(request: dict) -> str | None:
    return next((key for key in request if key in CALLS), None)


def money(value: object) -> Decimal:
    return Decimal(str(value))


class Connection:
    """One WebSocket connection: sends validated requests, validates every message it receives, and matches
    answers by req_id (stream pushes repeat their request's req_id, so the first message with it is the answer)."""

    def __init__(self, url: str, schemas: Schemas, report: Report, name: str, stack: contextlib.ExitStack) -> None:
        assert url.startswith("ws://127.0.0.1:"), url
        self.schemas = schemas
        self.report = report
        self.name = name
        self.socket = stack.enter_context(connect(
            url, proxy=None, open_timeout=5, close_timeout=2, ping_interval=None, max_queue=None,
            compression=None))
        self.received: list[dict] = []
        self.next_req_id = 1

    def _validate(self, message: dict) -> None:
        msg_type = message.get("msg_type")
        what = f"{self.name}: {msg_type} message"
        self.report.responses += 1
        if "error" in message:
            self.report.check(not problems(self.schemas.error, message), f"{what}: error envelope",
                              problems(self.schemas.error, message))
        call = "ticks" if msg_type == "tick" else msg_type
        if call in self.schemas.receive:
            found = problems(self.schemas.receive[call], message)
            self.report.check(not found, f"{what}: valid {call}/receive.json", found)
        elif "error" not in message:
            self.report.check(False, f"{what}: known msg_type", json.dumps(message)[:300])

    def receive(self, timeout: float) -> dict | None:
        try:
            raw = self.socket.recv(timeout=timeout)
        except TimeoutError:
            return None
        try:
            message = json.loads(raw)
        except ValueError as error:
            self.report.check(False, f"{self.name}: a frame is JSON", f"{error}: {raw[:200]!r}")
            return None
        if not isinstance(message, dict):
            self.report.check(False, f"{self.name}: a frame is a JSON object", str(raw)[:200])
            return None
        if self.report.verbose:
            print(f"  <- {json.dumps(message)[:300]}")
        self._validate(message)
        self.received.append(message)
        return message

    def send(self, request: dict | str, *, valid: bool = True) -> int | None:
        """Sends `request` (a dict gets a req_id); checks it against send.json (`valid`: it must pass; else it
        must fail). Returns the req_id."""
        req_id = None
        if isinstance(request, dict):
            if "req_id" not in request:
                request["req_id"] = self.next_req_id
                self.next_req_id += 1
            req_id = request["req_id"]
            call = call_of(request)
            if call is not None:
                found = problems(self.schemas.send[call], request)
                if valid:
                    self.report.requests += 1
                    self.report.check(not found, f"{self.name}: {call} request valid against send.json", found)
                else:
                    self.report.check(bool(found), f"{self.name}: send.json rejects {json.dumps(request)[:120]}")
            text = json.dumps(request)
        else:
            text = request
        if self.report.verbose:
            print(f"  -> {text[:300]}")
        self.socket.send(text)
        return req_id

    def answer(self, req_id: int, timeout: float = ANSWER_TIMEOUT) -> dict | None:
        """The first message with `req_id` (already received or arriving within `timeout`)."""
        for message in self.received:
            if message.get("req_id") == req_id:
                return message
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            message = self.receive(remaining)
            if message is not None and message.get("req_id") == req_id:
                return message
        return None

    def request(self, request: dict, *, expect: str = "success", code: str | None = None,
                valid: bool = True) -> dict:
        """Sends, waits for the answer and checks success (payload present, no error) or the error `code`;
        also that req_id and passthrough are echoed. Returns the answer's payload (or the error object)."""
        call = call_of(request) or "?"
        req_id = self.send(request, valid=valid)
        answer = self.answer(req_id)
        label = f"{self.name}: {call} (req_id {req_id})"
        if not self.report.check(answer is not None, f"{label}: answered", f"nothing within {ANSWER_TIMEOUT:.0f} s"):
            return {}
        self.report.check(answer.get("echo_req") == request, f"{label}: echo_req is the request",
                          json.dumps(answer.get("echo_req"))[:200])
        if "passthrough" in request:
            self.report.check(answer.get("passthrough") == request["passthrough"], f"{label}: passthrough echoed")
        if expect == "error":
            error = answer.get("error") or {}
            self.report.check(error.get("code") == code, f"{label}: error {code}",
                              f"got {json.dumps(answer)[:300]}")
            return error
        msg_type = "tick" if call == "ticks" else call
        ok = "error" not in answer and msg_type in answer and answer.get("msg_type") == msg_type
        self.report.check(ok, f"{label}: answered {msg_type}", json.dumps(answer)[:300])
        return answer.get(msg_type) if ok else {}

    def messages_with_subscription(self, stream_id: str) -> list[dict]:
        return [m for m in self.received if (m.get("subscription") or {}).get("id") == stream_id]

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            self.receive(remaining)


def exercise(url: str, schemas: Schemas, report: Report) -> None:
    with contextlib.ExitStack() as stack:
        main = Connection(url, schemas, report, "main", stack)

        authorize = schemas.example("authorize")
        authorize["authorize"] = TOKEN
        authorize["passthrough"] = {"case": "authorize"}
        account = main.request(authorize)
        report.check(account.get("loginid") == LOGIN_ID and account.get("currency") == "USD",
                     "authorize: loginid VRTC1000001 in USD", json.dumps(account)[:200])
        report.check(set(account.get("scopes", [])) == {"read", "trade", "trading_information"},
                     "authorize: the token's scopes", f"{account.get('scopes')}")

        ticks = schemas.example("ticks")
        tick = main.request(ticks)
        tick_stream = tick.get("id", "")
        report.check(len(tick_stream) >= 32 and tick.get("symbol") == "R_50", "ticks: R_50 with a stream id",
                     json.dumps(tick))
        deadline = time.monotonic() + ANSWER_TIMEOUT
        while len(main.messages_with_subscription(tick_stream)) < 3 and time.monotonic() < deadline:
            main.receive(0.5)
        report.check(len(main.messages_with_subscription(tick_stream)) >= 3, "ticks: the stream pushes ticks")

        balance_before = money(main.request({"balance": 1}).get("balance", 0))

        proposal = main.request(schemas.example("proposal"))
        proposal_id = proposal.get("id", "")
        report.check(bool(proposal_id) and money(proposal.get("payout", 0)) == 100, "proposal: id and payout 100",
                     json.dumps(proposal)[:200])

        buy = schemas.example("buy")
        buy["buy"] = proposal_id
        bought_call = main.request(buy)
        report.check(money(bought_call.get("balance_after", -1)) == balance_before - money(bought_call.get("buy_price", 0)),
                     "buy (proposal id): the balance falls by the buy price", json.dumps(bought_call)[:200])
        reused = dict(buy)
        reused.pop("req_id", None)
        main.request(reused, expect="error", code="InvalidContractProposal")

        before_multup = money(main.request({"balance": 1}).get("balance", 0))
        multup = {"buy": "1", "price": 10, "parameters": {
            "contract_type": "MULTUP", "symbol": "R_50", "currency": "USD", "amount": 10, "basis": "stake",
            "multiplier": 80, "limit_order": {"take_profit": 50}}}
        bought = main.request(multup)
        contract_id = bought.get("contract_id")
        report.check(money(bought.get("balance_after", -1)) == before_multup - 10,
                     "buy MULTUP: the balance falls by the stake", json.dumps(bought)[:200])

        portfolio = main.request(schemas.example("portfolio"))
        ids = [c.get("contract_id") for c in portfolio.get("contracts", [])]
        report.check(contract_id in ids and bought_call.get("contract_id") in ids,
                     "portfolio lists both bought contracts", f"{ids}")

        open_contract = schemas.example("proposal_open_contract")
        open_contract["contract_id"] = contract_id
        state = main.request(open_contract)
        report.check(state.get("contract_id") == contract_id and state.get("status") == "open",
                     "proposal_open_contract: the contract is open", json.dumps(state)[:200])

        update = schemas.example("contract_update")
        update["contract_id"] = contract_id
        update["limit_order"] = {"take_profit": 40}
        updated = main.request(update)
        report.check((updated.get("take_profit") or {}).get("order_amount") == 40,
                     "contract_update: take profit 40", json.dumps(updated)[:200])

        before_sell = money(main.request({"balance": 1}).get("balance", 0))
        sell = schemas.example("sell")
        sell["sell"] = contract_id
        sell["price"] = 0
        sold = main.request(sell)
        report.check(money(sold.get("balance_after", -1)) == before_sell + money(sold.get("sold_for", 0)),
                     "sell: the balance rises by sold_for", json.dumps(sold)[:200])
        report.check(sold.get("reference_id") == bought.get("transaction_id"),
                     "sell: reference_id is the buy transaction", json.dumps(sold)[:200])
        after = main.request(schemas.example("portfolio"))
        report.check(contract_id not in [c.get("contract_id") for c in after.get("contracts", [])],
                     "portfolio no longer lists the sold contract")
        resold = dict(sell)
        resold.pop("req_id", None)
        main.request(resold, expect="error", code="InvalidSellContractProposal")

        cancellable = {"buy": "1", "price": 20, "parameters": {
            "contract_type": "MULTDOWN", "symbol": "R_100", "currency": "USD", "amount": 10, "basis": "stake",
            "multiplier": 40, "cancellation": "5m"}}
        protected = main.request(cancellable)
        cancel = schemas.example("cancel")
        cancel["cancel"] = protected.get("contract_id", 0)
        cancelled = main.request(cancel)
        report.check(money(cancelled.get("sold_for", 0)) == 10, "cancel: the stake is refunded",
                     json.dumps(cancelled)[:200])

        balance = main.request(schemas.example("balance"))
        report.check(money(balance.get("balance", -1)) == money(cancelled.get("balance_after", -2)),
                     "balance: the balance after the cancel", json.dumps(balance)[:200])

        forget = schemas.example("forget")
        forget["forget"] = tick_stream
        report.check(main.request(forget) == 1, "forget: answers 1 for the tick stream")
        forget_req = forget["req_id"]
        fence = main.send(schemas.example("ping"))
        main.answer(fence)
        main.drain(0.5)
        answered_at = next(i for i, m in enumerate(main.received) if m.get("req_id") == forget_req)
        late = [m for m in main.received[answered_at + 1:] if (m.get("subscription") or {}).get("id") == tick_stream]
        report.check(not late, "forget: no tick of the stream after its answer", f"{len(late)} late ticks")
        again = dict(forget)
        again.pop("req_id", None)
        report.check(main.request(again) == 0, "forget: answers 0 for a stopped stream")

        main.request(schemas.example("ticks"))
        stopped = main.request(schemas.example("forget_all"))
        report.check(isinstance(stopped, list) and len(stopped) == 1, "forget_all ticks: one stream stopped",
                     f"{stopped}")

        report.check(main.request(schemas.example("ping")) == "pong", "ping: pong")
        now = main.request(schemas.example("time"))
        report.check(isinstance(now, int) and abs(now - time.time()) < 120, "time: epoch seconds", f"{now}")
        status = main.request(schemas.example("website_status"))
        report.check(status.get("site_status") == "up", "website_status: up", json.dumps(status)[:200])
        symbols = main.request(schemas.example("active_symbols"))
        names = {s.get("symbol") for s in symbols} if isinstance(symbols, list) else set()
        report.check(names == {"R_10", "R_25", "R_50", "R_75", "R_100", "frxEURUSD"}, "active_symbols: six symbols",
                     f"{sorted(map(str, names))}")

        # -- error paths on fresh connections
        guest = Connection(url, schemas, report, "guest", stack)
        guest.request(schemas.example("portfolio"), expect="error", code="AuthorizationRequired")
        bad = schemas.example("authorize")
        bad["authorize"] = "no-such-token"
        guest.request(bad, expect="error", code="InvalidToken")
        invalid = guest.request({"ticks": "R_50", "bogus": 1}, expect="error", code="InputValidationFailed",
                                valid=False)
        report.check(isinstance(invalid.get("details"), dict) and "bogus" in invalid.get("details", {}),
                     "InputValidationFailed: details name the field", json.dumps(invalid))
        guest.request({"ping": 2}, expect="error", code="InputValidationFailed", valid=False)
        guest.request({"proposal": 1, "contract_type": "MULTUP", "currency": "USD", "symbol": "R_50",
                       "amount": "10"}, expect="error", code="InputValidationFailed", valid=False)
        guest.send("{not json")
        deadline = time.monotonic() + ANSWER_TIMEOUT
        malformed = None
        while malformed is None and time.monotonic() < deadline:
            message = guest.receive(deadline - time.monotonic())
            if message is not None and message.get("msg_type") == "error":
                malformed = message
        report.check(malformed is not None and (malformed.get("error") or {}).get("code") == "InputValidationFailed"
                     and malformed.get("echo_req") == {}, "a malformed frame: InputValidationFailed, echo_req {}",
                     json.dumps(malformed))
        report.check(guest.request(schemas.example("ping")) == "pong", "the connection stays open after bad input")

        reader = Connection(url, schemas, report, "read-only", stack)
        read_only = schemas.example("authorize")
        read_only["authorize"] = READ_ONLY_TOKEN
        reader.request(read_only)
        reader.request({"buy": "1", "price": 10, "parameters": multup["parameters"]}, expect="error",
                       code="PermissionDenied")
        reader.request(schemas.example("portfolio"))


def find_vendor_dir(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    vendor_dir = os.environ.get("TRADEWIRE_VENDOR_DIR")
    if vendor_dir:
        return Path(vendor_dir) / "deriv"
    return ROOT.parent / "shared" / "vendor" / "deriv"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venue-sim", help="path of the venue-sim binary (default: swift build --show-bin-path)")
    parser.add_argument("--vendor-dir", help="the vendor's deriv schema directory (default: see above)")
    parser.add_argument("--verbose", action="store_true", help="print every check and every message")
    args = parser.parse_args()

    directory = find_vendor_dir(args.vendor_dir)
    if not all((directory / call / "receive.json").is_file() for call in CALLS):
        print(f"{LABEL}: SKIP: vendor Deriv schemas not found at {directory} "
              "(set TRADEWIRE_VENDOR_DIR or check out ../shared beside the project)")
        return 0
    schemas = Schemas(directory)
    report = Report(args.verbose)

    sim: VenueSim | None = None
    install_deadline(BUDGET_SECONDS, lambda: sim, LABEL)
    started = time.monotonic()
    try:
        try:
            sim = VenueSim(find_binary(args.venue_sim))
            sim.start()
            if "deriv" not in sim.listeners:
                raise SetupError("venue-sim printed no `deriv=` line (does it support --deriv-port?)")
        except SetupError as error:
            print(f"{LABEL}: cannot run: {error}", file=sys.stderr)
            return 2
        host, port = sim.listeners["deriv"]
        url = f"ws://{host}:{port}/websockets/v3?app_id={APP_ID}&l=EN"
        print(f"{LABEL}: venue-sim pid {sim.process.pid}, deriv at {url}, schemas {directory}")
        exercise(url, schemas, report)
        if sim.process is None or sim.process.poll() is not None:
            report.check(False, "venue-sim still running at the end", "it exited during the test")
    except Deadline as error:
        report.check(False, "time budget", str(error))
    except Exception as error:  # noqa: BLE001 - a crash of the check is a failure, reported like one
        report.check(False, "the exercise ran to its end", f"{type(error).__name__}: {error}")
    finally:
        if sim is not None:
            sim.stop()
    if report.failed and sim is not None:
        print(f"{LABEL}: venue-sim output tail:\n{sim.output_tail()}")
    print(f"{LABEL}: {report.responses} responses validated, {report.requests} requests validated; "
          f"{report.passed} checks passed, {report.failed} failed ({time.monotonic() - started:.1f} s)")
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
