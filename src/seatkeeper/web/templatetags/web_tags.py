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
