"""invoke finds this file; the task collection itself lives in hassette_tasks."""

from hassette_tasks import ns  # noqa: F401
