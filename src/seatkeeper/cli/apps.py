from django.apps import AppConfig


class CliConfig(AppConfig):
    """The command line: every `seatkeeper <command>` (management commands) lives here, above
    the domain apps, so no domain app imports the CLI's helpers (docs/architecture.md)."""

    name = "seatkeeper.cli"
    label = "cli"
