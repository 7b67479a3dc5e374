# digitpad: draw a digit, let Keras recognise it.
#
#   make run      start the Streamlit app (creates .venv and installs requirements.txt)
#   make check    the quick loop: lint, format check, unit and app tests (no browser, not slow)
#   make test     lint, format check and the full test suite (installs dev tools + Chromium)
#   make lint     ruff check + ruff format --check
#   make format   apply ruff fixes and formatting
#   make bench    time preprocessing and inference of the shipped models (python -m benchmarks speed)
#   make bench-browser  time the app in a real browser: pen release → answer, cold start, 10 sessions
#   make models   retrain both shipped models on MNIST + pendigits replays, and their held-out twins
#   make fold-models  the same recipes without each tuning writer fold (folds/, not shipped)
#   make bench-folds  people it never saw, fold by fold, and the mean (python -m benchmarks folds)
#   make clean    remove caches and test artifacts (distclean also removes .venv)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DIGITPAD_MNIST ?= ../shared/data/mnist

RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev

.DEFAULT_GOAL := help

.PHONY: help run check test lint format bench bench-browser bench-folds models fold-models chromium venv deps dev-deps clean distclean

help:
	@sed -n 's/^#   //p' $(MAKEFILE_LIST)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

venv: $(BIN)/python

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

$(DEV_STAMP): requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -r requirements-dev.txt
	touch $@ $(RUNTIME_STAMP)

deps: $(RUNTIME_STAMP)

dev-deps: $(DEV_STAMP)

chromium:
	bash scripts/install_chromium.sh

run: $(RUNTIME_STAMP)
	$(BIN)/streamlit run streamlit_app.py

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest tests/unit tests/app -m "not slow and not browser"

test: $(DEV_STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

bench: $(RUNTIME_STAMP)
	$(BIN)/python -m benchmarks speed

bench-browser: $(DEV_STAMP) chromium
	$(BIN)/python -m benchmarks browser --write-readme

# The twins (models/heldout/) train without the report fold's writers and are measured on them:
# that is the README's "people it never saw"; the shipped models then train on all 30 writers.
PEN_REPLAYS ?= 2
# The CNN reads pen digits better with twice the MLP's replays (README, "How many replays")
CNN_PEN_REPLAYS ?= 4
NON_DIGITS ?= 16000
MLP_RECIPE := --model mlp --epochs 40 --learning-rate 0.003 --augment --label-smoothing 0 --mnist-copies 2 --validation-split 0 --replays $(PEN_REPLAYS) --pen-images all --non-digits $(NON_DIGITS)
CNN_RECIPE := --model cnn --epochs 40 --learning-rate 0.003 --augment --clean-epochs 8 --label-smoothing 0.1 --validation-split 0 --replays $(CNN_PEN_REPLAYS) --pen-images all --non-digits $(NON_DIGITS)
models: $(RUNTIME_STAMP)
	$(BIN)/python -m digitpad train $(MLP_RECIPE) --data $(DIGITPAD_MNIST) --exclude-writers report --out models/heldout
	$(BIN)/python -m digitpad train $(MLP_RECIPE) --data $(DIGITPAD_MNIST) --twin models/heldout
	$(BIN)/python -m digitpad train $(CNN_RECIPE) --data $(DIGITPAD_MNIST) --exclude-writers report --out models/heldout
	$(BIN)/python -m digitpad train $(CNN_RECIPE) --data $(DIGITPAD_MNIST) --twin models/heldout

# The same recipes without each tuning fold (the twins are fold 4's), for `make bench-folds`:
# the mean over the five writer folds. Not shipped: about 1.5 hours on two CPU cores.
FOLDS_DIR ?= folds
fold-models: $(RUNTIME_STAMP)
	for fold in 0 1 2 3; do \
	  $(BIN)/python -m digitpad train $(MLP_RECIPE) --data $(DIGITPAD_MNIST) --exclude-writers fold$$fold --out $(FOLDS_DIR)/fold$$fold && \
	  $(BIN)/python -m digitpad train $(CNN_RECIPE) --data $(DIGITPAD_MNIST) --exclude-writers fold$$fold --out $(FOLDS_DIR)/fold$$fold || exit 1; \
	done

bench-folds: $(RUNTIME_STAMP)
	$(BIN)/python -m benchmarks folds --dir $(FOLDS_DIR) --write-readme

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis test-artifacts
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
