"""The check modules with every hidden check cut out: what a bundle for students carries.

A hidden check is a top-level function decorated `@<part>.check(..., visible=...)` whose `visible` is anything but
the literal True (fail closed: in doubt, a check stays out). Then what only hidden checks used goes too: top-level
functions, classes and constants that no statement left in the package names, and imported names left unused,
until nothing more can go. Statements are cut by their line ranges (with the comment lines just above them), so
what remains keeps its comments and layout.
"""
from __future__ import annotations

import ast
import re
from collections import Counter

KEEP = {"part", "__all__"}          # a check module's Part is found by attribute, never removed


def is_hidden_check(node: ast.stmt) -> bool:
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) \
                and decorator.func.attr == "check":
            visible = next((k.value for k in decorator.keywords if k.arg == "visible"), None)
            return not (isinstance(visible, ast.Constant) and visible.value is True)
    return False


def _defines(node: ast.stmt) -> list[str]:
    """The names a removable statement binds (decorated statements and code with effects are never removable)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.decorator_list:
        return [node.name]
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if all(isinstance(t, ast.Name) for t in targets):
            return [t.id for t in targets]
    return []


def _bound(alias: ast.alias) -> str:
    return (alias.asname or alias.name).partition(".")[0]


def _references(node: ast.AST) -> Counter:
    """Names a statement uses: loaded names, attribute names, and the names it imports from other modules."""
    used: Counter = Counter()
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
            used[child.id] += 1
        elif isinstance(child, ast.Attribute):
            used[child.attr] += 1
        elif isinstance(child, ast.ImportFrom):
            used.update(alias.name for alias in child.names)
    return used


def visible_only(sources: dict[str, str], *, context: list[str] = ()) -> dict[str, str]:
    """{file name: source} of the checks package -> the same files with hidden checks and their leftovers cut.

    context: the sources of the rest of the program; a name they use is kept (batch.py calls all_checks).
    """
    trees = {name: ast.parse(text) for name, text in sources.items()}
    outside = sum((_references(ast.parse(text)) for text in context), Counter())
    kept = {name: [n for n in tree.body if not is_hidden_check(n)] for name, tree in trees.items()}
    imports: dict[int, list[ast.alias]] = {}           # id(import statement) -> the names it still imports
    while _prune(kept, imports, outside):
        pass
    return {name: _cut(sources[name], trees[name], kept[name], imports) for name in sources}


def _is_import(node: ast.stmt) -> bool:
    return isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and node.module != "__future__")


def _prune(kept: dict[str, list[ast.stmt]], imports: dict[int, list[ast.alias]], outside: Counter) -> bool:
    """One pass: drop the definitions nothing else names, and the imported names their module no longer uses."""
    references = {id(n): _references(n) for nodes in kept.values() for n in nodes}
    everywhere = sum(references.values(), Counter()) + outside
    changed = False
    for nodes in kept.values():
        module = sum((references[id(n)] for n in nodes), Counter())    # an import binds a name in its module only
        for node in list(nodes):
            own = references[id(node)]
            names = _defines(node)
            if names and not any(n in KEEP or n.startswith("__") or (everywhere - own)[n] for n in names):
                nodes.remove(node)
                changed = True
            elif _is_import(node):
                before = imports.get(id(node), node.names)
                after = [a for a in before if (module - own)[_bound(a)] or _bound(a) in KEEP]
                if len(after) < len(before):
                    imports[id(node)], changed = after, True
                    if not after:
                        nodes.remove(node)
    return changed


def _cut(text: str, tree: ast.Module, kept: list[ast.stmt], imports: dict[int, list[ast.alias]]) -> str:
    """text without the statements not kept, and with the import statements that lost names rewritten."""
    lines = text.splitlines()
    out: list[str | None] = list(lines)
    keep_ids = {id(n) for n in kept}
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        last = node.end_lineno
        if id(node) not in keep_ids:
            while first > 0 and lines[first - 1].lstrip().startswith("#"):
                first -= 1                              # the comment that introduces what is cut goes with it
            out[first:last] = [None] * (last - first)
        elif id(node) in imports:
            node.names = imports[id(node)]
            out[first:last] = [ast.unparse(node)] + [None] * (last - first - 1)
    result = "\n".join(line for line in out if line is not None)
    result = re.sub(r"\n{4,}", "\n\n\n", result).rstrip("\n") + "\n"
    ast.parse(result)                                   # what is left must still be Python
    return result
