#!/usr/bin/env python3
"""Interop check: the simulator's CPlugin SignalR hub against a real third-party SignalR client (`signalrcore`).

Starts `venue-sim` on free loopback ports, gets a token from its `POST /connect/token`, then, with signalrcore's
HubConnection on `http://127.0.0.1:PORT/hubs/mt4/v1` (protocols.md §2.6, §2.7):
  * negotiate by hand (`negotiateVersion=1` and version 0, without a token) and check the answers;
  * connect with negotiation, then with `skip_negotiation` (bearer token via `access_token_factory`), then with the
    token as the `access_token` query parameter; in each, call `Connect`, `SubscribeToTicks` for two symbols,
    check that well-formed `onTick` events arrive for exactly the subscribed symbols, call `UnsubscribeFromTicks`
    for one and check that its ticks stop while the other's continue; an unknown hub method must complete with an
    error and leave the connection up; the client pings every second (the server must ignore pings); every frame
    ends with 0x1E and the handshake answer is `{}`; with `--cplugin-keep-alive-ms` (when the simulator has it)
    the server must ping an idle connection;
  * check that a bad token and no token are refused (negotiate and WebSocket upgrade), and that the connectionId
    signalrcore sends as `id` after a version 1 negotiation is refused with 404, as ASP.NET Core does.

signalrcore 1.0.x quirks this relies on (read from its source): it negotiates without `negotiateVersion` (version
0) and puts `connectionId` into `id`; it sends `{"protocol":"json","version":0}` when negotiation is version 0 or
skipped; it authenticates the upgrade with an `Authorization` header; it pings only when a reconnection handler is
configured; it matches event names case-sensitively; completion errors go to `on_error`, not `on_invocation`.

Bounded (55 s budget), talks only to 127.0.0.1, stops the simulator it started by its PID on every path.
Exit status: 0 all checks passed, 1 a check failed, 2 the simulator could not be found or started,
3 a Python package is missing.

Usage: python3 Tests/interop/cplugin_signalr_interop.py [--venue-sim PATH] [--verbose]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import logging
import math
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from venue_sim import Deadline, SetupError, VenueSim, find_binary, install_deadline, supports_option  # noqa: E402

try:
    from signalrcore.hub_connection_builder import HubConnectionBuilder
except ImportError as error:  # pragma: no cover - environment problem
    print(f"cplugin-signalr: missing Python package '{error.name}'; run `make setup` (pip install signalrcore)",
          file=sys.stderr)
    sys.exit(3)

LABEL = "cplugin-signalr"
PLATFORM = "00000000-0000-0000-0000-000000000001"
CLIENT_ID = "sim-cplugin-client"
CLIENT_SECRET = "sim-cplugin-secret"
HUB_PATH = "/hubs/mt4/v1"
RS = "\x1e"
BUDGET_SECONDS = 55
TICK_WAIT = 5.0  # seconds to wait for the first ticks of a subscription (ticks come every 50 ms)
QUIET_WINDOW = 2.0  # seconds observed after UnsubscribeFromTicks (long enough for a client ping at 1 s)
MAX_PRICE_DECIMALS = 6  # EURUSD has 5 digits; more places means a double printed with noise (1.0800400000000001)
SERVER_KEEP_ALIVE = 0.5  # seconds, passed as --cplugin-keep-alive-ms when the simulator has it
IN_FLIGHT_GRACE = 0.25  # ticks already written before the unsubscribe completed may still be in the socket

HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class CheckFailed(Exception):
    """A check failed that later steps of the same scenario depend on."""


class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0
        self.warnings: list[str] = []

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"  ok   {what}")
        else:
            self.failed += 1
            print(f"  FAIL {what}" + (f": {detail}" if detail else ""))
        return ok

    def require(self, ok: bool, what: str, detail: str = "") -> None:
        if not self.check(ok, what, detail):
            raise CheckFailed(what)

    def warn(self, what: str) -> None:
        self.warnings.append(what)
        print(f"  WARN {what}")


# -- signalrcore's log: raw frames, pings, and its own warnings ----------------------------------------------------

class ClientLog(logging.Handler):
    """Captures signalrcore's debug log: the raw frames it received (for framing checks) and everything else
    (printed on failure or with --verbose)."""

    def __init__(self, verbose: bool) -> None:
        super().__init__(logging.DEBUG)
        self.verbose = verbose
        self.buffer_lock = threading.Lock()
        self.raw_frames: list[str] = []
        self.records: list[str] = []
        self.pings_sent = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed log call must not break the test
            return
        with self.buffer_lock:
            if message.startswith("Message received "):
                self.raw_frames.append(message[len("Message received "):])
            elif message.startswith("Sending message ") and "PingMessage" in message:
                self.pings_sent += 1
            elif not message.startswith("Raw message incoming") and len(self.records) < 5000:
                self.records.append(f"{record.levelname} {message[:300]}")
        if self.verbose and record.levelno >= logging.INFO:
            print(f"    [signalrcore] {record.levelname} {message[:300]}", file=sys.stderr)

    def server_pings(self) -> int:
        """Ping records (type 6) among the frames received since the last take_frames()."""
        with self.buffer_lock:
            return sum(1 for frame in self.raw_frames for record in frame.split(RS)
                       if record.replace(" ", "") == '{"type":6}')

    def take_frames(self) -> tuple[list[str], int]:
        """The frames received and the pings sent since the last call."""
        with self.buffer_lock:
            frames, self.raw_frames = self.raw_frames, []
            pings, self.pings_sent = self.pings_sent, 0
        return frames, pings

    def tail(self, count: int = 25) -> str:
        with self.buffer_lock:
            return "\n".join("    " + line for line in self.records[-count:]) or "    (nothing logged)"


CLIENT_LOG = ClientLog(verbose=False)


def configure_client_log(verbose: bool) -> None:
    global CLIENT_LOG
    CLIENT_LOG = ClientLog(verbose)
    logger = logging.getLogger("SignalRCoreClient")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.handlers[:] = [CLIENT_LOG]


# -- HTTP ------------------------------------------------------------------------------------------------------

def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    assert url.startswith("http://127.0.0.1:"), url
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with HTTP.open(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def fetch_token(base: str, report: Report) -> str:
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials", "scope": "webapi",
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
    }).encode()
    status, body = http("POST", f"{base}/connect/token", form,
                        {"Content-Type": "application/x-www-form-urlencoded"})
    report.require(status == 200, "POST /connect/token answers 200", f"HTTP {status}: {body[:200]!r}")
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    token = answer.get("access_token") if isinstance(answer, dict) else None
    report.require(isinstance(token, str) and token != "", "token answer carries an access_token",
                   f"body {body[:200]!r}")
    return token


# -- negotiate by hand ---------------------------------------------------------------------------------------------

def check_negotiate(base: str, token: str, report: Report) -> None:
    print("negotiate (raw HTTP)")
    auth = {"Authorization": f"Bearer {token}"}
    status, body = http("POST", f"{base}{HUB_PATH}/negotiate?negotiateVersion=1", b"", auth)
    if report.check(status == 200, "negotiate v1 answers 200", f"HTTP {status}: {body[:200]!r}"):
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        ok = isinstance(answer, dict)
        report.check(ok, "negotiate v1 body is a JSON object", f"{body[:200]!r}")
        if ok:
            report.check(answer.get("negotiateVersion") == 1, "negotiate v1: negotiateVersion is 1",
                         f"got {answer.get('negotiateVersion')!r}")
            report.check(isinstance(answer.get("connectionId"), str) and answer["connectionId"] != "",
                         "negotiate v1: connectionId is a non-empty string", f"got {answer.get('connectionId')!r}")
            report.check(isinstance(answer.get("connectionToken"), str) and answer["connectionToken"] != "",
                         "negotiate v1: connectionToken is a non-empty string",
                         f"got {answer.get('connectionToken')!r}")
            transports = answer.get("availableTransports")
            websockets = [t for t in transports or [] if isinstance(t, dict) and t.get("transport") == "WebSockets"]
            report.check(len(websockets) == 1 and "Text" in (websockets[0].get("transferFormats") or []),
                         "negotiate v1: availableTransports offers WebSockets with Text",
                         f"got {transports!r}")
    # What signalrcore sends: no negotiateVersion, i.e. version 0 (ASP.NET Core then answers without a token).
    status, body = http("POST", f"{base}{HUB_PATH}/negotiate", b"", auth)
    if report.check(status == 200, "negotiate v0 (no negotiateVersion) answers 200", f"HTTP {status}: {body[:200]!r}"):
        try:
            answer = json.loads(body)
        except ValueError:
            answer = {}
        report.check(answer.get("negotiateVersion") == 0, "negotiate v0: negotiateVersion is 0",
                     f"got {answer.get('negotiateVersion')!r} (ASP.NET Core clamps to the requested version)")
        report.check(isinstance(answer.get("connectionId"), str) and answer.get("connectionId") != "",
                     "negotiate v0: connectionId is a non-empty string", f"got {answer.get('connectionId')!r}")
        if "connectionToken" in answer:
            report.warn("negotiate v0 answer carries a connectionToken (ASP.NET Core omits it for version 0)")
    status, body = http("POST", f"{base}{HUB_PATH}/negotiate?negotiateVersion=1", b"")
    report.check(status == 401, "negotiate without a token answers 401", f"HTTP {status}: {body[:200]!r}")
    status, body = http("POST", f"{base}{HUB_PATH}/negotiate?negotiateVersion=1", b"",
                        {"Authorization": "Bearer not-a-valid-token"})
    report.check(status == 401, "negotiate with a bad token answers 401", f"HTTP {status}: {body[:200]!r}")


# -- a signalrcore connection under observation -----------------------------------------------------------------

class HubSession:
    """One signalrcore HubConnection plus what it observed (ticks, completions, open/close)."""

    def __init__(self, url: str, options: dict, keep_alive: bool) -> None:
        builder = HubConnectionBuilder().with_url(url, options=options)
        if keep_alive:
            # signalrcore only sends keep-alive pings when a reconnection handler is configured; 1 s makes it
            # ping during every quiet window. A reconnect would hide a server-side close, so it is reported.
            builder = builder.with_automatic_reconnect(
                {"type": "raw", "keep_alive_interval": 1, "reconnect_interval": 1, "max_attempts": 1})
        self.connection = builder.build()
        self.lock = threading.Condition()
        self.ticks: list[tuple[float, str, object]] = []  # (arrival, target, arguments)
        self.completions: dict[str, tuple[str, object]] = {}  # invocation id -> ("result"|"error", value)
        self.errors: list[str] = []
        self.opened = threading.Event()
        self.closed = threading.Event()
        self.reconnected = threading.Event()
        self.connection.on_open(self.opened.set)
        self.connection.on_close(self.closed.set)
        self.connection.on_reconnect(self.reconnected.set)
        self.connection.on_error(self._on_error)
        for target in ("onTick", "OnTick"):  # v1 names it onTick, v2 OnTick; signalrcore matches case-sensitively
            self.connection.on(target, self._tick_handler(target))

    def _tick_handler(self, target: str):
        def handler(arguments) -> None:
            with self.lock:
                self.ticks.append((time.monotonic(), target, arguments))
                self.lock.notify_all()
        return handler

    def _on_error(self, message) -> None:
        invocation_id = getattr(message, "invocation_id", None)
        with self.lock:
            if invocation_id is not None:
                self.completions[invocation_id] = ("error", getattr(message, "error", message))
            else:
                self.errors.append(repr(message))
            self.lock.notify_all()

    def start(self) -> None:
        self.connection.start()  # negotiates and upgrades synchronously; raises when refused
        if not self.opened.wait(5):
            raise CheckFailed("handshake not completed within 5 s")

    def invoke(self, method: str, arguments: list, timeout: float = 5.0) -> tuple[str, object]:
        invocation_id = str(uuid.uuid4())

        def on_done(message) -> None:
            with self.lock:
                self.completions[invocation_id] = ("result", getattr(message, "result", None))
                self.lock.notify_all()

        self.connection.invoke(method, arguments, on_invocation=on_done, invocation_id=invocation_id)
        deadline = time.monotonic() + timeout
        with self.lock:
            while invocation_id not in self.completions:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return ("timeout", None)
                self.lock.wait(remaining)
            return self.completions[invocation_id]

    def wait_ticks(self, symbols: list[str], count: int, timeout: float, since: float = 0.0) -> dict[str, int]:
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                counts = self.count_ticks(since)
                if all(counts.get(symbol, 0) >= count for symbol in symbols):
                    return counts
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return counts
                self.lock.wait(remaining)

    def count_ticks(self, since: float = 0.0) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self.lock:  # reentrant (Condition over an RLock), so wait_ticks may call it holding the lock
            for arrival, _, arguments in self.ticks:
                if arrival > since:
                    symbol = tick_symbol(arguments)
                    counts[symbol] = counts.get(symbol, 0) + 1
        return counts

    def snapshot(self) -> list[tuple[float, str, object]]:
        with self.lock:
            return list(self.ticks)

    def stop(self) -> None:
        try:
            self.connection.stop()
        except Exception as error:  # noqa: BLE001 - stopping must not mask the real result
            self.errors.append(f"stop raised {error!r}")


def tick_symbol(arguments) -> str:
    if isinstance(arguments, list) and len(arguments) == 2 and isinstance(arguments[1], dict):
        return str(arguments[1].get("symbol"))
    return "<malformed>"


def tick_problem(arguments, subscribed: set[str]) -> str | None:
    """None when `arguments` is a well-formed onTick payload for a subscribed symbol, else what is wrong."""
    if not isinstance(arguments, list) or len(arguments) != 2:
        return f"arguments should be [tradePlatform, tick], got {arguments!r}"
    platform, tick = arguments
    if not isinstance(platform, str) or platform.lower() != PLATFORM:
        return f"arguments[0] should be the trade platform {PLATFORM}, got {platform!r}"
    if not isinstance(tick, dict):
        return f"arguments[1] should be an object, got {tick!r}"
    missing = {"symbol", "bid", "ask"} - tick.keys()
    if missing:
        return f"tick lacks {sorted(missing)}: {tick!r}"
    if tick["symbol"] not in subscribed:
        return f"tick for {tick['symbol']!r}, which is not subscribed (subscribed: {sorted(subscribed)})"
    for side in ("bid", "ask"):
        value = tick[side]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            return f"{side} should be a positive JSON number, got {value!r}: {tick!r}"
    if not tick["bid"] < tick["ask"]:
        return f"bid {tick['bid']} is not below ask {tick['ask']}: {tick!r}"
    return None


def check_frames(frames: list[str], report: Report, what: str) -> None:
    """Every text frame signalrcore received ends with the record separator; the first is the handshake `{}`."""
    if not frames:
        report.check(False, f"{what}: frames received", "signalrcore logged no frames")
        return
    report.check(frames[0].startswith("{}" + RS), f"{what}: handshake answer is {{}}<RS>",
                 f"first frame {frames[0][:120]!r}")
    unterminated = [frame for frame in frames if not frame.endswith(RS)]
    report.check(not unterminated, f"{what}: every frame ends with 0x1E ({len(frames)} frames)",
                 f"{len(unterminated)} without, e.g. {unterminated[:1]!r}")
    types: dict[object, int] = {}
    bad_json: list[str] = []
    noisy: list[str] = []
    for frame in frames:
        for record in frame.split(RS):
            if not record:
                continue
            try:
                message = json.loads(record, parse_float=Decimal)
            except ValueError:
                bad_json.append(record[:120])
                continue
            kind = message.get("type", "handshake") if isinstance(message, dict) else "not an object"
            types[kind] = types.get(kind, 0) + 1
            arguments = message.get("arguments") if isinstance(message, dict) else None
            if kind == 1 and isinstance(arguments, list) and len(arguments) == 2 and isinstance(arguments[1], dict):
                for side in ("bid", "ask"):
                    price = arguments[1].get(side)
                    if isinstance(price, Decimal) and -price.as_tuple().exponent > MAX_PRICE_DECIMALS:
                        noisy.append(record[:160])
    report.check(not bad_json, f"{what}: every record is JSON", f"e.g. {bad_json[:1]!r}")
    report.check(not noisy, f"{what}: tick prices are plain decimals (at most {MAX_PRICE_DECIMALS} places)",
                 f"{len(noisy)} with binary-float noise, e.g. {noisy[:1]!r}")
    print(f"       message types received: {dict(sorted(types.items(), key=lambda kv: str(kv[0])))}")


def run_hub_scenario(name: str, url: str, options: dict, report: Report,
                     symbols: tuple[str, ...] = ("EURUSD", "BTCUSD"), unsubscribe: str | None = "EURUSD",
                     server_keep_alive: float | None = None) -> None:
    print(f"hub session: {name}")
    CLIENT_LOG.take_frames()  # forget earlier sessions
    session = HubSession(url, options, keep_alive=True)
    try:
        try:
            session.start()
        except Exception as error:  # noqa: BLE001 - signalrcore raises assorted types when refused
            report.require(False, "start() connects and completes the handshake", f"{type(error).__name__}: {error}")
        report.check(True, "start() connects and completes the handshake")

        kind, value = session.invoke("Connect", [PLATFORM])
        report.check(kind == "result" and value is True, "Connect(tradePlatform) completes with true",
                     f"{kind}: {value!r}")
        if server_keep_alive is not None:
            # Nothing subscribed yet, so the server has nothing to send: it must ping (ASP.NET KeepAliveInterval).
            deadline = time.monotonic() + 3 * server_keep_alive + 0.5
            while CLIENT_LOG.server_pings() == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            report.check(CLIENT_LOG.server_pings() > 0,
                         f"the server pings an idle connection (keep-alive {server_keep_alive:.1f} s)",
                         f"no {{\"type\":6}} within {3 * server_keep_alive + 0.5:.1f} s")

        for symbol in symbols:
            kind, value = session.invoke("SubscribeToTicks", [PLATFORM, symbol])
            report.require(kind == "result", f"SubscribeToTicks({symbol}) completes without error",
                           f"{kind}: {value!r}")
        counts = session.wait_ticks(list(symbols), 3, TICK_WAIT)
        report.require(all(counts.get(symbol, 0) >= 3 for symbol in symbols),
                       f"onTick events arrive for {', '.join(symbols)} within {TICK_WAIT:.0f} s",
                       f"counts after {TICK_WAIT:.0f} s: {counts} (targets seen: "
                       f"{sorted({t for _, t, _ in session.snapshot()})})")

        if unsubscribe is not None:
            kind, value = session.invoke("UnsubscribeFromTicks", [PLATFORM, unsubscribe])
            completed = time.monotonic()
            report.require(kind == "result", f"UnsubscribeFromTicks({unsubscribe}) completes without error",
                           f"{kind}: {value!r}")
            time.sleep(IN_FLIGHT_GRACE + QUIET_WINDOW)
            after_grace = session.count_ticks(completed + IN_FLIGHT_GRACE)
            strictly_after = session.count_ticks(completed).get(unsubscribe, 0)
            report.check(after_grace.get(unsubscribe, 0) == 0,
                         f"no {unsubscribe} ticks in the {QUIET_WINDOW} s after unsubscribing",
                         f"{after_grace.get(unsubscribe, 0)} arrived")
            if strictly_after:
                report.warn(f"{strictly_after} {unsubscribe} tick(s) arrived after UnsubscribeFromTicks completed "
                            f"(within the {IN_FLIGHT_GRACE} s grace)")
            others = [symbol for symbol in symbols if symbol != unsubscribe]
            report.check(all(after_grace.get(symbol, 0) >= 2 for symbol in others),
                         f"{', '.join(others)} ticks keep arriving after unsubscribing {unsubscribe}",
                         f"counts in the window: {after_grace}")

        ticks = session.snapshot()
        wrong_target = sorted({target for _, target, _ in ticks if target != "onTick"})
        report.check(not wrong_target, "events are named onTick (protocols.md §2.6, v1 hub)",
                     f"also got targets {wrong_target}")
        problems = [problem for _, _, arguments in ticks
                    if (problem := tick_problem(arguments, set(symbols))) is not None]
        report.check(not problems, f"all {len(ticks)} ticks well-formed (platform, symbol, 0 < bid < ask)",
                     f"{len(problems)} bad, first: {problems[0] if problems else ''}")
        extra_keys = sorted({key for _, _, arguments in ticks if isinstance(arguments, list) and len(arguments) == 2
                             and isinstance(arguments[1], dict) for key in arguments[1]} - {"symbol", "bid", "ask"})
        if extra_keys:
            report.warn(f"tick objects carry keys beyond symbol/bid/ask: {extra_keys}")

        kind, value = session.invoke("NoSuchHubMethod", [PLATFORM], timeout=3)
        report.check(kind == "error" and isinstance(value, str) and value != "",
                     "an unknown hub method completes with an error string", f"{kind}: {value!r}")
        report.check(not session.closed.is_set() and not session.reconnected.is_set(),
                     "the connection stayed up (no server close, no reconnect) while the client pinged",
                     f"closed={session.closed.is_set()} reconnected={session.reconnected.is_set()}")
        report.check(not session.errors, "no unsolicited errors reported by the client", f"{session.errors[:3]}")
    finally:
        session.stop()
    report.check(session.closed.wait(3), "stop() closes the connection")
    frames, pings = CLIENT_LOG.take_frames()
    check_frames(frames, report, name)
    report.check(pings > 0, f"{name}: the client sent keep-alive pings ({pings}) and the server tolerated them",
                 "signalrcore sent no ping, so ping handling was not exercised")


def expect_refused(name: str, url: str, options: dict, report: Report, status: int = 401) -> None:
    print(f"hub session refused: {name}")
    session = HubSession(url, options, keep_alive=False)
    refused, detail = False, ""
    try:
        session.start()
        detail = "start() succeeded and the handshake completed"
    except CheckFailed as error:
        refused, detail = True, str(error)
    except Exception as error:  # noqa: BLE001 - signalrcore raises HTTPError / SocketHandshakeError / HubError
        refused, detail = True, f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    finally:
        session.stop()
    if report.check(refused and not session.opened.is_set(), f"{name}: connection refused", detail):
        report.check(str(status) in detail, f"{name}: refused with HTTP {status}", detail)
        print(f"       signalrcore raised {detail[:160]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venue-sim", help="path of the venue-sim binary (default: swift build --show-bin-path)")
    parser.add_argument("--verbose", action="store_true", help="print signalrcore's log and the simulator output")
    args = parser.parse_args()

    configure_client_log(args.verbose)
    version = importlib.metadata.version("signalrcore")
    print(f"{LABEL}: signalrcore {version}, Python {sys.version.split()[0]}")
    sim: VenueSim | None = None
    install_deadline(BUDGET_SECONDS, lambda: sim, LABEL)
    report = Report()
    started = time.monotonic()
    try:
        try:
            binary = find_binary(args.venue_sim)
            # A short server keep-alive makes the server's pings observable within the budget (default 15 s).
            keep_alive = SERVER_KEEP_ALIVE if supports_option(binary, "--cplugin-keep-alive-ms") else None
            extra = ["--cplugin-keep-alive-ms", str(int(keep_alive * 1000))] if keep_alive else []
            sim = VenueSim(binary, extra)
            sim.start()
        except SetupError as error:
            print(f"{LABEL}: cannot run: {error}", file=sys.stderr)
            return 2
        base = sim.base_url("cplugin")
        hub = base + HUB_PATH
        print(f"{LABEL}: venue-sim pid {sim.process.pid}, cplugin at {base}")
        try:
            token = fetch_token(base, report)
        except CheckFailed:
            token = None
        if token is not None:
            if keep_alive is None:
                print(f"{LABEL}: note: venue-sim has no --cplugin-keep-alive-ms; server pings not checked")
            scenarios = [
                ("negotiated, bearer token via access_token_factory", hub,
                 {"access_token_factory": lambda: token}, keep_alive),
                ("skip_negotiation, bearer token via access_token_factory", hub,
                 {"access_token_factory": lambda: token, "skip_negotiation": True}, None),
                ("skip_negotiation, access_token query parameter",
                 f"{hub}?access_token={urllib.parse.quote(token, safe='')}", {"skip_negotiation": True}, None),
            ]
            steps = [lambda: check_negotiate(base, token, report)]
            steps += [lambda s=s: run_hub_scenario(s[0], s[1], s[2], report, server_keep_alive=s[3])
                      for s in scenarios]
            steps += [
                # signalrcore ignores connectionToken and always sends connectionId as `id`; after a version 1
                # negotiation ASP.NET Core does not know that id and answers 404, and so must the simulator.
                lambda: expect_refused("negotiateVersion=1 in the hub URL (signalrcore sends connectionId as id)",
                                       f"{hub}?negotiateVersion=1", {"access_token_factory": lambda: token},
                                       report, status=404),
                lambda: expect_refused("negotiated, bad token", hub,
                                       {"access_token_factory": lambda: "not-a-valid-token"}, report),
                lambda: expect_refused("skip_negotiation, bad token", hub,
                                       {"access_token_factory": lambda: "not-a-valid-token",
                                        "skip_negotiation": True}, report),
                lambda: expect_refused("skip_negotiation, no token", hub, {"skip_negotiation": True}, report),
            ]
            for step in steps:
                try:
                    step()
                except CheckFailed:
                    pass  # already reported; go on with the next scenario
                if sim.process is None or sim.process.poll() is not None:
                    report.check(False, "venue-sim still running", "it exited during the test")
                    break
    except Deadline as error:
        report.check(False, "time budget", str(error))
    finally:
        if sim is not None:
            sim.stop()
    elapsed = time.monotonic() - started
    if report.failed:
        print(f"{LABEL}: signalrcore log tail:\n{CLIENT_LOG.tail()}")
        if sim is not None:
            print(f"{LABEL}: venue-sim output tail:\n{sim.output_tail()}")
    print(f"{LABEL}: {report.passed} passed, {report.failed} failed, {len(report.warnings)} warnings "
          f"({elapsed:.1f} s)")
    return 0 if report.failed == 0 and report.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
