"""Who is launching: LTI role claims (full LIS URIs) reduced to what the tool shows.

Only context (course) roles and the platform administrator count. Institution roles such as
``institution/person#Instructor`` say nothing about this course (Canvas sends them to a student who teaches elsewhere).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"

STAFF_ROLES = frozenset(
    {
        LIS + "membership#Instructor",
        LIS + "membership#Administrator",
        LIS + "membership#ContentDeveloper",
        LIS + "system/person#Administrator",
        LIS + "system/person#SysAdmin",
        LIS + "institution/person#Administrator",
    }
)
STAFF_SUB_ROLE_PREFIXES = (LIS + "membership/Instructor#", LIS + "membership/Administrator#")
LEARNER_ROLE = LIS + "membership#Learner"
LEARNER_SUB_ROLE_PREFIX = LIS + "membership/Learner#"


class LaunchRole(StrEnum):
    """What a launch opens: the review page, the proctoring widget, or nothing."""

    INSTRUCTOR = "instructor"
    LEARNER = "learner"
    NONE = "none"


def launch_role(roles: Iterable[str]) -> LaunchRole:
    """Instructor if any staff role of the course (or platform administrator), else learner if enrolled as one."""
    roles = [str(role) for role in roles]
    if any(role in STAFF_ROLES or role.startswith(STAFF_SUB_ROLE_PREFIXES) for role in roles):
        return LaunchRole.INSTRUCTOR
    if any(role == LEARNER_ROLE or role.startswith(LEARNER_SUB_ROLE_PREFIX) for role in roles):
        return LaunchRole.LEARNER
    return LaunchRole.NONE
