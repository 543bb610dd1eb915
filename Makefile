# The two commands of the README. Both create (or reuse) .venv and install the package
# with its book and test extras; a change to pyproject.toml reinstalls.
PROFILE ?= book
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
export PRECISION_CACHE_DIR ?= $(CURDIR)/_build/cache
unexport MPLBACKEND

.PHONY: book test goldens env browser clean plan

env: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[book,test]'
	@rm -f $(VENV)/.installed-* && touch $@

## make book [PROFILE=smoke|book|paper] [EXACT=1] [DEVICE=cpu|cuda|cuda:N|auto] [SCHEDULER=tcp://host:8786]:
## execute every chapter at PROFILE and render the book (at paper, the cost plan is printed first);
## EXACT=1 pins torch's kernels and MKL's branch (precision/numeric.py), as the tests do;
## DEVICE and SCHEDULER default to $PRECISION_DEVICE and $PRECISION_DASK_SCHEDULER
book: $(STAMP)
	$(PY) -m precision.book build --profile $(PROFILE) $(if $(EXACT),--exact) $(if $(DEVICE),--device $(DEVICE)) \
	  $(if $(SCHEDULER),--scheduler $(SCHEDULER))

## make plan [PROFILE=smoke|book|paper]: runs, core-hours and memory per chapter, before any compute
plan: $(STAMP)
	$(PY) -m precision.book plan --profile $(PROFILE) $(if $(DEVICE),--device $(DEVICE))

## make test: unit tests, nbval goldens, a smoke build of the whole book checked in Chromium, all in the
## pinned numeric mode (tests/conftest.py)
test: $(STAMP) browser
	$(PY) -m pytest tests --nbval-lax --nbval-sanitize-with tests/nbval-sanitize.cfg -p no:randomly

## make goldens [ONLY=name]: re-execute the smoke-profile goldens of tests/notebooks/ (review with git diff)
goldens: $(STAMP)
	$(PY) -m precision.book goldens $(ONLY)

# The browser test needs Debian's Chromium and its driver; install them when missing.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { command -v apt-get >/dev/null || { echo "install chromium and chromedriver for the browser test"; exit 1; }; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

clean:
	rm -rf _build
