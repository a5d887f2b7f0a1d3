# Tradewire — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
SWIFT ?= swift
KAFKA_DEV_PORT ?= 9092
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := librdkafka-dev libssl-dev libsqlite3-dev kcat curl gcc pkg-config openssl
PYTHON_PACKAGES := jsonschema referencing rfc3339-validator signalrcore websockets

.PHONY: setup build run test bench bench-kafka bench-services contract clean

## setup: install what the build and tests need when it is missing (idempotent).
setup:
	@missing=""; \
	pkg-config --exists rdkafka 2>/dev/null || missing="$$missing librdkafka-dev"; \
	pkg-config --exists openssl 2>/dev/null || missing="$$missing libssl-dev"; \
	pkg-config --exists sqlite3 2>/dev/null || missing="$$missing libsqlite3-dev"; \
	command -v kcat >/dev/null || missing="$$missing kcat"; \
	command -v curl >/dev/null || missing="$$missing curl"; \
	command -v gcc >/dev/null || missing="$$missing gcc"; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	if [ -n "$$missing" ]; then \
		echo "setup: installing$$missing"; \
		$(SUDO) apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@python3 -c "import jsonschema, referencing, rfc3339_validator, signalrcore, websockets" 2>/dev/null || { \
		echo "setup: installing Python test tools"; \
		python3 -m pip install -q --disable-pip-version-check $(PYTHON_PACKAGES); }

## build: debug build of every target (warnings are errors, see Package.swift).
build: setup
	$(SWIFT) build

## run: build, then start the dev stack on one machine (dev/run-stack.sh): the embedded Kafka broker on
## 127.0.0.1:9092, the venue simulators (admin 8800, MT4Server 8801), the auth-token-broker and the order-executor
## with dev/venues.json. Ctrl-C stops everything.
run: build
	@KAFKA_DEV_PORT=$(KAFKA_DEV_PORT) dev/run-stack.sh

## test: everything — unit, contract and end-to-end tests over the embedded broker, then the simulator's CPlugin
## face against the vendor's OpenAPI document and against a third-party SignalR client (signalrcore), and its Deriv
## face against the vendor's JSON Schemas (with the websockets client).
test: build
	SWIFT=$(SWIFT) dev/swift-test.sh
	python3 Tests/contract/validate_schemas.py
	python3 Tests/contract/validate_cplugin_simulator.py --venue-sim "$$($(SWIFT) build --show-bin-path)/venue-sim"
	python3 Tests/interop/cplugin_signalr_interop.py --venue-sim "$$($(SWIFT) build --show-bin-path)/venue-sim"
	python3 Tests/contract/validate_deriv_simulator.py --venue-sim "$$($(SWIFT) build --show-bin-path)/venue-sim"

## contract: only the schema checks (Python jsonschema).
contract: setup
	python3 Tests/contract/validate_schemas.py

## bench: performance figures against their baselines (prints a table, writes bench/results/).
bench: bench-kafka bench-services

bench-kafka: setup
	$(SWIFT) build -c release --product kafka-dev
	$(SWIFT) build -c release --product kafka-bench
	mkdir -p bench/bin bench/results
	gcc -O2 -Wall -o bench/bin/rtt_baseline bench/rtt_baseline.c $$(pkg-config --cflags --libs rdkafka)
	@log=$$(mktemp); \
	.build/release/kafka-dev --port 0 --log-level warning >"$$log" 2>&1 & pid=$$!; \
	trap 'kill -TERM $$pid 2>/dev/null; wait $$pid 2>/dev/null; rm -f "$$log"' EXIT; \
	for _ in $$(seq 100); do grep -q '^bootstrap=' "$$log" && break; sleep 0.1; done; \
	bootstrap=$$(sed -n 's/^bootstrap=//p' "$$log"); \
	[ -n "$$bootstrap" ] || { cat "$$log"; exit 1; }; \
	.build/release/kafka-bench --bootstrap "$$bootstrap" --baseline bench/bin/rtt_baseline --json bench/results/kafka.json

## bench-services: tick-publisher ticks/s from a simulator firehose vs kcat -P on the same payloads; audit records/s.
bench-services: setup
	$(SWIFT) build -c release --product kafka-dev
	$(SWIFT) build -c release --product services-bench
	mkdir -p bench/results
	@log=$$(mktemp); \
	.build/release/kafka-dev --port 0 --log-level warning >"$$log" 2>&1 & pid=$$!; \
	trap 'kill -TERM $$pid 2>/dev/null; wait $$pid 2>/dev/null; rm -f "$$log"' EXIT; \
	for _ in $$(seq 100); do grep -q '^bootstrap=' "$$log" && break; sleep 0.1; done; \
	bootstrap=$$(sed -n 's/^bootstrap=//p' "$$log"); \
	[ -n "$$bootstrap" ] || { cat "$$log"; exit 1; }; \
	.build/release/services-bench --bootstrap "$$bootstrap" --json bench/results/services.json

clean:
	rm -rf .build bench/bin
