"""Loaded by schemathesis (SCHEMATHESIS_HOOKS) in tests/test_api_schemathesis.py.

A check that fails when any response carries data of the other organization:
the test seeds that organization with values that contain FOREIGN_MARKER.
"""

from __future__ import annotations

import os

import schemathesis

FOREIGN_MARKER = os.environ.get("APPEAL_DESK_FOREIGN_MARKER", "FOREIGN-ORG-SECRET")


@schemathesis.check
def no_cross_organization_read(ctx, response, case):
    if FOREIGN_MARKER in response.text:
        raise AssertionError(f"{case.method} {case.formatted_path} returned another organization's data")
