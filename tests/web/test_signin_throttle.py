"""Sign-in throttling (issue 18 item 6, issue 19 item 10) and the audit of authentication events
(issue 19 item 12). The rule is the README's "Sign-in throttling": 5 failures per username, 20
per address, in 15 minutes, counted in the shared cache; the real user's own browser keeps
signing in."""

from __future__ import annotations

import subprocess
import sys

from django.core.cache import cache
from django.test import Client

from seatkeeper.audit import actions
from seatkeeper.audit.models import AuditEntry
from seatkeeper.web import throttle
from tests.factories import PASSWORD
from tests.jobs.server import env_for

ATTACKER = "10.66.0.1"
SCHOOL = "10.7.0.1"


def sign_in(c: Client, username: str, password: str, address: str):  # type: ignore[no-untyped-def]
    return c.post("/signin/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_20_wrong_passwords_for_one_account_are_refused_and_its_user_still_signs_in(
    world_a,
) -> None:  # type: ignore[no-untyped-def]
    real = Client()  # the real user's browser: it has signed in before
    assert sign_in(real, "a-da", PASSWORD, SCHOOL).status_code == 302
    real.post("/signout/")
    attacker = Client()
    codes = [sign_in(attacker, "a-da", f"guess-{i}", ATTACKER).status_code for i in range(20)]
    assert codes == [200] * 5 + [429] * 15  # refused from the 6th try, the password unchecked
    locked = sign_in(attacker, "a-da", PASSWORD, ATTACKER)
    assert locked.status_code == 429  # even the right password, from the attacker's browser
    assert int(locked["Retry-After"]) > 14 * 60
    assert "_auth_user_id" not in attacker.session
    # the real user, on their own browser, still signs in with the right password
    r = sign_in(real, "a-da", PASSWORD, SCHOOL)
    assert r.status_code == 302
    assert real.session["_auth_user_id"] == str(world_a.users["district_admin"].pk)


def test_20_wrong_passwords_from_one_address_are_refused_and_others_still_sign_in(
    world_a, world_b
) -> None:  # type: ignore[no-untyped-def]
    regular = Client()  # a teacher who signed in before from the sprayed (shared) address
    assert sign_in(regular, "a-t", PASSWORD, ATTACKER).status_code == 302
    regular.post("/signout/")
    sprayer = Client()
    names = [f"user-{i}" for i in range(18)] + ["a-sa", "b-da"]
    codes = [sign_in(sprayer, n, "Winter2026!", ATTACKER).status_code for n in names]
    assert codes == [200] * 20
    assert sign_in(sprayer, "a-int", "Winter2026!", ATTACKER).status_code == 429
    assert sign_in(sprayer, "b-sa", PASSWORD, ATTACKER).status_code == 429
    # each sprayed account was tried once: its user signs in from elsewhere
    assert sign_in(Client(), "a-sa", PASSWORD, SCHOOL).status_code == 302
    # a browser that signed in before is not held by its address's lock
    assert sign_in(regular, "a-t", PASSWORD, ATTACKER).status_code == 302


def test_a_trusted_browser_has_its_own_limit(world_a) -> None:  # type: ignore[no-untyped-def]
    mine = Client()
    assert sign_in(mine, "a-sa", PASSWORD, SCHOOL).status_code == 302
    mine.post("/signout/")
    codes = [sign_in(mine, "a-sa", "typo", SCHOOL).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    forged = Client()
    forged.cookies[throttle.DEVICE_COOKIE] = "not-signed"
    for _ in range(5):
        sign_in(forged, "a-da", "x", ATTACKER)
    assert sign_in(forged, "a-da", PASSWORD, ATTACKER).status_code == 429


def test_the_counts_live_in_the_shared_cache_another_process_sees_them(
    transactional_db, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_world

    make_world("a")
    cache.clear()
    attacker = Client()
    for i in range(5):
        sign_in(attacker, "a-da", f"guess-{i}", ATTACKER)
    probe = (
        "from django.test import RequestFactory; from seatkeeper.web import throttle; "
        f"r = RequestFactory().post('/signin/', REMOTE_ADDR='{ATTACKER}'); "
        "print(throttle.attempt(r, 'a-da').retry_after)"
    )
    out = subprocess.run(
        [sys.executable, "-m", "seatkeeper", "shell", "-c", probe],
        env=env_for(tmp_path / "var"),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert int(out.stdout.split()[-1]) > 14 * 60  # the other process sees the lock
    cache.clear()


# --- audit of authentication events -----------------------------------------------------------


def test_sign_in_failure_sign_out_and_password_change_are_audited(world_a) -> None:  # type: ignore[no-untyped-def]
    c = Client()
    sign_in(c, "a-sa", "wrong", SCHOOL)
    sign_in(c, "nobody-here", "wrong", SCHOOL)
    sign_in(c, "a-sa", PASSWORD, SCHOOL)
    c.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "n3w-Secret-77",
            "new_password2": "n3w-Secret-77",
        },
    )
    c.post("/signout/")
    entries = list(
        AuditEntry.objects.filter(action__startswith="auth.")
        .order_by("id")
        .values("action", "actor_label", "target_label", "district_id", "data")
    )
    assert [e["action"] for e in entries] == [
        actions.AUTH_SIGN_IN_FAILED,
        actions.AUTH_SIGN_IN_FAILED,
        actions.AUTH_SIGNED_IN,
        actions.AUTH_PASSWORD_CHANGED,
        actions.AUTH_SIGNED_OUT,
    ]
    failed, unknown, signed_in, changed, out = entries
    assert (failed["actor_label"], failed["target_label"]) == ("anonymous", "a-sa")
    assert failed["district_id"] == world_a.district.pk  # the district admins see it
    assert failed["data"]["address"] == SCHOOL
    assert unknown["district_id"] is None
    assert unknown["data"]["reason"] == "unknown username"
    for e in (signed_in, changed, out):
        assert e["actor_label"] == "a-sa"
        assert e["district_id"] == world_a.district.pk
    assert "n3w-Secret-77" not in str(entries)


def test_reaching_a_limit_is_audited_once_not_every_refusal(world_a) -> None:  # type: ignore[no-untyped-def]
    c = Client()
    for i in range(12):
        sign_in(c, "a-da", f"g{i}", ATTACKER)
    assert AuditEntry.objects.filter(action=actions.AUTH_SIGN_IN_FAILED).count() == 5
    [locked] = AuditEntry.objects.filter(action=actions.AUTH_SIGN_IN_THROTTLED)
    assert locked.target_label == "a-da"


def test_audit_csv_neutralises_formulas_and_pages_are_not_cached(world_a, da) -> None:  # type: ignore[no-untyped-def]
    import csv

    from seatkeeper.roster import services as roster
    from tests.factories import sys_scope

    formulas = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x","y")']
    for name in formulas:
        roster.student_create(
            scope=sys_scope(world_a.district),
            district=world_a.district,
            school=world_a.schools[0],
            first_name=name,
            last_name="X",
        )
    body = b"".join(da.get("/district/audit.csv").streaming_content).decode()
    rows = list(csv.reader(body.splitlines()))
    labels = [r[8] for r in rows[1:] if r[5] == "roster.student.created" and r[8].endswith(" X")]
    assert sorted(labels) == sorted(f"'{f} X" for f in formulas)
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), row
    for url in (
        f"/schools/{world_a.schools[0].pk}/students/",
        "/district/",
        "/district/audit/",
        "/district/audit.csv",
        f"/schools/{world_a.schools[0].pk}/classrooms/",
    ):
        assert "no-store" in da.get(url)["Cache-Control"], url
