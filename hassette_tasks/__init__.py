"""Hassette's container start-up as invoke tasks.

export, install-locked, install-reqs, prune, start, constraints and baseline; boot composes them.
"""

from invoke.collection import Collection

from hassette_tasks import tasks

ns = Collection.from_module(tasks)
