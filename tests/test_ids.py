"""Random identifiers read ahead from the OS (adapter.ids): never twice, not across a fork, not across threads."""

from __future__ import annotations

import os
import re
import threading
import uuid

import pytest

from adapter.ids import random_bytes, uuid4_hex


def test_ids_are_version_4_uuids_in_hex_and_never_repeat_across_refills() -> None:
    ids = [uuid4_hex() for _ in range(1000)]  # about four reads of the OS's generator
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) and uuid.UUID(i).version == 4 for i in ids)
    assert len(set(ids)) == len(ids)
    assert len(random_bytes(4096)) == 4096


# Python 3.12 warns about fork() in a process with threads (the test process may have some): the child only writes.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_does_not_hand_out_the_parent_s_next_bytes() -> None:
    uuid4_hex()  # the parent has bytes read ahead
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's side
        os.write(write, random_bytes(16))
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    theirs = os.read(read, 16)
    os.close(read)
    assert len(theirs) == 16 and theirs != random_bytes(16)


def test_threads_read_their_own_bytes() -> None:
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.extend(uuid4_hex() for _ in range(300))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1200
