# Every target installs what it needs first (scripts/bootstrap.sh, idempotent).
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/bin:$(PATH)
STAMP := node_modules/.install-stamp

.PHONY: tools install test typecheck lint dev bench up down logs
tools:
	@bash scripts/bootstrap.sh

$(STAMP): package.json pnpm-lock.yaml $(wildcard packages/*/package.json test/*/package.json)
	@bash scripts/bootstrap.sh
	pnpm install --frozen-lockfile --reporter=silent
	@touch $(STAMP)

install: $(STAMP)

typecheck: install
	pnpm typecheck

lint: install
	pnpm lint

test: install typecheck lint
	bash scripts/test.sh

dev: install
	pnpm wamesh dev $(ARGS)

bench: install
	pnpm bench

up:
	docker compose up -d --build
down:
	docker compose down
logs:
	docker compose logs -f
