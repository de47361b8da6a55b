"""Writing a validated Dataset into one district (the mapper), in bulk, matched by sourcedId.

Same invariants as the per-row services: district on every row, `TeacherAccess` for every new
teacher and product (ON or OFF per `district.new_teacher_access`), `Allocation` rows for new
schools, roster source recorded. Rows are matched by sourcedId, so importing the same files
twice changes nothing. Runs inside the importer's transaction; it never commits.

What the importer never does, on purpose (an admin's decision in Seatkeeper sticks):
un-delete or un-archive a row the SIS still sends, or restore an account de-dup merged away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, Model
from django.utils import timezone

from seatkeeper.licensing.models import Allocation, TeacherAccess
from seatkeeper.orgs.models import District, Product, Role, School
from seatkeeper.roster.models import (
    Classroom,
    ClassroomTeacher,
    Enrollment,
    RosterInvite,
    Student,
    Teacher,
    Term,
)
from seatkeeper.roster.oneroster.fastinsert import insert_rows
from seatkeeper.roster.oneroster.reader import ReadError
from seatkeeper.roster.oneroster.validate import (
    STUDENT_ROLES,
    TEACHER_ROLES,
    Dataset,
    User,
)
from seatkeeper.roster.services._common import ENROLLMENT_FIELDS

BATCH = 2000
CHUNK = 5000

ENTITIES = (
    "schools",
    "terms",
    "teachers",
    "students",
    "invites",
    "classrooms",
    "co_teachers",
    "enrollments",
)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class WriteResult:
    counts: dict[str, Counts] = field(default_factory=lambda: {e: Counts() for e in ENTITIES})
    ignored: dict[str, int] = field(default_factory=dict)
    removed_enrollments: list[dict[str, Any]] = field(default_factory=list)
    deleted_ids: dict[str, list[int]] = field(default_factory=dict)
    enrollment_id_floor: int = 0

    def ignore(self, what: str, n: int = 1) -> None:
        self.ignored[what] = self.ignored.get(what, 0) + n

    def deleted(self, entity: str, pk: int) -> None:
        self.counts[entity].deleted += 1
        self.deleted_ids.setdefault(entity, []).append(pk)


Progress = Callable[[int], None]


class Mapper:
    def __init__(self, ds: Dataset, district: District, source: str, progress: Progress | None):
        self.ds, self.district, self.source = ds, district, source
        self.d = district.pk
        self.now = timezone.now()
        self.result = WriteResult()
        self.progress = progress or (lambda n: None)
        self.products = list(
            Product.objects.filter(district_id=self.d).order_by("id").values_list("id", flat=True)
        )
        self.school_ids: dict[str, int] = {}
        self.term_ids: dict[str, int] = {}
        self.teacher_ids: dict[str, int] = {}
        self.student_ids: dict[str, int] = {}
        self.class_ids: dict[str, int] = {}

    # --- helpers ------------------------------------------------------------------------------

    def _sync(
        self,
        entity: str,
        model: type[Model],
        wanted: dict[str, dict[str, Any]],
        deleted: Iterable[str],
        fields: list[str],
        soft_delete: bool = True,
    ) -> dict[str, int]:
        """Create, update or soft-delete rows by sourcedId; returns sourcedId -> id (live rows).

        The district's rows are held as tuples (id, *fields, deleted_at), not dicts: a tuple
        costs a fifth of a dict of the same values, and this is the import's largest structure.
        """
        counts = self.result.counts[entity]
        extra = ["deleted_at"] if soft_delete else []
        have: dict[str, tuple[Any, ...]] = {
            r[0]: r[1:]
            for r in model.objects.filter(district_id=self.d)  # type: ignore[attr-defined]
            .exclude(sourced_id="")
            .values_list("sourced_id", "id", *fields, *extra)
            .iterator(chunk_size=10000)
        }
        gone_at = len(fields) + 1  # position of deleted_at
        ids = {sid: r[0] for sid, r in have.items()}
        new: list[tuple[str, dict[str, Any]]] = []
        changed = []
        for sid, values in wanted.items():
            row = have.get(sid)
            if row is None:
                new.append((sid, values))
                continue
            if soft_delete and row[gone_at] is not None:
                self.result.ignore(f"{entity}: deleted in Seatkeeper, kept deleted")
                continue
            if tuple(values[f] for f in fields) != row[1:gone_at]:
                changed.append(model(id=row[0], **values))
                counts.updated += 1
            else:
                counts.unchanged += 1
        if new:
            floor = model.objects.aggregate(m=Max("id"))["m"] or 0  # type: ignore[attr-defined]
            insert_rows(
                model,
                ["district_id", "sourced_id", "roster_source", *fields],
                ((self.d, sid, self.source, *(v[f] for f in fields)) for sid, v in new),
            )
            ids.update(
                model.objects.filter(district_id=self.d, id__gt=floor)  # type: ignore[attr-defined]
                .values_list("sourced_id", "id")
                .iterator(chunk_size=10000)
            )
        counts.created += len(new)
        if changed:
            model.objects.bulk_update(changed, fields, batch_size=BATCH)  # type: ignore[attr-defined]
        gone = []
        for sid in deleted:
            row = have.get(sid)
            if row is None:
                continue
            if soft_delete and row[gone_at] is None:
                gone.append(row[0])
                self.result.deleted(entity, row[0])
        if gone:
            model.objects.filter(pk__in=gone).update(deleted_at=self.now)  # type: ignore[attr-defined]
        for sid in deleted:
            ids.pop(sid, None)
        if soft_delete:
            return {
                sid: pk for sid, pk in ids.items() if sid not in have or have[sid][gone_at] is None
            }
        return ids

    # --- entities ----------------------------------------------------------------------------

    def run(self) -> WriteResult:
        self.result.enrollment_id_floor = Enrollment.objects.aggregate(m=Max("id"))["m"] or 0
        self.district_org()
        self.schools()
        self.terms()
        self.people()
        self.classrooms()
        self.enrollments()
        self.absent_from_bulk()
        return self.result

    def district_org(self) -> None:
        org = self.ds.district_org
        if org is not None and not self.district.sourced_id:
            self.district.sourced_id = org.sid
            self.district.save(update_fields=["sourced_id"])

    def schools(self) -> None:
        ds = self.ds
        wanted = {
            o.sid: {"name": o.name[:200]}
            for key, o in ds.schools.items()
            if not key.startswith("alias:") and not o.deleted
        }
        deleted = [o.sid for o in ds.schools.values() if o.deleted]
        before = set(School.objects.filter(district_id=self.d).values_list("id", flat=True))
        self.school_ids = self._sync("schools", School, wanted, deleted, ["name"])
        new = [pk for pk in self.school_ids.values() if pk not in before]
        Allocation.objects.bulk_create(
            [
                Allocation(district_id=self.d, school_id=s, product_id=p)
                for s in new
                for p in self.products
            ],
            batch_size=BATCH,
        )

    def _school_id(self, sid: str) -> int | None:
        return self.school_ids.get(sid)

    def terms(self) -> None:
        ds = self.ds
        wanted = {
            s.sid: {"name": s.title[:200], "starts_on": s.starts_on, "ends_on": s.ends_on}
            for s in ds.sessions.values()
            if not s.deleted
        }
        if any(s.deleted for s in ds.sessions.values()):
            self.result.ignore("terms: tobedeleted, kept (terms are never deleted)")
        self.term_ids = self._sync(
            "terms", Term, wanted, [], ["name", "starts_on", "ends_on"], soft_delete=False
        )

    def _home_school(self, u: User) -> int | None:
        for o in u.orgs:
            pk = self._school_id(o)
            if pk is not None:
                return pk
        return None

    def people(self) -> None:
        ds = self.ds
        teachers: dict[str, dict[str, Any]] = {}
        students: dict[str, dict[str, Any]] = {}
        invites: list[User] = []
        del_t, del_s = [], []
        for u in ds.users.values():
            if u.deleted:
                del_t.append(u.sid)
                del_s.append(u.sid)
                continue
            if u.kind == "teacher":
                teachers[u.sid] = {
                    "first_name": u.given,
                    "last_name": u.family,
                    "email": u.email,
                    "username": u.username,
                    "school_id": self._home_school(u),
                }
            elif u.kind == "student":
                values = {
                    "first_name": u.given,
                    "last_name": u.family,
                    "middle_name": u.middle,
                    "preferred_first_name": u.preferred,
                    "email": u.email,
                    "username": u.username,
                    "student_number": u.identifier,
                    "grade": u.grade,
                    "school_id": self._home_school(u),
                }
                if u.dob is not None:
                    values["date_of_birth"] = u.dob
                students[u.sid] = values
            elif u.kind == "admin":
                invites.append(u)
        t_fields = ["first_name", "last_name", "email", "username", "school_id"]
        before = set(Teacher.objects.filter(district_id=self.d).values_list("id", flat=True))
        self.teacher_ids = self._sync("teachers", Teacher, teachers, del_t, t_fields)
        on = self.district.new_teacher_access
        TeacherAccess.objects.bulk_create(
            [
                TeacherAccess(district_id=self.d, teacher_id=t, product_id=p, on=on)
                for t in self.teacher_ids.values()
                if t not in before
                for p in self.products
            ],
            batch_size=BATCH,
        )
        self.progress(len(teachers))
        s_fields = [
            "first_name",
            "last_name",
            "middle_name",
            "preferred_first_name",
            "email",
            "username",
            "student_number",
            "grade",
            "school_id",
        ]
        if ds.source.has("demographics.csv"):
            s_fields.append("date_of_birth")
            for v in students.values():
                v.setdefault("date_of_birth", None)
        # A student de-dup merged into another account stays merged: never re-created.
        merged = set(
            Student.objects.filter(district_id=self.d, merged_into__isnull=False).values_list(
                "sourced_id", flat=True
            )
        )
        if merged & students.keys():
            self.result.ignore(
                "students: merged into another account by de-dup, left merged",
                len(merged & students.keys()),
            )
        self.student_ids = self._sync("students", Student, students, del_s, s_fields)
        self.progress(len(students))
        self._invites(invites)

    def _invites(self, users: list[User]) -> None:
        counts = self.result.counts["invites"]
        have = {
            r["sourced_id"]: r
            for r in RosterInvite.objects.filter(district_id=self.d).values(
                "id",
                "sourced_id",
                "role",
                "first_name",
                "last_name",
                "email",
                "username",
                "school_ids",
            )
        }
        new, changed = [], []
        for u in users:
            schools = sorted({pk for o in u.orgs if (pk := self._school_id(o)) is not None})
            role = (
                Role.DISTRICT_ADMIN
                if u.role in ("districtadministrator",)
                or (u.role == "administrator" and not schools)
                else Role.SCHOOL_ADMIN
            )
            values = {
                "role": role,
                "first_name": u.given,
                "last_name": u.family,
                "email": u.email,
                "username": u.username,
                "school_ids": schools,
            }
            row = have.get(u.sid)
            if row is None:
                new.append(
                    RosterInvite(
                        district_id=self.d, sourced_id=u.sid, roster_source=self.source, **values
                    )
                )
            elif any(row[k] != v for k, v in values.items()):
                changed.append(RosterInvite(id=row["id"], **values))
            else:
                counts.unchanged += 1
        RosterInvite.objects.bulk_create(new)
        RosterInvite.objects.bulk_update(changed, INVITE_FIELDS)
        counts.created += len(new)
        counts.updated += len(changed)

    def classrooms(self) -> None:
        ds = self.ds
        wanted: dict[str, dict[str, Any]] = {}
        existing_primary = dict(
            Classroom.objects.filter(district_id=self.d)
            .exclude(sourced_id="")
            .values_list("sourced_id", "primary_teacher_id")
        )
        # With a bulk enrollments file, the file alone says who teaches each class.
        bulk = ds.mode("enrollments.csv") != "delta" and ds.source.has("enrollments.csv")
        for k in ds.classes.values():
            if k.deleted:
                continue
            school = self.school_ids.get(k.school)
            if school is None:
                self.result.ignore("classrooms: their school is deleted in Seatkeeper")
                continue
            primary = existing_primary.get(k.sid)
            chosen = ds.primary_of.get(k.sid)
            if chosen is not None:
                user, explicit = chosen
                if explicit or bulk or primary is None:
                    primary = self.teacher_ids.get(user)
            elif bulk:
                primary = None
            wanted[k.sid] = {
                "name": k.title[:200],
                "course_code": k.code[:100],
                "school_id": school,
                "term_id": self.term_ids.get(k.term) if k.term else None,
                "primary_teacher_id": primary,
            }
        fields = ["name", "course_code", "school_id", "term_id", "primary_teacher_id"]
        deleted = [k.sid for k in ds.classes.values() if k.deleted]
        self.class_ids = self._sync("classrooms", Classroom, wanted, deleted, fields)

    # --- enrollments (streamed) ----------------------------------------------------------------

    def _lookup_missing(self, chunk: list[tuple[str, str, str, bool, str]]) -> None:
        """Resolve sourcedIds a delta file names but the files do not hold (already in the DB)."""
        cls = {c for c, _, _, _, _ in chunk if c not in self.class_ids}
        users = {
            u for _, u, _, _, _ in chunk if u not in self.student_ids and u not in self.teacher_ids
        }
        if cls:
            self.class_ids.update(
                Classroom.objects.filter(
                    district_id=self.d, sourced_id__in=cls, deleted_at__isnull=True
                ).values_list("sourced_id", "id")
            )
        if users:
            self.student_ids.update(
                Student.objects.filter(
                    district_id=self.d, sourced_id__in=users, deleted_at__isnull=True
                ).values_list("sourced_id", "id")
            )
            self.teacher_ids.update(
                Teacher.objects.filter(
                    district_id=self.d, sourced_id__in=users, deleted_at__isnull=True
                ).values_list("sourced_id", "id")
            )

    def enrollments(self) -> None:
        ds = self.ds
        if not ds.source.has("enrollments.csv"):
            return
        self.seen_enrollments: set[int] = set()
        self.seen_co: set[tuple[int, int]] = set()
        chunk: list[tuple[str, str, str, bool, str]] = []
        try:
            for row in ds.enrollments():
                status = row.get("status").lower()
                chunk.append(
                    (
                        row.get("classSourcedId"),
                        row.get("userSourcedId"),
                        row.get("role").lower(),
                        status == "tobedeleted",
                        row.get("sourcedId"),
                    )
                )
                if len(chunk) >= CHUNK:
                    self._enroll_chunk(chunk)
                    self.progress(len(chunk))
                    chunk = []
        except ReadError:  # validated already; a file changing under us is a refusal
            raise
        if chunk:
            self._enroll_chunk(chunk)
            self.progress(len(chunk))

    def _enroll_chunk(self, chunk: list[tuple[str, str, str, bool, str]]) -> None:
        ds = self.ds
        res = self.result
        self._lookup_missing(chunk)
        pairs: dict[tuple[int, int], str] = {}
        co: dict[tuple[int, int], str] = {}
        drop_pairs: set[tuple[int, int]] = set()
        drop_teacher: set[tuple[int, int]] = set()
        for cls, user, role, deleted, sid in chunk:
            k = ds.classes.get(cls)
            u = ds.users.get(user)
            cid = self.class_ids.get(cls)
            if role not in TEACHER_ROLES and role not in STUDENT_ROLES:
                if not deleted:
                    res.ignore(f"enrollments: role {role!r} (not a teacher or student)")
                continue
            if (k is not None and k.deleted) or cid is None:
                if not deleted:
                    res.ignore("enrollments: in a class deleted (tobedeleted) or not imported")
                continue
            if u is not None and u.deleted:
                continue
            kind = (
                u.kind
                if u is not None
                else (
                    "teacher"
                    if user in self.teacher_ids and user not in self.student_ids
                    else "student"
                )
            )
            wrong = "teacher" if role in STUDENT_ROLES else "student"
            if kind == wrong:
                if not deleted:
                    res.ignore(f"enrollments: as {role}, of a user imported as a {wrong}")
                continue
            ids = self.student_ids if role in STUDENT_ROLES else self.teacher_ids
            pk = ids.get(user)
            if pk is None:
                if not deleted:
                    res.ignore("enrollments: of a user deleted in Seatkeeper or not imported")
                continue
            if role in STUDENT_ROLES:
                if deleted:
                    drop_pairs.add((cid, pk))
                else:
                    pairs.setdefault((cid, pk), sid)
            else:
                if deleted:
                    drop_teacher.add((cid, pk))
                    continue
                primary = ds.primary_of.get(cls)
                if primary is not None and primary[0] == user:
                    self.seen_co.add((cid, pk))
                    continue
                co[(cid, pk)] = sid
        student_ids = {s for _, s in (*pairs, *drop_pairs)}
        # Also finds rows written by an earlier chunk: the same student listed twice in a class
        # (two enrollment sourcedIds) is one enrollment, never a unique-constraint error. By
        # student, not by class: a chunk's students have a handful of rows each, while its
        # classes would bring back every row written for them so far (quadratic). The
        # (district, student, classroom) index answers it by seeks, district in the WHERE.
        existing = {
            (c, s): pk
            for pk, c, s in Enrollment.objects.filter(
                district_id=self.d, student_id__in=student_ids
            ).values_list("id", "classroom_id", "student_id")
        }
        counts = res.counts["enrollments"]
        new = []
        for key, sid in pairs.items():
            pk = existing.get(key)
            if pk is None:
                new.append((self.d, key[0], key[1], sid, self.source))
            elif pk > self.result.enrollment_id_floor or pk in self.seen_enrollments:
                continue  # made or matched by an earlier chunk: one enrollment counts once
            else:
                counts.unchanged += 1
                self.seen_enrollments.add(pk)
        counts.created += insert_rows(
            Enrollment,
            ["district_id", "classroom_id", "student_id", "sourced_id", "roster_source"],
            new,
        )
        gone = [existing[k] for k in drop_pairs if k in existing]
        if gone:
            self._remove_enrollments(gone)
        self._co_teachers(co, drop_teacher)

    def _remove_enrollments(self, ids: list[int]) -> None:
        qs = Enrollment.objects.filter(pk__in=ids)
        rows = []
        for row in qs.values(*ENROLLMENT_FIELDS):
            row["created_at"] = row["created_at"].isoformat()
            rows.append(row)
        qs.delete()
        self.result.removed_enrollments.extend(rows)
        self.result.counts["enrollments"].deleted += len(rows)

    def _co_teachers(self, co: dict[tuple[int, int], str], drop: set[tuple[int, int]]) -> None:
        counts = self.result.counts["co_teachers"]
        class_ids = {c for c, _ in (*co, *drop)}
        if not class_ids:
            return
        existing = {
            (c, t): pk
            for pk, c, t in ClassroomTeacher.objects.filter(
                district_id=self.d, classroom_id__in=class_ids
            ).values_list("id", "classroom_id", "teacher_id")
        }
        new = []
        for key, sid in co.items():
            self.seen_co.add(key)
            if key in existing:
                counts.unchanged += 1
            else:
                new.append(
                    ClassroomTeacher(
                        district_id=self.d, classroom_id=key[0], teacher_id=key[1], sourced_id=sid
                    )
                )
        ClassroomTeacher.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
        counts.created += len(new)
        gone = [existing[k] for k in drop if k in existing]
        if gone:
            ClassroomTeacher.objects.filter(pk__in=gone).delete()
            counts.deleted += len(gone)
        # A primary teacher un-enrolled by a delta file stops licensing the class (R8).
        for cid, tid in drop:
            n = Classroom.objects.filter(pk=cid, primary_teacher_id=tid).update(
                primary_teacher=None
            )
            if n:
                self.result.counts["classrooms"].updated += 1

    def absent_from_bulk(self) -> None:
        """Bulk files are complete: OneRoster enrollments missing from them are un-enrolled.

        Students, teachers and classes missing from a bulk file are only counted: deleting
        accounts is an admin's call (send them as tobedeleted, or delete them in Seatkeeper).
        """
        ds = self.ds
        if ds.source.has("enrollments.csv") and ds.mode("enrollments.csv") != "delta":
            stale = [
                pk
                # Rows of deleted students or classes count for nothing (R5): left for restore.
                for pk in Enrollment.objects.filter(
                    district_id=self.d,
                    id__lte=self.result.enrollment_id_floor,  # rows made now were in the files
                    roster_source=self.source,
                    student__deleted_at__isnull=True,
                    classroom__deleted_at__isnull=True,
                )
                .values_list("id", flat=True)
                .iterator(chunk_size=10000)
                if pk not in self.seen_enrollments
            ]
            for i in range(0, len(stale), BATCH):
                self._remove_enrollments(stale[i : i + BATCH])
            in_file = set(self.class_ids.values())
            stale_co = [
                pk
                for pk, c, t in ClassroomTeacher.objects.filter(district_id=self.d)
                .values_list("id", "classroom_id", "teacher_id")
                .iterator(chunk_size=10000)
                if c in in_file and (c, t) not in self.seen_co
            ]
            for i in range(0, len(stale_co), BATCH):
                ClassroomTeacher.objects.filter(pk__in=stale_co[i : i + BATCH]).delete()
            self.result.counts["co_teachers"].deleted += len(stale_co)
        checks: list[tuple[str, type[Model], dict[str, int], str]] = [
            ("students", Student, self.student_ids, "users.csv"),
            ("teachers", Teacher, self.teacher_ids, "users.csv"),
            ("classrooms", Classroom, self.class_ids, "classes.csv"),
        ]
        for entity, model, wanted, fname in checks:
            if not ds.source.has(fname) or ds.mode(fname) == "delta":
                continue
            n = sum(
                1
                for sid in model.objects.filter(  # type: ignore[attr-defined]
                    district_id=self.d, roster_source=self.source, deleted_at__isnull=True
                )
                .values_list("sourced_id", flat=True)
                .iterator(chunk_size=10000)
                if sid not in wanted
            )
            if n:
                self.result.ignore(
                    f"{entity}: from an earlier import, not in these bulk files; left as they are",
                    n,
                )


INVITE_FIELDS = ["role", "first_name", "last_name", "email", "username", "school_ids"]
