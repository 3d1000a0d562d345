"""An import-linter contract type the built-in ones cannot express: a layer that may reach into
each app of another layer only through named modules of that app (its ports).

    [[tool.importlinter.contracts]]
    type = "ports"
    importers = ["network"]        # packages whose imports are checked (descendants included)
    apps = ["tenants.*"]           # each matched package is one app
    ports = ["stats", "install"]   # the only modules of an app the importers may name

`network` → `tenants.people.stats` is kept; `network` → `tenants.people.models` is broken, and so
is `network` → `tenants.people` itself (an app's package has no port of its own). Imports made by
the ports themselves (a port importing its app's models) are the app's business, so only direct
imports are checked. Function-local imports count: grimp reads every import statement.

Configured in pyproject.toml, run by `make lint` (lint-imports) and so by `make test`."""

from __future__ import annotations

from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain.helpers import module_expressions_to_modules


class PortsContract(Contract):
    type_name = "ports"

    importers = fields.ListField(subfield=fields.ModuleExpressionField())
    apps = fields.ListField(subfield=fields.ModuleExpressionField())
    ports = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        importers = {m.name for m in module_expressions_to_modules(graph, self.importers, as_packages=True)}
        apps = sorted(m.name for m in module_expressions_to_modules(graph, self.apps))
        ports = set(self.ports)
        broken = []
        for app in apps:
            prefix = app + "."
            for imported in sorted({app} | graph.find_descendants(app)):
                rest = imported[len(prefix):] if imported.startswith(prefix) else ""
                if rest.split(".")[0] in ports:
                    continue
                for importer in sorted(graph.find_modules_that_directly_import(imported) & importers):
                    lines = tuple(d["line_number"] for d in graph.get_import_details(importer=importer,
                                                                                     imported=imported))
                    broken.append({"importer": importer, "imported": imported, "lines": lines, "app": app})
        return ContractCheck(kept=not broken, metadata={"broken": broken, "ports": sorted(ports)})

    def render_broken_contract(self, check: ContractCheck) -> None:
        ports = ", ".join(check.metadata["ports"])
        for link in check.metadata["broken"]:
            output.print_error(
                f"- {link['importer']} -> {link['imported']} (l.{', '.join(map(str, link['lines']))}): "
                f"{link['app']} is reached only through its ports ({ports})", bold=False)
        output.new_line()
