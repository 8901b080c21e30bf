"""Small inline input files for the tests, as HR would hand them over."""

from __future__ import annotations

from pathlib import Path

DEALERS = "dealer_id,name\nD1,华东家电\nD2,南方家居\n"
TEAMS = (
    "team_id,name,dealer_id,kind,region\n"
    "T1,自有一队,D1,in_house,华东\n"
    "T2,速装服务部,D1,outsourced,华东\n"
    "T3,南方安装,D2,outsourced,华南\n"
)
INSTALLERS = (
    "installer_id,name,team_id,employment,base_monthly_wage,local_min_wage,active_from\n"
    "I1,张伟,T1,employee,5000,2490,2023-01-01\n"
    "I2,李娜,T2,contractor,,,\n"
    "I3,王强,T3,employee,3000.00,2490.00,2024-03-15\n"
)
JOBS = (
    "job_id,installer_ids,service_type,product_category,created_at,appointment_start,"
    "appointment_end,arrived_at,completed_at,promised_days\n"
    "J1,I1:0.6;I2:0.4,install,空调,2025-10-10T09:00:00,2025-10-11T09:00:00,"
    "2025-10-11T12:00:00,2025-10-11T09:30:00,2025-10-11T11:00:00,2\n"
    "J2,I3,repair,净水器,2025-10-12T10:00:00,,,,2025-10-13T15:00:00,\n"
    "J3,I1;I2,delivery,沙发,2025-10-20T08:00:00+08:00,,,,,\n"
)
SURVEYS = (
    "survey_id,job_id,surveyed_at,channel,overall,attitude,promise_kept,comment\n"
    "S1,J1,2025-10-12T10:00:00,phone,5,5,true,师傅很专业\n"
    "S2,J2,2025-10-14T10:00:00,sms,非常不满意,2,否,\n"
)
REVISITS = (
    "revisit_id,job_id,revisited_at,reached,issue_resolved,customer_satisfied\n"
    "R1,J1,2025-10-20T10:00:00,yes,yes,yes\n"
)
COMPLAINTS = (
    "complaint_id,job_id,received_at,category,severity,responsibility,resolved_at\n"
    "C1,J2,2025-10-14T11:00:00,attitude,minor,installer,2025-10-15T11:00:00\n"
)

ALL = {
    "dealers": DEALERS,
    "teams": TEAMS,
    "installers": INSTALLERS,
    "jobs": JOBS,
    "surveys": SURVEYS,
    "revisits": REVISITS,
    "complaints": COMPLAINTS,
}


def write(folder: Path, files: dict[str, str] | None = None) -> Path:
    """Write the given (default: all) inline files as <entity>.csv into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (files or ALL).items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder
