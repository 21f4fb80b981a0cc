# Two commands on a fresh machine (see README):
#   make run    install (idempotent) and serve web chat + console on http://127.0.0.1:8000
#   make test   install with test tools and run the whole test suite
.PHONY: install run test lint bench

install:
	@scripts/install

run: install
	.venv/bin/fairbot run

test:
	@scripts/install --test
	@scripts/test

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

bench: install
	.venv/bin/python -m bench.retrieval
