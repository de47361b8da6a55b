"""Deterministic data: the `maple-valley` demo district and a bulk roster builder (also used by
the benchmark generators in bench/)."""
