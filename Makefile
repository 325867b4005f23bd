# The two commands of the README, plus the recipe that rebuilds the shipped model.
.PHONY: run test model
SHELL := /bin/bash

run:   ## set up the runtime and start the webcam recognizer (the demo clip where there is no camera)
	scripts/setup.sh runtime
	.venv/bin/digits-cam

test:  ## set up everything and run the test suite (Ray's tests where the network holds only loopback)
	scripts/setup.sh dev
	.venv/bin/python -m pytest -m "not ray"
	scripts/loopback.sh .venv/bin/python -m pytest -m ray

model: ## retrain, export and describe the shipped default model from scratch
	scripts/setup.sh dev
	scripts/make_model.sh
