"""Small template helpers for the web UI."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict

register = template.Library()


@register.filter
def neg(value: Any) -> Any:
    """-value: 'overallocated by {{ s.remaining|neg }}'."""
    try:
        return -int(value)
    except (TypeError, ValueError):
        return value


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """mapping[key] or None: '{{ taken_if_on|get_item:teacher.pk }}'."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag(takes_context=True)
def query(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some keys replaced: {% query page=2 %}."""
    params: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def _audit_text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{_audit_label(k)} {_audit_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_audit_text(v) for v in value)
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def _audit_label(key: Any) -> str:
    return str(key).replace("_id", "").replace("_", " ").strip()


@register.filter
def audit_details(values: Any) -> list[tuple[str, str]]:
    """An audit row's values as (label, text) pairs a person reads (issue 17.6): "co teachers",
    not `co_teachers`; empty values (`unresolved: []`) left out."""
    if not isinstance(values, dict):
        return []
    return [
        (_audit_label(k), _audit_text(v))
        for k, v in values.items()
        if v not in (None, "", [], {}, ())
    ]


@register.simple_tag
def maxlength(model: str = "", field_name: str = "") -> int:
    """`maxlength="{% maxlength 'roster.Student' 'last_name' %}"`: the column's limit, the one rule
    the services check too (issue 17.1); no arguments: the search-box limit."""
    from django.apps import apps

    from seatkeeper.errors import SEARCH_MAX, max_length_of

    if not model:
        return SEARCH_MAX
    return max_length_of(apps.get_model(model), field_name) or SEARCH_MAX
