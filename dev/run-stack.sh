#!/usr/bin/env bash
# The dev stack on one machine: embedded Kafka, venue simulators, auth-token-broker and order-executor, with the
# configuration in dev/. Started by `make run`; Ctrl-C (or SIGTERM) stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-.build/debug}
state=.tradewire/dev
mkdir -p "$state"
port=${KAFKA_DEV_PORT:-9092}
export KAFKA_BROKERS=127.0.0.1:$port

# Dev-only secrets, created on first run and kept under .tradewire/ (ignored by git). The simulator's API key is
# public (protocols.md); a real deployment passes real keys through the environment or /run/secrets files.
[ -s "$state/seal.key" ] || { umask 077; printf 'dev-1 %s\n' "$(head -c 32 /dev/urandom | base64)" >"$state/seal.key"; }
[ -s "$state/mt4-ava-api-key" ] || { umask 077; printf 'sim-mt4-api-key\n' >"$state/mt4-ava-api-key"; }
export TRADEWIRE_SEAL_KEY_FILE=$state/seal.key
export MT4_DEMO_API_KEY=sim-mt4-api-key
# The CPlugin simulator's default OAuth client secret (development only).
export CPLUGIN_SIM_CLIENT_SECRET=sim-cplugin-secret
# The Magnr simulator's default private key (development only).
export MAGNR_SIM_PRIVATE_KEY=sim-magnr-priv
# The Deriv simulator's default API token, scopes read, trade, trading_information (development only).
export DERIV_SIM_API_TOKEN=sim-deriv-token
# The cTrader simulator's application secret and the account's first refresh token (development only). The
# simulator starts from this refresh token on every start, so the broker's stored successor from an earlier run is
# dropped here (a real deployment keeps it: it is the only valid refresh token).
export CTRADER_SIM_CLIENT_SECRET=sim-ctrader-secret
export CTRADER_SIM_REFRESH_TOKEN=sim-ctrader-refresh
rm -f "$state/auth-token-broker/ctrader-ctrader-sim.json"

pids=()
# Stop in reverse order, each one fully before the next (the services need Kafka to leave their groups cleanly).
stop() {
  trap - EXIT INT TERM
  for ((i=${#pids[@]}-1; i>=0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || continue
    for _ in $(seq 150); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${pids[i]}" 2>/dev/null && echo "process ${pids[i]} did not stop within 15 s; killed" >&2
    wait "${pids[i]}" 2>/dev/null || true
  done
  echo "stack stopped"
  exit 0
}
trap stop EXIT INT TERM

# Each process gets its own session (setsid), so Ctrl-C reaches only this script, which stops them in order.
setsid "$bin/kafka-dev" --port "$port" >"$state/kafka-dev.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do grep -q '^bootstrap=' "$state/kafka-dev.log" && break; sleep 0.1; done
grep -q '^bootstrap=' "$state/kafka-dev.log" || { cat "$state/kafka-dev.log"; exit 1; }
setsid "$bin/venue-sim" >"$state/venue-sim.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do curl -fsS http://127.0.0.1:8800/ >/dev/null 2>&1 && break; sleep 0.1; done
setsid "$bin/auth-token-broker" --venues dev/venues.json --state-dir "$state/auth-token-broker" --http-port 9464 \
  >"$state/auth-token-broker.log" 2>&1 & pids+=($!)
setsid "$bin/order-executor" --venues dev/venues.json --instance-id dev-1 --http-port 9465 \
  >"$state/order-executor.log" 2>&1 & pids+=($!)
setsid "$bin/tick-publisher" --venues dev/venues.json --instance-id dev-1 --http-port 9466 \
  >"$state/tick-publisher.log" 2>&1 & pids+=($!)
setsid "$bin/audit-logger" --db "$state/audit.sqlite" --http-port 9467 \
  >"$state/audit-logger.log" 2>&1 & pids+=($!)
for _ in $(seq 150); do curl -fsS http://127.0.0.1:9465/health >/dev/null 2>&1 && break; sleep 0.2; done

cat <<INFO
Tradewire dev stack is running (logs in $state/*.log):
  kafka-dev          Kafka on $KAFKA_BROKERS (librdkafka mock cluster)
  venue-sim          MT4Server on http://127.0.0.1:8801, CPlugin WebAPI (REST, OAuth, SignalR hub) on
                     http://127.0.0.1:8802, Magnr on http://127.0.0.1:8803, Deriv WebSocket API on
                     ws://127.0.0.1:8804/websockets/v3, cTrader Open API (JSON) on ws://127.0.0.1:8805,
                     admin on http://127.0.0.1:8800
  auth-token-broker  health and metrics on http://127.0.0.1:9464/health and /metrics
  order-executor     health and metrics on http://127.0.0.1:9465/health and /metrics
  tick-publisher     health and metrics on http://127.0.0.1:9466/health and /metrics
  audit-logger       $state/audit.sqlite; health and metrics on http://127.0.0.1:9467/health and /metrics
  venues             mt4-demo (MT4Server broker demo), mt4-ava (broker ava), cplugin-sim (CPlugin login 1001),
                     magnr-sim (Magnr, Bitstamp), deriv-sim (Deriv VRTC1000001, USD),
                     ctrader-sim (cTrader account 1000001): dev/venues.json

Send an order from another terminal:
  $bin/tradewire order place --venue mt4-demo --symbol BTCUSD --side buy --quantity 0.11
  $bin/tradewire order close --venue mt4-demo --order <venueOrderId from the report>
  $bin/tradewire order place --venue deriv-sim --symbol R_100 --side buy --quantity 10   (a 10 USD MULTUP stake)
  $bin/tradewire tail orders.reports --from-beginning
  $bin/tradewire tail market.ticks --count 5
  $bin/tradewire audit trail --command-id <commandId printed by order place>
Ctrl-C stops everything.
INFO
wait -n "${pids[@]}" || true
echo "a process of the stack exited; stopping the rest (see $state/*.log)" >&2
