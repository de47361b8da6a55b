"""Sign in (throttled), sign out, password change: Django's auth views with our templates.

Every authentication event is audited (issue 19): `auth.signed_in`, `auth.sign_in_failed`,
`auth.sign_in_throttled` (once, when an account or address reaches its limit; the refused
attempts after it are not written one by one, so a flood cannot fill the log),
`auth.signed_out` and `auth.password_changed`. An entry belongs to the district of the account
named, so its district admins see it in their audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy

from seatkeeper.audit import actions
from seatkeeper.audit.services import audit_record
from seatkeeper.orgs.models import Membership
from seatkeeper.web import throttle
from seatkeeper.web.policies import public, signed_in


@dataclass(frozen=True)
class _Who:
    """The audit actor of an authentication event (audit.services.Actor)."""

    user: Any
    label: str
    role: str
    district_id: int | None
    launched_by: Any = None
    via: str = "web"


def _audit(request: HttpRequest, action: str, *, user: Any, username: str, **data: Any) -> None:
    membership = (
        Membership.objects.filter(user_id=user.pk).values("role", "district_id").first()
        if user is not None
        else None
    ) or {"role": "", "district_id": None}
    actor = user if action != actions.AUTH_SIGN_IN_FAILED else None
    audit_record(
        scope=_Who(
            user=actor,
            label=user.get_username() if actor is not None else "anonymous",
            role=membership["role"],
            district_id=membership["district_id"],
        ),
        action=action,
        target_type="user",
        target_id=user.pk if user is not None else None,
        label=username[:150],
        data={"address": request.META.get("REMOTE_ADDR", ""), **data},
    )


def _named_user(username: str) -> Any:
    User = get_user_model()
    return User.objects.filter(**{User.USERNAME_FIELD: username.strip()}).first()


class SignInView(auth_views.LoginView):
    template_name = "web/signin.html"
    redirect_authenticated_user = True

    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        self.attempt = throttle.attempt(request, username)
        wait = self.attempt.retry_after
        if wait is not None:
            form = self.get_form()
            form.errors.clear()
            response = self.render_to_response(
                self.get_context_data(form=form, locked=True, minutes=max(1, round(wait / 60)))
            )
            response.status_code = 429
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        username = self.request.POST.get("username", "")
        user = _named_user(username)
        reached = self.attempt.failed()
        _audit(
            self.request,
            actions.AUTH_SIGN_IN_FAILED,
            user=user,
            username=username,
            reason="unknown username" if user is None else "wrong password or inactive account",
        )
        if reached:
            _audit(
                self.request,
                actions.AUTH_SIGN_IN_THROTTLED,
                user=user,
                username=username,
                minutes=throttle.WINDOW // 60,
                trusted_browser=self.attempt.trusted,
            )
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        self.attempt.succeeded()
        response = super().form_valid(form)
        throttle.remember_device(self.request, response, user.get_username())
        _audit(
            self.request,
            actions.AUTH_SIGNED_IN,
            user=user,
            username=user.get_username(),
            trusted_browser=self.attempt.trusted,
        )
        return response


class SignOutView(auth_views.LogoutView):
    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user if request.user.is_authenticated else None
        response = super().post(request, *args, **kwargs)
        if user is not None:
            _audit(request, actions.AUTH_SIGNED_OUT, user=user, username=user.get_username())
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        _audit(self.request, actions.AUTH_PASSWORD_CHANGED, user=user, username=user.get_username())
        messages.success(self.request, "Your password was changed.")
        return response


sign_in = public(SignInView.as_view())
sign_out = public(SignOutView.as_view())
password_change = signed_in(PasswordChangeView.as_view())
