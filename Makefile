# Chat Pak Polisi & Ngobrol Kamtibmas. Every target runs from the repository root.
# Python: Rasa needs 3.10 (found via PYTHON=, python3.10 or pyenv; see scripts/find_python.sh).
SHELL := /bin/bash
export PYTHON
RASA_PY := .venv/rasa/bin/python

.PHONY: help setup run test train validate eval review purge bench clean

help:
	@echo "make run       set up, train if stale, start everything on 127.0.0.1 (Ctrl-C stops)"
	@echo "make test      set up, train if stale, run all test suites against real services"
	@echo "make train     train the Rasa model if data/domain/config changed"
	@echo "make validate  rasa data validate + knowledge and NLU checks (file and line)"
	@echo "make eval      NLU report on the hold-out set, compared with the previous report"
	@echo "make review    export low-confidence user messages for labelling"
	@echo "make purge     delete conversations older than RETENTION_DAYS (30) and closed reports older than REPORTS_RETENTION_DAYS (365)"
	@echo "make bench     measure latency, throughput and memory; writes out/bench/"
	@echo "make clean     remove models, runtime state and caches (keeps venvs)"

setup:
	@scripts/setup.sh

run:
	@scripts/run.sh

test:
	@scripts/test.sh

train:
	@scripts/venv.sh rasa
	@scripts/train.sh

validate:
	@scripts/venv.sh rasa
	@scripts/validate.sh

eval: setup
	@scripts/train.sh
	@$(RASA_PY) scripts/nlu_eval.py

review:
	@scripts/venv.sh rasa
	@$(RASA_PY) scripts/nlu_review.py export

purge:
	@scripts/venv.sh rasa
	@$(RASA_PY) -m scripts.purge

bench: setup
	@scripts/train.sh
	@scripts/bench.sh

clean:
	rm -rf models var out .pytest_cache
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
