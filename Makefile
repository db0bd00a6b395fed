# graph-unlearn: `make demo` and `make test` set up everything they need on a fresh machine.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup setup-test demo test bench

setup:
	bash scripts/bootstrap.sh

setup-test:
	bash scripts/bootstrap.sh test

demo: setup
	$(VENV)/bin/graph-unlearn run --dataset Cora --model gcn --fraction 0.05 --setting out \
	  --methods retrain,utu,gradient_ascent,neggrad_plus,descent_to_delete,gnndelete,d2dgn \
	  --seeds 0,1,2 --json report.json

test: setup-test
	$(PY) -m pytest -q tests

bench: setup
	$(PY) benchmarks/edge_unlearning.py
