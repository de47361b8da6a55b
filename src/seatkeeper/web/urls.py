"""HTML UI routes. Every view is wrapped in an access policy (web/policies.py); see README.md."""

from django.urls import path

from seatkeeper.web.views import (
    alerts,
    audit,
    auth,
    classrooms,
    district,
    home,
    imports,
    operator,
    reports,
    roster_admin,
    school,
    settings,
    students,
    teacher,
    tokens,
)

app_name = "web"
urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", home.healthz, name="healthz"),
    path("status", home.status, name="status"),
    # sign in / out
    path("signin/", auth.sign_in, name="login"),
    path("signout/", auth.sign_out, name="logout"),
    path("password/", auth.password_change, name="password_change"),
    path("account/tokens/", tokens.tokens_page, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", tokens.token_revoke, name="token_revoke"),
    # district admin
    path("district/", district.district_license, name="district_license"),
    path("district/choose/", district.choose_district, name="choose_district"),
    path("district/allocations/<int:school_id>/", district.allocation_edit, name="allocation_edit"),
    path("district/move/", district.move_seats, name="move_seats"),
    path("district/launch/<int:school_id>/", district.launch, name="launch"),
    path("district/return/", district.launch_exit, name="launch_exit"),
    path("district/settings/", settings.settings_page, name="settings"),
    path("district/audit/", audit.audit_log, name="audit"),
    path("district/audit.csv", audit.audit_csv, name="audit_csv"),
    path("district/audit/<int:entry_id>/undo/", audit.audit_undo, name="audit_undo"),
    path("history/<str:kind>/<int:object_id>/", audit.audit_object, name="audit_object"),
    # operator (issue 17.12)
    path("operator/", operator.operator_home, name="operator_home"),
    path(
        "operator/districts/<int:district_id>/purchases/",
        operator.operator_purchases,
        name="operator_purchases",
    ),
    path(
        "operator/districts/<int:district_id>/purchases/<int:purchase_id>/end/",
        operator.operator_purchase_end,
        name="operator_purchase_end",
    ),
    path(
        "operator/districts/<int:district_id>/users/",
        operator.operator_users,
        name="operator_users",
    ),
    path(
        "operator/districts/<int:district_id>/users/<int:user_id>/role/",
        operator.operator_user_role,
        name="operator_user_role",
    ),
    # school admin
    path("schools/<int:school_id>/", school.school_license, name="school_license"),
    path("schools/<int:school_id>/header/", school.header, name="school_header"),
    path(
        "schools/<int:school_id>/access/<int:teacher_id>/",
        school.access_toggle,
        name="access_toggle",
    ),
    path("schools/<int:school_id>/teachers/", school.teachers, name="teachers"),
    path("schools/<int:school_id>/teachers/add/", school.teacher_add, name="teacher_add"),
    path(
        "schools/<int:school_id>/teachers/student-creation/",
        school.teacher_student_creation,
        name="teacher_student_creation",
    ),
    path(
        "schools/<int:school_id>/teachers/<int:teacher_id>/<str:op>/",
        school.teacher_action,
        name="teacher_action",
    ),
    path("schools/<int:school_id>/classrooms/", classrooms.classrooms, name="classrooms"),
    path(
        "schools/<int:school_id>/classrooms/bulk/",
        classrooms.classrooms_bulk,
        name="classrooms_bulk",
    ),
    path("schools/<int:school_id>/students/", students.students, name="students"),
    # issue 17.8: school admins' roster work
    path("schools/<int:school_id>/students/add/", roster_admin.student_add, name="student_add"),
    path(
        "schools/<int:school_id>/students/bulk/", roster_admin.students_bulk, name="students_bulk"
    ),
    path(
        "schools/<int:school_id>/students/<int:student_id>/",
        roster_admin.student_detail,
        name="student_detail",
    ),
    path(
        "schools/<int:school_id>/classrooms/add/", roster_admin.classroom_add, name="classroom_add"
    ),
    path(
        "schools/<int:school_id>/classrooms/<int:classroom_id>/",
        roster_admin.classroom_roster_page,
        name="classroom_roster",
    ),
    path(
        "schools/<int:school_id>/classrooms/<int:classroom_id>/<str:op>/",
        roster_admin.classroom_roster_action,
        name="classroom_roster_action",
    ),
    path(
        "schools/<int:school_id>/students/<int:student_id>/<str:op>/",
        students.student_action,
        name="student_action",
    ),
    # teacher
    path("teach/", teacher.teacher_home, name="teacher_home"),
    path("teach/classrooms/<int:classroom_id>/", teacher.classroom, name="teacher_classroom"),
    path(
        "teach/classrooms/<int:classroom_id>/<str:op>/",
        teacher.classroom_action,
        name="teacher_classroom_action",
    ),
    # roster imports (OneRoster / student CSV)
    path("district/imports/", imports.imports, name="imports"),
    path("district/imports/template.csv", imports.import_template, name="import_template"),
    path("district/imports/<int:run_id>/", imports.import_run, name="import_run"),
    path("district/imports/<int:run_id>/apply/", imports.import_apply, name="import_apply"),
    path("district/imports/<int:run_id>/undo/", imports.import_undo, name="import_undo"),
    path("schools/<int:school_id>/import/", imports.school_import, name="school_import"),
    # seat alerts and usage reports (issue 16)
    path("alerts/", alerts.alerts_page, name="alerts"),
    path("alerts/<int:alert_id>/<str:op>/", alerts.alert_mark, name="alert_mark"),
    path("district/alerts/settings/", alerts.alert_settings, name="alert_settings"),
    path("reports/usage/", reports.usage_report_page, name="usage_report"),
    path("reports/usage.csv", reports.usage_report_csv, name="usage_report_csv"),
]
