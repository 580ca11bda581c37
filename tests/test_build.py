"""`convkit build`: the exercises it writes from solutions/conv_layer.py (autograder/build/)."""
from __future__ import annotations

import ast
import importlib.util
import inspect

import nbformat
import pytest
import torch

from autograder import paths
from autograder.build import build, render
from autograder.build.source import BEGIN, END, HINT, SourceError, find_regions, split_cells
from autograder.build.stubs import stub_source

API = [
    "corr2d",
    "Conv2D",
    "edge_image",
    "edge_kernel",
    "learn_kernel",
    "convolve2d",
    "receptive_field",
    "receptive_field_region",
    # the chapter's end-of-section exercises (the optional `extension` part)
    "diagonal_image",
    "diagonal_edge_responses",
    "corr2d_matmul",
    "second_derivative_kernel",
    "laplacian_kernel",
    "blur_kernel",
    "directional_edge_kernel",
    "min_kernel_size_for_derivative",
    "conv2d_gradient_facts",
]
CHAPTER_HEADINGS = [
    "## 二维互相关运算",
    "## 二维卷积层",
    "## 图像中物体边缘检测",
    "## 通过数据学习核数组",
    "## 互相关运算和卷积运算",
    "## 特征图和感受野",
]
STUB_CALLS = {  # name -> a call with valid arguments; every stub must raise before doing anything
    "corr2d": lambda f: f(torch.ones(3, 3), torch.ones(2, 2)),
    "Conv2D": lambda f: f((1, 2)),
    "edge_image": lambda f: f(),
    "edge_kernel": lambda f: f(),
    "learn_kernel": lambda f: f(torch.ones(6, 8), torch.zeros(6, 7)),
    "convolve2d": lambda f: f(torch.ones(3, 3), torch.ones(2, 2)),
    "receptive_field": lambda f: f([(2, 2)]),
    "receptive_field_region": lambda f: f([(2, 2)], 0, 0),
    "diagonal_image": lambda f: f(4),
    "diagonal_edge_responses": lambda f: f(4),
    "corr2d_matmul": lambda f: f(torch.ones(3, 3), torch.ones(2, 2)),
    "second_derivative_kernel": lambda f: f(),
    "laplacian_kernel": lambda f: f(),
    "blur_kernel": lambda f: f(3),
    "directional_edge_kernel": lambda f: f((0.0, 1.0)),
    "min_kernel_size_for_derivative": lambda f: f(2),
    "conv2d_gradient_facts": lambda f: f(),
}


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return render()


@pytest.fixture(scope="module")
def stub():
    return _load(paths.EXERCISES / "conv_layer.py", "conv_layer_stub")


@pytest.fixture(scope="module")
def ref():
    return _load(paths.REFERENCE_MODULE, "conv_layer_reference")


@pytest.fixture(scope="module")
def notebook(rendered):
    return nbformat.reads(rendered["conv_layer.ipynb"], as_version=4)


def _parameters(obj) -> list[tuple[str, object, object]]:
    """(name, kind, default) per parameter; annotations are compared in source form by _outline instead, since
    the two modules' Conv2D classes are different objects."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(obj).parameters.values()]


def _outline(source: str) -> dict[str, tuple[str, str | None]]:
    """Each def and class (methods as Class.method) -> (its signature as ast.unparse writes it, its docstring)."""
    outline = {}

    def visit(body, prefix=""):
        for node in body:
            if isinstance(node, ast.FunctionDef):
                returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
                outline[prefix + node.name] = (f"({ast.unparse(node.args)}){returns}", ast.get_docstring(node))
            elif isinstance(node, ast.ClassDef):
                bases = ", ".join(ast.unparse(base) for base in node.bases)
                outline[prefix + node.name] = (f"({bases})", ast.get_docstring(node))
                visit(node.body, prefix + node.name + ".")

    visit(ast.parse(source).body)
    return outline


# Freshness and determinism


def test_committed_exercises_are_fresh(rendered):
    """Are the committed exercises/ files byte for byte what `convkit build` renders from solutions/ now?"""
    for name, text in rendered.items():
        path = paths.EXERCISES / name
        assert path.exists(), f"exercises/{name} is missing: run `convkit build`"
        assert path.read_bytes() == text.encode("utf-8"), f"exercises/{name} is stale: run `convkit build`"


def test_render_is_deterministic(rendered):
    """Does rendering twice give identical text (no random cell ids, no timestamps)?"""
    assert render() == rendered


def test_build_writes_what_render_returns(tmp_path, rendered):
    """Does build() write exactly render()'s files into out_dir?"""
    written = build(out_dir=tmp_path / "exercises")
    assert sorted(p.name for p in written) == sorted(rendered)
    for path in written:
        assert path.read_bytes() == rendered[path.name].encode("utf-8")


# The stub module


def test_stub_has_header_and_no_solution(rendered):
    """Does the stub say it is generated, and contain no region markers and no reference code?"""
    text = rendered["conv_layer.py"]
    assert text.startswith("# Generated by `convkit build` from solutions/conv_layer.py")
    assert BEGIN not in text and END not in text and "    " + HINT not in text


def test_stub_bodies_are_a_single_raise(rendered):
    """After its docstring, is every stub function just `raise NotImplementedError(...)` (Conv2D keeps super)?"""
    functions = [node for node in ast.walk(ast.parse(rendered["conv_layer.py"])) if isinstance(node, ast.FunctionDef)]
    assert len(functions) == len(API) + 1  # Conv2D has __init__ and forward
    for function in functions:
        body = [ast.unparse(statement) for statement in function.body[1:]]  # body[0] is the docstring
        if function.name == "__init__":
            assert body[0] == "super().__init__()"
            body = body[1:]
        assert len(body) == 1 and body[0].startswith("raise NotImplementedError("), function.name


def test_stub_keeps_everything_outside_regions(rendered):
    """Apart from the header and the regions, is the stub line for line the solution file?"""
    solution = paths.REFERENCE_MODULE.read_text(encoding="utf-8").splitlines()
    kept = [line for n, line in enumerate(solution) if not any(r.first <= n <= r.last for r in find_regions(solution))]
    stub_lines = rendered["conv_layer.py"].splitlines()
    assert [line for line in stub_lines[2:] if not line.strip().startswith("raise NotImplementedError(")] == kept
    assert sum(line.strip().startswith("raise NotImplementedError(") for line in stub_lines) == len(API) + 1


def test_stub_exposes_the_reference_api(stub, ref):
    """Does the stub define the same public names, with the same signatures and docstrings, as the reference?"""
    public = lambda m: sorted(n for n in vars(m) if not n.startswith("_") and n not in {"torch", "nn"})  # noqa: E731
    assert public(stub) == public(ref) == sorted(API)
    for name in API:
        assert _parameters(getattr(stub, name)) == _parameters(getattr(ref, name)), name
        assert inspect.getdoc(getattr(stub, name)), name
        assert inspect.getdoc(getattr(stub, name)) == inspect.getdoc(getattr(ref, name)), name
    assert _outline(paths.REFERENCE_MODULE.read_text(encoding="utf-8")) == (
        _outline((paths.EXERCISES / "conv_layer.py").read_text(encoding="utf-8"))
    )


@pytest.mark.parametrize("name", API)
def test_every_stub_raises_with_a_hint(stub, name):
    """Does calling each stub raise NotImplementedError whose message is a non-empty hint?"""
    with pytest.raises(NotImplementedError) as raised:
        STUB_CALLS[name](getattr(stub, name))
    assert str(raised.value).strip()


def test_conv2d_forward_stub_raises(stub, ref):
    """Does Conv2D.forward raise too, on its own (a layer built from the reference's __init__)?"""
    layer = ref.Conv2D((1, 2))
    with pytest.raises(NotImplementedError, match=r"\S"):
        stub.Conv2D.forward(layer, torch.ones(3, 3))


# The notebook


def test_notebook_validates(rendered, notebook):
    """Is the notebook valid nbformat v4 with a python3 kernel and index-based cell ids?"""
    nbformat.validate(notebook)
    assert notebook.nbformat == 4
    assert notebook.metadata.kernelspec.name == "python3"
    assert [cell.id for cell in notebook.cells] == [f"cell-{n:02d}" for n in range(len(notebook.cells))]


def test_notebook_follows_the_chapter(notebook):
    """Do the markdown cells carry the chapter's sections in the chapter's order, each with English alongside?"""
    headings = [
        line.split(" (")[0]
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]
    assert headings[: len(CHAPTER_HEADINGS)] == CHAPTER_HEADINGS
    assert "convkit check exercises/conv_layer.ipynb" in notebook.cells[-1].source


def test_notebook_has_one_code_cell_per_stub(notebook):
    """Is there an imports cell, then exactly one code cell per API name, in the API order, with no markers?"""
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert code[0] == "import torch\nfrom torch import nn"
    defined = [[n.name for n in ast.parse(source).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))] for source in code[1:]]
    assert defined == [[name] for name in API]
    for cell in notebook.cells:
        assert BEGIN not in cell.source and END not in cell.source
    assert all("raise NotImplementedError(" in source for source in code[1:])


def test_notebook_code_defines_the_api(notebook):
    """Executed in order in a fresh namespace, do the code cells define the API (as stubs that raise)?"""
    namespace: dict = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, f"<{cell.id}>", "exec"), namespace)
    for name in API:
        assert callable(namespace[name]), name
    with pytest.raises(NotImplementedError):
        namespace["corr2d"](torch.ones(2, 2), torch.ones(1, 1))


# The source format


def test_regions_need_a_hint():
    """Is a region without a '# Hint:' first line refused?"""
    with pytest.raises(SourceError, match="Hint"):
        stub_source(f"# %%\ndef f():\n    {BEGIN}\n    return 1\n    {END}\n")


def test_unclosed_region_is_refused():
    """Is a BEGIN without END refused?"""
    with pytest.raises(SourceError, match="never closed"):
        stub_source(f"# %%\ndef f():\n    {BEGIN}\n    {HINT} x\n    return 1\n")


def test_hint_quotes_are_escaped():
    """Does a hint with quotes and backslashes become a valid literal holding exactly that text?"""
    hint = 'use "X" and \'K\' \\ 不要 zeros'
    text = stub_source(f"# %%\ndef f():\n    {BEGIN}\n    {HINT} {hint}\n    return 1\n    {END}\n")
    namespace: dict = {}
    exec(text, namespace)
    with pytest.raises(NotImplementedError) as raised:
        namespace["f"]()
    assert str(raised.value) == hint


def test_markdown_cells_lose_their_comment_prefix():
    """Does a markdown cell become its text without '# ' prefixes, with '#' lines as blank lines?"""
    preamble, cells = split_cells('"""doc"""\n\n# %% [markdown]\n# # Title\n#\n# text\n\n# %%\nx = 1\n')
    assert preamble == '"""doc"""\n'
    assert [(c.kind, c.text) for c in cells] == [("markdown", "# Title\n\ntext"), ("code", "x = 1")]
