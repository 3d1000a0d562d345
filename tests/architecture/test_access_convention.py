"""One access convention (docs/architecture.md, "Access"): every object named in a request is
fetched through its app's `<entity>_get_for(*, actor, pk)` selector, which answers 404 for what
the actor may not see. The URLconfs are walked and every view module parsed: none may fetch by
hand (`get_object_or_404`, `get_list_or_404`, `<Model>.objects.get(…)`); and every `*_get_for`
of the selectors (and the library's access module) takes keyword-only arguments, `actor` among
them, all typed."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
from collections.abc import Callable
from pathlib import Path

from .urlconf import PUBLIC, TENANT, routes

ROOT = Path(__file__).resolve().parents[2]
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}
MANAGERS = {"objects", "_default_manager"}
# Where the selectors live: each app's selectors.py, and the library's access.py (its visibility rules).
SELECTOR_GLOBS = ("tenants/*/selectors.py", "network/*/selectors.py", "network/*/access.py", "api/*/selectors.py",
                  "platform/essaim/*/selectors.py")


def _through_manager(node: ast.expr) -> bool:
    """`node` is reached from a model's manager: `X.objects`, `X.objects.select_related(…)`…"""
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Call):
            node = node.func
            continue
        if node.attr in MANAGERS:
            return True
        node = node.value
    return False


def fetches_by_hand(source: str, filename: str = "<string>") -> list[tuple[int, str]]:
    """(line, what) for each shortcut imported or called, and each `.get(` on a manager chain."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.ImportFrom):
            found += [(node.lineno, f"import {alias.name}") for alias in node.names if alias.name in SHORTCUTS]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in SHORTCUTS or (name == "get" and isinstance(func, ast.Attribute) and _through_manager(func.value)):
                found.append((node.lineno, ast.unparse(func)))
    return sorted(found)


def signature_faults(func: Callable) -> list[str]:
    """What keeps `func` from the convention's form: keyword-only, `actor` among them, typed."""
    signature = inspect.signature(func)
    faults = [f"{name} is not keyword-only" for name, p in signature.parameters.items()
              if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    if "actor" not in signature.parameters:
        faults.append("no `actor` parameter")
    faults += [f"{name} has no type" for name, p in signature.parameters.items()
               if p.annotation is inspect.Parameter.empty]
    if signature.return_annotation is inspect.Signature.empty:
        faults.append("no return type")
    return faults


def _view_files() -> dict[str, Path]:
    """module → file of every view of both URLconfs that is the project's (not Django's, DRF's…)."""
    files = {}
    for module in {route.module for urlconf in (TENANT, PUBLIC) for route in routes(urlconf)}:
        spec = importlib.util.find_spec(module) if module else None
        origin = Path(spec.origin).resolve() if spec and spec.origin else None
        if origin is not None and origin.is_relative_to(ROOT) and ".venv" not in origin.parts:
            files[module] = origin
    return files


def _selector_modules() -> list[str]:
    modules = []
    for pattern in SELECTOR_GLOBS:
        for path in sorted(ROOT.glob(pattern)):
            relative = path.relative_to(ROOT / "platform" if pattern.startswith("platform/") else ROOT)
            modules.append(".".join(relative.with_suffix("").parts))
    return modules


# -- the checkers catch what they must -----------------------------------------------------------

def test_the_checker_reports_every_fetch_by_hand():
    source = '''
from django.shortcuts import get_object_or_404, redirect
from django import shortcuts

def view(request, pk):
    a = get_object_or_404(Workshop, pk=pk)
    b = shortcuts.get_list_or_404(Workshop, site=1)
    c = Workshop.objects.get(pk=pk)
    d = Workshop.objects.select_related("site").get(pk=pk)
    e = section.model._default_manager.get(pk=pk)
    f = request.GET.get("q", "")
    g = Workshop.objects.filter(pk=pk).first()
    h = workshop.registrations.get(pk=1)
    return redirect("x")
'''
    assert fetches_by_hand(source) == [
        (2, "import get_object_or_404"), (6, "get_object_or_404"), (7, "shortcuts.get_list_or_404"),
        (8, "Workshop.objects.get"), (9, "Workshop.objects.select_related('site').get"),
        (10, "section.model._default_manager.get"),
    ]


def test_the_checker_reports_a_selector_off_the_convention():
    def workshop_get_for(*, actor: object, pk: int) -> object: ...
    def person_get(membership, pk: int) -> object: ...
    def quote_get_for(*, membership: object, pk): ...

    assert signature_faults(workshop_get_for) == []
    assert signature_faults(person_get) == ["membership is not keyword-only", "pk is not keyword-only",
                                            "no `actor` parameter", "membership has no type"]
    assert signature_faults(quote_get_for) == ["no `actor` parameter", "pk has no type", "no return type"]


# -- the project keeps the convention ------------------------------------------------------------

def test_no_view_module_fetches_by_hand():
    files = _view_files()
    # The walk reaches the views of both sites (an empty walk would pass anything).
    assert {"tenants.support.views", "tenants.activity.views", "tenants.catalogue.views", "api.keys.views_ui",
            "network.resources.views", "network.onboarding.views", "essaim.payrates.views",
            "api.network.stats"} <= set(files)
    faults = [f"{path.relative_to(ROOT)}:{line}: {what}(…) — fetch through the app's `<entity>_get_for`"
              for path in sorted(files.values()) for line, what in fetches_by_hand(path.read_text(), str(path))]
    assert not faults, "\n".join(faults)


def test_every_get_for_selector_has_the_convention_s_form():
    found, faults = [], []
    for name in _selector_modules():
        module = importlib.import_module(name)
        for attr, func in vars(module).items():
            if attr.endswith("_get_for") and inspect.isfunction(func) and func.__module__ == name:
                found.append(attr)
                faults += [f"{name}.{attr}: {fault}" for fault in signature_faults(func)]
    assert not faults, "\n".join(faults)
    assert {"person_get_for", "invoice_get_for", "quote_get_for", "expense_claim_get_for", "payroll_run_get_for",
            "payroll_line_get_for", "catalogue_item_get_for", "info_session_get_for", "workshop_get_for",
            "api_key_get_for", "release_get_for", "release_table_get_for", "resource_get_for", "group_get_for",
            "group_meeting_get_for", "cooperative_get_for", "project_get_for", "partner_get_for", "task_get_for",
            "rate_table_get_for"} <= set(found)

