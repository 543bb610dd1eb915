"""Build the book: papermill executes each section notebook at a profile, Jupyter Book renders.

``python -m precision.book build --profile book`` (what ``make book`` runs):

1. every MyST notebook listed in ``_toc.yml`` is executed by papermill with
   ``profile=...`` (and, where given, ``scheduler=...`` and ``device=...`` to every
   notebook that sweeps) into ``_build/executed/<profile>/``; a notebook whose source,
   parameters and package code are unchanged is reused from there (its key says so).
   The Conclusions (``RUN_LAST``) run after all the others, since their scorecard reads
   what the others recorded, and re-run whenever any of the others changed;
2. a staged copy of the book is written to ``_build/stage/<profile>/`` in which each
   ``X.md`` notebook is replaced by the executed ``X.ipynb`` (same docname, so
   cross-references hold) and execution is off, so Jupyter Book renders the outputs;
3. the status page is executed last, from the record of step 1;
4. ``jupyter-book build -W -n --keep-going`` renders the stage; the path of
   ``index.html`` is printed.

At ``--profile paper`` the cost plan (:mod:`precision.book.plan_report`) is printed before anything runs.

``python -m precision.book goldens`` writes the smoke-profile goldens for nbval.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .. import numeric
from ..cache import atomic_write_bytes, code_hash
from ..chapters.registry import check_profile, chapters

__all__ = ["section_notebooks", "execution_order", "execute_notebook", "build", "write_goldens", "STATUS_PAGE",
           "RUN_LAST", "SWEEP_PARAMETERS", "notebook_parameters", "check_parameters", "run_chapter", "run_main"]

STATUS_PAGE = "book/status"


def _run_last() -> tuple[str, ...]:
    """Docnames of the chapters that read the others' records (:attr:`Chapter.reads_others`)."""
    return tuple(c.docname for c in chapters() if c.reads_others)


#: Notebooks that read what the others recorded (the Conclusions' scorecard): executed after
#: every other section notebook, though rendered where the table of contents puts them.
RUN_LAST = _run_last()
# The parameters of every notebook that sweeps (precision.chapters.runs.sweep_options): how
# and where its runs are computed, never what they compute.
SWEEP_PARAMETERS = ("workers", "scheduler", "device")


def _toc_files(root: Path) -> list[str]:
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries: list) -> None:
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            for key in ("chapters", "sections", "parts"):
                walk(entry.get(key))

    walk(toc.get("parts") or toc.get("chapters") or [])
    return [f.removesuffix(".md").removesuffix(".ipynb") for f in files]


def _is_notebook(path: Path) -> bool:
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "kernelspec:" in head


def section_notebooks(root: Path, include_status: bool = False) -> list[str]:
    """Docnames of the executable MyST notebooks in the table of contents, in order."""
    out = [f for f in _toc_files(root) if (root / f"{f}.md").exists() and _is_notebook(root / f"{f}.md")]
    return out if include_status else [f for f in out if f != STATUS_PAGE]


def execution_order(docnames: list[str]) -> list[str]:
    """``docnames`` in the order the build executes them: as given, but with :data:`RUN_LAST`
    notebooks moved to the end."""
    return [d for d in docnames if d not in RUN_LAST] + [d for d in RUN_LAST if d in docnames]


def notebook_parameters(root: Path, docname: str) -> dict[str, dict[str, str]]:
    """The knobs of the ``parameters`` cell of ``<root>/<docname>.md``, as papermill reads them:
    ``{name: {"default": ..., "help": ...}}`` in the cell's order."""
    import tempfile

    import jupytext
    import nbformat
    import papermill

    nb = jupytext.read(root / f"{docname}.md")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "notebook.ipynb"
        path.write_text(nbformat.writes(nb))
        found = papermill.inspect_notebook(str(path))
    return {name: {"default": info["default"], "help": info.get("help", "")} for name, info in found.items()}


def check_parameters(root: Path, docname: str, parameters: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Refuse a parameter the notebook's ``parameters`` cell does not have: papermill would
    inject it as a new variable that nothing reads, and the chapter would run as if it had
    not been asked. Raises ``ValueError`` naming the unknown ones and listing the allowed;
    returns the cell's knobs (:func:`notebook_parameters`)."""
    allowed = notebook_parameters(root, docname)
    unknown = [name for name in parameters if name not in allowed]
    if unknown:
        raise ValueError(f"{Path(docname).name} has no parameter {', '.join(map(repr, unknown))}; "
                         f"its parameters are {', '.join(allowed)}")
    return allowed


def _kernel_env(root: Path, exact: bool = False) -> None:
    if exact:  # the kernels read it when they import torch (precision.numeric)
        os.environ.update(numeric.PINNED)
    os.environ.pop("MPLBACKEND", None)  # Agg here would drop every figure from the outputs
    os.environ.setdefault("PRECISION_CACHE_DIR", str(root / "_build" / "cache"))
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


def _strip_volatile(nb: Any) -> None:
    """Drop papermill's per-cell timestamps so re-generated notebooks diff cleanly."""
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nb.metadata.get("papermill", {}).pop("start_time", None)
    nb.metadata.get("papermill", {}).pop("end_time", None)
    nb.metadata.get("papermill", {}).pop("duration", None)
    nb.metadata.get("papermill", {}).pop("input_path", None)
    nb.metadata.get("papermill", {}).pop("output_path", None)


def execute_notebook(root: Path, docname: str, out_path: Path, parameters: dict[str, Any],
                     strip: bool = False, exact: bool = False) -> float:
    """Execute ``<root>/<docname>.md`` with papermill into ``out_path``; returns seconds.

    The output is written atomically: a failed run leaves no notebook behind. ``exact`` runs
    the kernel in the pinned numeric mode (:mod:`precision.numeric`).
    """
    import jupytext
    import nbformat
    import papermill

    check_parameters(root, docname, parameters)
    _kernel_env(root, exact)
    source = root / f"{docname}.md"
    nb = jupytext.read(source)
    tmp = out_path.with_name(f".running-{out_path.name}")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        executed = papermill.execute_notebook(nb, str(tmp), parameters=parameters, cwd=str(source.parent),
                                              kernel_name="python3", progress_bar=False)
    except papermill.PapermillExecutionError as err:
        tmp.unlink(missing_ok=True)
        raise SystemExit(f"{docname}: cell {err.exec_count} failed: {err.ename}: {err.evalue}") from None
    except BaseException:  # interrupted, or the kernel died: no half-written notebook is left behind
        tmp.unlink(missing_ok=True)
        raise
    seconds = time.perf_counter() - start
    for cell in executed.cells:  # papermill's injected cell is plumbing: the profile box names the profile
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
    if strip:
        _strip_volatile(executed)
    executed.metadata["precision"] = dict(executed.metadata.get("precision", {}), seconds=round(seconds, 2))
    atomic_write_bytes(out_path, nbformat.writes(executed).encode())
    tmp.unlink(missing_ok=True)
    return seconds


def _key(root: Path, docname: str, parameters: dict[str, Any], exact: bool = False) -> str:
    text = (root / f"{docname}.md").read_text(encoding="utf-8") + json.dumps(parameters, sort_keys=True) + code_hash()
    if exact:  # a pinned build never reuses a native one's notebooks (a default build's keys are unchanged)
        text += "numeric:pinned"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _summarise(path: Path) -> dict[str, Any]:
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and c["source"]]
    figures = sum(1 for c in code for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    errors = sum(1 for c in code for o in c.get("outputs", []) if o.get("output_type") == "error")
    title = next((line.lstrip("# ").strip() for c in nb["cells"] if c["cell_type"] == "markdown"
                  for line in "".join(c["source"]).splitlines() if line.startswith("# ")), path.stem)
    return {"title": title, "figures": figures, "errors": errors,
            "all_cells_executed": all(c.get("execution_count") is not None for c in code)}


def _write_if_changed(path: Path, data: bytes) -> None:
    if not path.exists() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _stage(root: Path, profile: str, executed: dict[str, Path]) -> Path:
    """Copy the book into ``_build/stage/<profile>`` with executed notebooks in place of sources."""
    import yaml

    stage = root / "_build" / "stage" / profile
    config = yaml.safe_load((root / "_config.yml").read_text())
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    config["execute"]["exclude_patterns"] = ["*.ipynb"]
    wanted: dict[Path, bytes] = {
        stage / "_config.yml": yaml.safe_dump(config, sort_keys=False).encode(),
        stage / "_toc.yml": (root / "_toc.yml").read_bytes(),
    }
    for path in (root / "book").rglob("*"):
        if path.is_file() and "_build" not in path.parts and not path.name.startswith("."):
            rel = path.relative_to(root)
            docname = rel.with_suffix("").as_posix()
            if docname in executed:
                wanted[stage / rel.with_suffix(".ipynb")] = executed[docname].read_bytes()
            else:
                wanted[stage / rel] = path.read_bytes()
    for target, data in wanted.items():
        _write_if_changed(target, data)
    for path in (stage / "book").rglob("*"):
        if path.is_file() and path not in wanted and "_build" not in path.relative_to(stage).parts:
            path.unlink()
    return stage


def sweep_parameters(scheduler: str | None = None, device: str = "cpu") -> dict[str, Any]:
    """The ``scheduler`` and ``device`` a build passes to every notebook that sweeps, checked
    before anything runs (:func:`precision.chapters.runs.sweep_options`); the defaults (local,
    ``cpu``) are left out, so a default build's notebooks and keys do not change."""
    from ..chapters.runs import sweep_options

    checked = sweep_options(None, scheduler, device)
    return {k: v for k, v in (("scheduler", checked["scheduler"]), ("device", checked["device"]))
            if v != {"scheduler": None, "device": "cpu"}[k]}


def build(root: Path, profile: str, render: bool = True, sweep: dict[str, Any] | None = None,
          exact: bool = False) -> Path:
    """Execute (or reuse) every notebook at ``profile``, stage and render; returns index.html.
    ``sweep`` (:func:`sweep_parameters`) goes to every notebook that has those parameters;
    ``exact`` runs every kernel in the pinned numeric mode (:mod:`precision.numeric`)."""
    check_profile(profile)
    sweep = dict(sweep or {})
    out_dir = root / "_build" / "executed" / profile
    record: list[dict[str, Any]] = []
    executed: dict[str, Path] = {}
    notebooks = section_notebooks(root)
    keys: dict[str, str] = {}
    build_start = time.perf_counter()
    for i, docname in enumerate(execution_order(notebooks), 1):
        takes = notebook_parameters(root, docname)
        params = {"profile": profile, **{k: v for k, v in sweep.items() if k in takes}}
        key = _key(root, docname, params, exact)
        if docname in RUN_LAST:  # it reads the others' records: re-run when any of them changed
            key = hashlib.sha256((key + "".join(keys[d] for d in notebooks if d not in RUN_LAST)).encode()
                                 ).hexdigest()[:24]
        keys[docname] = key
        out_path = out_dir / f"{docname}.ipynb"
        old = json.loads(out_path.read_text()).get("metadata", {}).get("precision", {}) if out_path.exists() else {}
        if old.get("key") == key:
            print(f"[{i}/{len(notebooks)}] {docname}: unchanged since {old['executed_at']}, reusing its outputs", flush=True)
            seconds, reused, when = old["seconds"], True, old["executed_at"]
        else:
            print(f"[{i}/{len(notebooks)}] {docname}: executing at profile={profile} ...", flush=True)
            seconds = execute_notebook(root, docname, out_path, params, exact=exact)
            when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            nb = json.loads(out_path.read_text())
            nb["metadata"]["precision"].update(key=key, executed_at=when, profile=profile, code_hash=code_hash())
            atomic_write_bytes(out_path, json.dumps(nb, indent=1).encode())
            reused = False
            print(f"    done in {seconds:.1f} s", flush=True)
        executed[docname] = out_path
        record.append({"docname": docname, "seconds": seconds, "reused": reused, "executed_at": when,
                       **_summarise(out_path)})
    record.sort(key=lambda entry: notebooks.index(entry["docname"]))  # reported in the order of the book
    record_path = out_dir / "build-record.json"
    atomic_write_bytes(record_path, json.dumps({
        "profile": profile, "code_hash": code_hash(), "numeric": "pinned" if exact else "native", "notebooks": record,
        "execution_seconds": round(time.perf_counter() - build_start, 1)}, indent=1).encode())
    if (root / f"{STATUS_PAGE}.md").exists():
        print(f"[status] {STATUS_PAGE}: executing", flush=True)
        status_path = out_dir / f"{STATUS_PAGE}.ipynb"
        execute_notebook(root, STATUS_PAGE, status_path, {"profile": profile, "build_record": str(record_path)},
                         exact=exact)
        executed[STATUS_PAGE] = status_path
    stage = _stage(root, profile, executed)
    index = stage / "_build" / "html" / "index.html"
    if render:
        jb = Path(sys.executable).parent / "jupyter-book"
        cmd = [str(jb if jb.exists() else shutil.which("jupyter-book") or "jupyter-book"), "build", str(stage),
               "-W", "-n", "--keep-going"]
        print("[render] " + " ".join(cmd), flush=True)
        if subprocess.run(cmd).returncode != 0:
            raise SystemExit("jupyter-book reported errors or warnings (treated as errors); see the log above")
    return index


def write_goldens(root: Path, out_dir: Path, only: list[str] | None = None) -> list[Path]:
    """Execute every section notebook (or those named in ``only``) at the smoke profile into
    ``out_dir`` (nbval goldens), in the pinned numeric mode the tests run in."""
    paths = []
    docnames = section_notebooks(root)
    if only:
        unknown = [n for n in only if n not in {Path(d).name for d in docnames}]
        if unknown:
            raise SystemExit(f"no section notebook named {', '.join(unknown)}; "
                             f"known: {', '.join(Path(d).name for d in docnames)}")
        docnames = [d for d in docnames if Path(d).name in only]
    for docname in execution_order(docnames):
        path = out_dir / f"{Path(docname).name}.ipynb"
        print(f"golden: {docname} -> {path.relative_to(root)}", flush=True)
        execute_notebook(root, docname, path, {"profile": "smoke"}, strip=True, exact=True)
        nb = json.loads(path.read_text())
        nb["metadata"]["precision"] = {"source": f"{docname}.md"}
        atomic_write_bytes(path, (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode())
        paths.append(path)
    return paths


def _literal(text: str) -> Any:
    """A ``-p`` value as a Python literal (``3``, ``1e-3``, ``[64, 256]``, ``None``), else the text."""
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def run_chapter(root: Path, name: str, parameters: dict[str, Any], out: Path | None = None) -> Path:
    """Execute the section notebook ``name`` (e.g. ``"introduction"``) with ``parameters``
    into ``out`` (default ``<name>.ipynb`` in the working directory).

    Before a kernel starts, the names are checked against the notebook's ``parameters`` cell
    and the run as a whole by :func:`precision.book.preflight.check_run` (the values, with the
    function the notebook resolves them with; the sweep options and scheduler; every run's
    memory) and :func:`precision.book.preflight.check_output`. Raises ``ValueError`` or
    ``MemoryError``, one sentence each, if any of them refuses."""
    from .preflight import check_output, check_run

    docnames = {Path(d).name: d for d in section_notebooks(root)}
    if name not in docnames:
        raise ValueError(f"no chapter named {name!r}; chapters: {', '.join(docnames)}")
    knobs = check_parameters(root, docnames[name], parameters)
    out = check_output(out or f"{name}.ipynb")
    _kernel_env(root)  # the cache the kernel will read: runs found there are not checked for memory
    check_run(docnames[name], parameters, knobs, SWEEP_PARAMETERS)
    execute_notebook(root, docnames[name], out, parameters)
    return out


def _default_root() -> Path:
    """The book to run: the working directory if it holds ``_toc.yml``, else the checkout the
    package was installed from (an editable install), else the working directory."""
    here = Path.cwd()
    if (here / "_toc.yml").exists():
        return here
    checkout = Path(__file__).resolve().parents[2]
    return checkout if (checkout / "_toc.yml").exists() else here


def _add_run_arguments(r: argparse.ArgumentParser) -> None:
    r.add_argument("chapter", nargs="?", help="e.g. introduction, piecewise-linear, beyond (see --list)")
    r.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="a parameter of the chapter's parameters cell; VALUE is read as a Python literal "
                        "(3, 1e-3, [64, 256], 'Z.001', None), else as text (repeatable)")
    r.add_argument("-o", "--output", help="the executed notebook (default CHAPTER.ipynb)")
    r.add_argument("--list", action="store_true", help="list the chapters and their parameters with defaults")
    r.add_argument("--root", default=None, help="the book's root folder, holding _toc.yml (default: the working "
                                                "directory, else the checkout of this package)")


class _OneLineParser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line on stderr, exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        _refuse(self, message)


def _refuse(parser: argparse.ArgumentParser, message: object) -> None:
    """Exit with status 2 and ``message`` as one line on stderr."""
    parser.exit(2, f"{parser.prog}: error: {' '.join(str(message).split())}\n")


def run_main(argv: list[str] | None = None, prog: str = "python -m precision run") -> int:
    """``python -m precision run CHAPTER [-p NAME VALUE]... [-o OUT.ipynb]`` and
    ``python -m precision run --list``: execute one chapter with your parameters. Anything
    :func:`run_chapter` refuses (a name the chapter's ``parameters`` cell does not have, a
    value its config does not allow, a run that cannot fit in memory, an unreachable
    scheduler, an output path that cannot be written) and every usage error exits with
    status 2 and one line on stderr, before a kernel starts."""
    parser = _OneLineParser(prog=prog, description="Execute one chapter of the book with your parameters, "
                            "checked (names, values, memory, output, scheduler) before a kernel starts.")
    _add_run_arguments(parser)
    args = parser.parse_args(argv)
    return _run_command(parser, _root(parser, args.root), args)


def _root(parser: argparse.ArgumentParser, given: str | None) -> Path:
    root = Path(given).resolve() if given else _default_root()
    if not (root / "_toc.yml").exists():
        _refuse(parser, f"no _toc.yml in {root}; run from the repository root or pass --root")
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m precision.book", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("plan", add_help=False, help="runs, core-hours and memory per chapter, before any compute "
                   "(python -m precision.book plan --help)")
    b = sub.add_parser("build", help="execute the notebooks at a profile and render the book")
    b.add_argument("--profile", default="book", help="smoke, book or paper (default book)")
    b.add_argument("--no-render", action="store_true", help="execute and stage only")
    b.add_argument("--scheduler", default=None,
                   help="a Dask scheduler address (tcp://host:8786) for every sweep (default: "
                        "$PRECISION_DASK_SCHEDULER, else local processes)")
    b.add_argument("--exact", action="store_true",
                   help="pinned numeric mode: torch's portable kernels and MKL's reproducible branch "
                        "(about 10%% slower; what the regression tests use)")
    b.add_argument("--device", default=os.environ.get("PRECISION_DEVICE") or "cpu",
                   help="where the sweeps train: cpu, cuda, cuda:N or auto (default: $PRECISION_DEVICE, else cpu)")
    g = sub.add_parser("goldens", help="regenerate tests/notebooks/*.ipynb at the smoke profile")
    g.add_argument("names", nargs="*", help="only these notebooks (e.g. introduction); default all")
    r = sub.add_parser("run", help="execute one chapter with your parameters (checked against its parameters cell)")
    _add_run_arguments(r)
    parser.add_argument("--root", dest="book_root", default=None,
                        help="the book's root folder (holds _toc.yml; default: the working directory)")
    args = parser.parse_args(argv)
    if args.command == "run":
        return _run_command(parser, _root(parser, args.root or args.book_root), args)
    root = _root(parser, args.book_root or ".")
    if args.command == "build":
        try:
            check_profile(args.profile)
            sweep = sweep_parameters(args.scheduler, args.device)
        except ValueError as err:
            parser.error(str(err))
        if args.profile == "paper":  # what it will cost, before any compute
            from .plan_report import main as plan_main

            plan_main(["--profile", "paper", "--device", "cpu" if sweep.get("device", "cpu") == "cpu" else "cuda",
                       "--root", str(root)])
        start = time.perf_counter()
        index = build(root, args.profile, render=not args.no_render, sweep=sweep, exact=args.exact)
        print(f"\nBook ({args.profile} profile) built in {time.perf_counter() - start:.0f} s:\n  {index}")
    else:
        write_goldens(root, root / "tests" / "notebooks", args.names)
    return 0


def _run_command(parser: argparse.ArgumentParser, root: Path, args: argparse.Namespace) -> int:
    if args.list:
        records = {c.name: c for c in chapters()}
        for docname in section_notebooks(root):
            knobs = notebook_parameters(root, docname)
            name = Path(docname).name
            print(f"{name}: " + ", ".join(f"{k}={v['default']}" for k, v in knobs.items()))
            fixed = records[name].fixed if name in records else ()
            if fixed:
                print(f"  fixed by the profile (its chapter's module in precision/chapters/): {', '.join(fixed)}")
        return 0
    if not args.chapter:
        _refuse(parser, f"run needs a CHAPTER (see: {parser.prog.removesuffix(' run')} run --list)")
    parameters = {name: _literal(value) for name, value in args.parameter}
    try:
        if "profile" in parameters:
            check_profile(parameters["profile"])
        out = run_chapter(root, args.chapter, parameters, args.output)
    except (ValueError, MemoryError) as err:
        _refuse(parser, err)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
