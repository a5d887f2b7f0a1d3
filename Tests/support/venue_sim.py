"""Start and stop the `venue-sim` executable for the Python contract and interop scripts.

Shared by Tests/contract/validate_cplugin_simulator.py, Tests/contract/validate_deriv_simulator.py and
Tests/interop/cplugin_signalr_interop.py (and anything that needs the cTrader face: its `ctrader=` line is waited for
like the others). Everything here
talks only to 127.0.0.1: the simulator is started with `--host 127.0.0.1` on free ports (`--*-port 0`), and the
listener lines it prints are checked to name 127.0.0.1 before anything connects to them. The process is stopped by
its own PID (SIGTERM, then SIGKILL after a grace period), never by name.
"""

from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LISTENER_LINE = re.compile(r"^([a-z0-9]+)=([0-9.]+):([0-9]+)$")
LOOPBACK = "127.0.0.1"

# urllib (ours and signalrcore's) must never route loopback traffic through a proxy from the environment.
for _name in ("no_proxy", "NO_PROXY"):
    _current = os.environ.get(_name, "")
    if LOOPBACK not in _current.split(","):
        os.environ[_name] = f"{_current},{LOOPBACK}".strip(",")


class SetupError(Exception):
    """The simulator could not be found or started (a usage or environment problem, not a contract failure)."""


class Deadline(Exception):
    """The script's overall time budget ran out."""


def find_binary(explicit: str | None) -> Path:
    """`explicit` if given; else `$(swift build --show-bin-path)/venue-sim`; else `.build/debug/venue-sim`."""
    if explicit:
        path = Path(explicit)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise SetupError(f"venue-sim binary not found or not executable: {path}")
        return path
    candidates = []
    swift = os.environ.get("SWIFT", "swift")
    try:
        shown = subprocess.run(
            [swift, "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True, timeout=30, check=False
        )
        if shown.returncode == 0 and shown.stdout.strip():
            candidates.append(Path(shown.stdout.strip().splitlines()[-1]) / "venue-sim")
    except (OSError, subprocess.TimeoutExpired):
        pass
    candidates.append(ROOT / ".build" / "debug" / "venue-sim")
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise SetupError(
        "venue-sim binary not found (looked at " + ", ".join(str(c) for c in candidates) + "); run `swift build`"
    )


class VenueSim:
    """One `venue-sim` process on free loopback ports. Use as a context manager; `stop()` is idempotent."""

    def __init__(self, binary: Path, extra_args: list[str] | None = None, startup_timeout: float = 20.0) -> None:
        self.binary = binary
        self.args = [
            str(binary),
            "--host", LOOPBACK,
            "--admin-port", "0",
            "--mt4-port", "0",
            "--cplugin-port", "0",
            "--magnr-port", "0",
            "--deriv-port", "0",
            "--ctrader-port", "0",
            "--tick-interval-ms", "50",
            "--log-level", "warning",
        ] + (extra_args or [])
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[str] | None = None
        self.listeners: dict[str, tuple[str, int]] = {}
        self._output: collections.deque[str] = collections.deque(maxlen=200)
        self._listener_event = threading.Event()
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------------------------

    def __enter__(self) -> "VenueSim":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        # Hermetic: the simulator's defaults (client secret, API key) must not come from the caller's environment.
        environment = {k: v for k, v in os.environ.items() if not k.startswith("VENUE_SIM_")}
        try:
            self.process = subprocess.Popen(
                self.args,
                cwd=ROOT,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                bufsize=1,
            )
        except OSError as error:
            raise SetupError(f"cannot start {self.binary}: {error}") from error
        for stream, tag in ((self.process.stdout, "stdout"), (self.process.stderr, "stderr")):
            threading.Thread(target=self._drain, args=(stream, tag), daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._listener_event.wait(0.1):
                break
            if self.process.poll() is not None:
                time.sleep(0.2)  # let the drain threads collect the last output
                raise SetupError(
                    f"venue-sim exited with status {self.process.returncode} before listening:\n{self.output_tail()}"
                )
        else:
            raise SetupError(f"venue-sim printed no listener lines within {self.startup_timeout:.0f} s:\n"
                             f"{self.output_tail()}")
        settle = time.monotonic() + 1.0  # the lines arrive in one write; allow for a venue line printed after admin
        while not {"cplugin", "deriv", "ctrader"} <= self.listeners.keys() and time.monotonic() < settle:
            time.sleep(0.05)
        for name, (host, _) in self.listeners.items():
            if host != LOOPBACK:
                raise SetupError(f"venue-sim listener {name} is on {host}, not {LOOPBACK}; refusing to use it")
        if "cplugin" not in self.listeners:
            raise SetupError(
                "venue-sim printed no `cplugin=` line (does it support --cplugin-port yet?):\n" + self.output_tail()
            )

    def stop(self) -> None:
        """SIGTERM by PID, wait up to 10 s, then SIGKILL. Safe to call more than once and on any path."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            try:
                os.kill(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait(timeout=5)
        self.process = None

    def kill_now(self) -> None:
        """Last resort from a watchdog thread: SIGKILL by PID without waiting for anything."""
        process = self.process
        if process is not None and process.poll() is None:
            try:
                os.kill(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    # -- output ------------------------------------------------------------------------------------------------

    def _drain(self, stream, tag: str) -> None:
        for raw in stream:
            line = raw.rstrip("\n")
            with self._lock:
                self._output.append(f"[{tag}] {line}")
            if tag == "stdout":
                match = LISTENER_LINE.match(line.strip())
                if match:
                    self.listeners[match.group(1)] = (match.group(2), int(match.group(3)))
                    if match.group(1) == "admin":  # printed last, after every venue line
                        self._listener_event.set()

    def output_tail(self, lines: int = 40) -> str:
        with self._lock:
            tail = list(self._output)[-lines:]
        return "\n".join("    " + line for line in tail) or "    (no output)"

    # -- addresses -----------------------------------------------------------------------------------------

    def base_url(self, listener: str = "cplugin") -> str:
        host, port = self.listeners[listener]
        return f"http://{host}:{port}"


def supports_option(binary: Path, option: str) -> bool:
    """Whether `venue-sim --help` lists `option` (for optional knobs such as --cplugin-keep-alive-ms)."""
    try:
        shown = subprocess.run([str(binary), "--help"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return option in shown.stdout + shown.stderr


def install_deadline(seconds: float, sim_getter, label: str) -> None:
    """Bound the whole script: after `seconds` raise Deadline in the main thread (so `finally` blocks stop the
    simulator); 5 s later, if the main thread is still stuck, SIGKILL the simulator by PID and exit 1."""

    def on_alarm(signum, frame):  # noqa: ARG001
        raise Deadline(f"{label}: time budget of {seconds:.0f} s exceeded")

    def on_term(signum, frame):  # noqa: ARG001
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.setitimer(signal.ITIMER_REAL, seconds)

    def backstop() -> None:
        sim = sim_getter()
        if sim is not None:
            sim.kill_now()
        print(f"{label}: FAIL hard time limit reached; simulator killed", flush=True)
        os._exit(1)

    timer = threading.Timer(seconds + 5, backstop)
    timer.daemon = True
    timer.start()
