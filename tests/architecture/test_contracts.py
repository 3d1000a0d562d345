"""The build's layer contracts: the custom `ports` contract type catches what it must (a graph
made by hand), and the project's own contracts are kept (what `make lint` runs)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import grimp

from .contracts import PortsContract

ROOT = Path(__file__).resolve().parents[2]


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for name in ("network", "network.lib", "tenants", "tenants.people", "tenants.people.models",
                 "tenants.people.stats", "tenants.people.install", "tenants.people.install.sites"):
        graph.add_module(name)
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported, line_number=7, line_contents=f"import {imported}")
    return graph


def _check(graph):
    contract = PortsContract(name="ports", session_options={"root_packages": ["network", "tenants"]},
                             contract_options={"importers": ["network"], "apps": ["tenants.*"],
                                               "ports": ["stats", "install"]})
    return contract.check(graph, verbose=False)


def test_ports_are_allowed():
    check = _check(_graph(("network.lib", "tenants.people.stats"), ("network.lib", "tenants.people.install.sites"),
                          ("tenants.people.stats", "tenants.people.models")))
    assert check.kept


def test_anything_else_of_an_app_is_refused():
    check = _check(_graph(("network.lib", "tenants.people.models"), ("network", "tenants.people")))
    assert not check.kept
    assert {(b["importer"], b["imported"]) for b in check.metadata["broken"]} == {
        ("network.lib", "tenants.people.models"), ("network", "tenants.people")}


def test_the_project_keeps_its_contracts():
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'platform'}")
    done = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
