"""Network statistics: disclosure control of the consolidated tables (docs/stats.md)."""

from network.stats.disclosure import (
    ProtectedTable,
    Protection,
    PublishedCell,
    Status,
    audit_tables,
    protect_tables,
)
from network.stats.rules import DEFAULT_SETTINGS, DisclosureSettings, Labels, Rule, primary_rules
from network.stats.tables import MARGIN, Contribution, Dimension, Kind, Table, build_table

__all__ = [
    "DEFAULT_SETTINGS", "MARGIN", "Contribution", "Dimension", "DisclosureSettings", "Kind", "Labels",
    "ProtectedTable", "Protection", "PublishedCell", "Rule", "Status", "Table", "audit_tables",
    "build_table", "primary_rules", "protect_tables",
]
