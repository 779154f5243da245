"""The only code that knows how notices are kept: keys, indexes, conditions, transactions.

- Notice: pk ``NOTICE#{id}``, sk ``NOTICE``. Both list indexes sort by the list position
  ``{rank}#{created_at}#{id}`` (rank ``1`` pinned, ``0`` not) and are read backwards: pinned
  first, then newest first.
  gsi1 ``NOTICES#C#{community}``: every notice of the community (staff lists);
  gsi2 ``NOTICES#A#{address}`` (``community:c``, ``estate:e``, ``building:e:b``): the residents'
  index, which holds a notice until it expires;
  gsi3 ``NOTICE_EXPIRY`` / ``{expiry}#{id}``: sparse, the notices with an expiry that are still
  in the residents' index, read up to now by the expiry job.
- NoticeRead: pk ``NOTICE#{id}``, sk ``READ#{user}``; gsi1 ``NOTICE_READS#{user}`` /
  ``{at}#{notice}`` (a person's own reads: export, erasure).
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.core.db import BaseModel, is_conditional_failure, sort_key, transaction
from chalicelib.notices.models import Notice, NoticeRead

EXPIRY_PARTITION = "NOTICE_EXPIRY"
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def fits(notice_id: str) -> bool:
    """Whether an id from a path can name a notice (anything else names none)."""
    return bool(_ID.match(notice_id))


def notice_key(notice_id: str) -> tuple[str, str]:
    return f"NOTICE#{notice_id}", "NOTICE"


def _position(pinned: bool, created_at: str, notice_id: str) -> str:
    return f"{1 if pinned else 0}#{created_at}#{notice_id}"


def new_notice(address: str, **values: Any) -> Notice:
    """A notice item with its index keys (not yet stored)."""
    notice = Notice(*notice_key(values["notice_id"]), **values)
    order = _position(bool(notice.pinned), notice.created_at, notice.notice_id)
    notice.gsi1pk, notice.gsi1sk = f"NOTICES#C#{notice.community_id}", order
    notice.gsi2pk, notice.gsi2sk = f"NOTICES#A#{address}", order
    if notice.expiry:
        notice.gsi3pk, notice.gsi3sk = EXPIRY_PARTITION, f"{notice.expiry}#{notice.notice_id}"
    return notice


def position(notice: Notice) -> str:
    """Where the notice sorts in its lists (a cursor)."""
    return _position(bool(notice.pinned), notice.created_at, notice.notice_id)


def create(notice: Notice, companions: Sequence[BaseModel] = ()) -> None:
    """Save a new notice with ``companions`` (its inbox entry) in one transaction."""
    with transaction() as tx:
        tx.save(notice, condition=Notice.pk.does_not_exist())
        for item in companions:
            tx.save(item)


def get(notice_id: str) -> Notice | None:
    if not fits(notice_id):
        return None
    try:
        return Notice.get(*notice_key(notice_id))
    except DoesNotExist:
        return None


def _newest(index: Any, partition: str, before: str | None, page: int) -> Iterator[Notice]:
    condition = sort_key(index) < before if before else None
    return iter(index.query(partition, condition, scan_index_forward=False, page_size=page))


def of_community(community_id: str, before: str | None, page: int) -> Iterator[Notice]:
    """Every notice of the community in list order, after the position ``before``."""
    return _newest(Notice.by_community, f"NOTICES#C#{community_id}", before, page)


def addressed_to(address: str, before: str | None, page: int) -> Iterator[Notice]:
    """Notices of the residents' index under ``address`` in list order, after ``before``."""
    return _newest(Notice.by_audience, f"NOTICES#A#{address}", before, page)


def due_for_expiry(now: str, limit: int) -> list[Notice]:
    """Notices still in the residents' index whose expiry is at or before ``now``."""
    index = Notice.by_expiry
    return list(index.query(EXPIRY_PARTITION, sort_key(index) < f"{now}$", limit=limit,
                            page_size=limit))


def withdraw(notice: Notice) -> bool:
    """Take an expired notice out of the residents' index (and the expiry index); False when
    another run did already."""
    try:
        Notice(*notice_key(notice.notice_id)).update(
            actions=[Notice.gsi2pk.remove(), Notice.gsi2sk.remove(), Notice.gsi3pk.remove(),
                     Notice.gsi3sk.remove()],
            condition=Notice.gsi3pk.exists())
    except UpdateError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def record_read(notice: Notice, user_id: str, at: str) -> bool:
    """The person's first read of the notice, counted in the same transaction; False when
    they had read it already."""
    read = NoticeRead(notice_key(notice.notice_id)[0], f"READ#{user_id}",
                      notice_id=notice.notice_id, community_id=notice.community_id,
                      user_id=user_id, at=at, gsi1pk=f"NOTICE_READS#{user_id}",
                      gsi1sk=f"{at}#{notice.notice_id}")
    try:
        with transaction() as tx:
            tx.save(read, condition=NoticeRead.pk.does_not_exist())
            tx.update(Notice(*notice_key(notice.notice_id)),
                      actions=[Notice.read_count.add(1)], condition=Notice.pk.exists())
    except TransactWriteError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def reads_by(user_id: str) -> Iterator[NoticeRead]:
    return iter(NoticeRead.by_reader.query(f"NOTICE_READS#{user_id}"))


def delete_reads(reads: Sequence[NoticeRead]) -> int:
    with NoticeRead.batch_write() as batch:
        for read in reads:
            batch.delete(read)
    return len(reads)
