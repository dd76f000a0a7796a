# Transfer Watch: `make run` runs the pipeline once against the live sites, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)

export AIRFLOW_HOME := $(CURDIR)/state/airflow
export AIRFLOW_CONFIG := $(CURDIR)/airflow.cfg
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup run test demo demo-reset airflow celery celery-stop bench bench-parser train-parser export-encoder train-claims claims-eval bench-scale bench-freshness clean

$(STAMP):
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)
	$(PY) -m pipeline db-upgrade

run: setup
	$(PY) -m pipeline run

test: $(STAMP)
	$(PY) -m pytest

demo: setup
	$(PY) -m pipeline demo

demo-reset:
	rm -rf state/demo
	@echo "Demo state removed; the next 'make demo' starts over."

airflow: setup
	mkdir -p $(AIRFLOW_HOME)
	airflow db migrate
	airflow pools set transfer_watch_crawl 4 "Outlet crawls that may run at once"
	@echo "Airflow UI: http://localhost:8080  (user admin; password printed below and kept in"
	@echo "  $(AIRFLOW_HOME)/simple_auth_manager_passwords.json.generated)"
	airflow standalone

# CeleryExecutor on this machine: PostgreSQL + Redis + api-server, scheduler, dag-processor, worker (README).
celery: setup
	$(PY) deploy/celery_stack.py up

celery-stop:
	$(PY) deploy/celery_stack.py down

bench: $(STAMP)
	$(PY) bench/bench_claims.py
	$(PY) bench/bench_extract.py
	$(PY) -m pipeline bench dedupe --articles 10000
	$(PY) bench/bench_desk.py

# Retrain models/parser/model from ../shared/data/ud-english-ewt (about 30 min on one core; never run by
# setup, run or test). One thread, on the last CPU when taskset is there, so the figures are one-core ones.
PIN := $(shell command -v taskset >/dev/null && echo taskset -c $$(($$(nproc) - 1)))
train-parser: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PIN) $(PY) -m pipeline.claims.parser_train

# Rebuild models/encoder (int8 ONNX all-MiniLM-L6-v2) in a venv of its own: it needs PyTorch, which nothing else
# here does. Retrain the decisions afterwards (make train-claims).
export-encoder: $(STAMP)
	test -x .venv-export/bin/python || $(PYTHON) -m venv .venv-export
	.venv-export/bin/python -m pip install --quiet -r requirements-export.txt
	PYTHONPATH=. .venv-export/bin/python -m pipeline.claims.encoder_export

train-claims: $(STAMP)
	$(PY) -m pipeline.claims.train

claims-eval: $(STAMP)
	$(PY) -m pipeline claims eval --errors 20

bench-parser: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(PY) bench/bench_parser.py

bench-scale: $(STAMP)
	$(PY) bench/bench_scale.py

bench-freshness: $(STAMP)
	$(PY) bench/bench_freshness.py

clean:
	rm -rf $(VENV) state
