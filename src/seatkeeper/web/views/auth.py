"""Sign in (throttled), sign out, password change: Django's auth views with our templates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse_lazy

from seatkeeper.web import throttle
from seatkeeper.web.policies import public, signed_in


class SignInView(auth_views.LoginView):
    template_name = "web/signin.html"
    redirect_authenticated_user = True

    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        if throttle.is_locked(request, username):
            form = self.get_form()
            form.errors.clear()
            response = self.render_to_response(
                self.get_context_data(
                    form=form,
                    locked=True,
                    minutes=throttle.WINDOW // 60,
                )
            )
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        throttle.record_failure(self.request, self.request.POST.get("username", ""))
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        throttle.reset(self.request, form.get_user().get_username())
        return super().form_valid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Your password was changed.")
        return response


sign_in = public(SignInView.as_view())
sign_out = public(auth_views.LogoutView.as_view())
password_change = signed_in(PasswordChangeView.as_view())
