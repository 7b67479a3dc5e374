"""The layers: the library imports neither the page, nor the benchmarks, nor their tools."""

import ast
import pathlib

from helpers import REPO_ROOT

LIBRARY = REPO_ROOT / "digitpad"
FORBIDDEN = ("streamlit", "streamlit_drawable_canvas", "playwright", "ui", "benchmarks")
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 30


def imported_modules(path: pathlib.Path) -> set[str]:
    """The top-level names of every module `path` imports, at any depth in the file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_library_imports_no_page_no_benchmark_and_no_browser():
    offenders = {
        path.name: sorted(imported_modules(path) & set(FORBIDDEN))
        for path in sorted(LIBRARY.glob("*.py"))
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_check_sees_an_import_of_streamlit(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("def page():\n    import streamlit as st\n    from ui import state\n")
    assert {"streamlit", "ui"} <= imported_modules(module)


def test_the_page_and_the_benchmarks_sit_outside_the_library():
    assert (REPO_ROOT / "ui" / "state.py").is_file()
    assert (REPO_ROOT / "benchmarks" / "__main__.py").is_file()
    assert not list(LIBRARY.glob("*bench*.py"))


# Left long while another branch rewrites them; to be cut below 30 lines after its merge.
LONG_FUNCTIONS_TO_SPLIT: set[str] = set()  # none left


def source_files() -> list[pathlib.Path]:
    """The project's Python files (not the virtual environment)."""
    folders = ("digitpad", "ui", "benchmarks", "tests")
    return [REPO_ROOT / "streamlit_app.py"] + [
        path for folder in folders for path in sorted((REPO_ROOT / folder).rglob("*.py"))
    ]


def test_no_source_file_is_over_400_lines():
    lengths = {path: path.read_text(encoding="utf-8").count("\n") for path in source_files()}
    assert {path.name: n for path, n in lengths.items() if n > MAX_FILE_LINES} == {}


def test_no_function_is_over_30_lines():
    long = set()
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            functions = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            if functions and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                long.add(f"{path.relative_to(REPO_ROOT)}::{node.name}")
    assert long - LONG_FUNCTIONS_TO_SPLIT == set()
