"""What the audit log answers."""
from __future__ import annotations

from typing import Any

from chalicelib.privacy.audit import Page


def audit_view(page: Page) -> dict[str, Any]:
    return {"items": [{"at": e.at, "reader_id": e.reader_id,
                       "reader_roles": [r for r in e.reader_roles.split(",") if r],
                       "subject_id": e.subject_id, "what": e.what, "ref_id": e.ref_id,
                       "anonymous": bool(e.anonymous)} for e in page.items],
            "next_cursor": page.next_cursor}
