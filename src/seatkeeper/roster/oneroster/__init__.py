"""OneRoster 1.1/1.2 CSV import (bulk and delta) and export; see `importer.py`."""
