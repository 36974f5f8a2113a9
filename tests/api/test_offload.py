"""api.offload: CPU-heavy work in a forked child that converses over a pipe, closes every
descriptor it inherited (database, listening socket), reports failures by type only, and dies
when the conversation ends."""

from __future__ import annotations

import os
import socket
import threading
import time
from multiprocessing.connection import Connection

import pytest

from api.offload import CHILD_NICENESS, OffloadError, can_fork, forked

pytestmark = pytest.mark.skipif(not can_fork(), reason="no fork on this platform")


def _echo_twice(conn: Connection) -> None:
    conn.send("ready")
    question = conn.recv()
    conn.send(question * 2)


def test_a_child_converses_with_its_parent() -> None:
    with forked(_echo_twice) as child:
        assert child.recv() == "ready"
        child.send(21)
        assert list(child.messages()) == [42]


def test_a_childs_failure_names_the_type_not_the_message() -> None:
    def work(_conn: Connection) -> None:
        raise ValueError("Rahima Khatun 01711-000000")

    with forked(work) as child, pytest.raises(OffloadError) as caught:
        list(child.messages())
    assert "ValueError" in str(caught.value)
    assert "Rahima" not in str(caught.value)


def _wait_long(conn: Connection) -> None:
    conn.send(os.getpid())
    time.sleep(60)


def test_a_killed_child_is_an_error_not_a_hang() -> None:
    with forked(_wait_long) as child:
        pid = child.recv()
        os.kill(pid, 9)
        with pytest.raises(OffloadError):
            child.recv()


def test_the_child_keeps_no_inherited_descriptor(tmp_path: object) -> None:
    """The server's listening socket and database files stay the parent's alone: a child
    still running never keeps a port bound or a database file open."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    db = open(os.devnull, "rb")  # noqa: SIM115 - kept open across the fork on purpose

    def work(conn: Connection) -> None:
        alive = []
        for fd in (listener.fileno(), db.fileno()):
            try:
                os.fstat(fd)
                alive.append(fd)
            except OSError:
                pass
        conn.send(alive)

    try:
        with forked(work) as child:
            assert list(child.messages()) == [[]]
    finally:
        listener.close()
        db.close()


def test_leaving_the_block_ends_an_unfinished_child() -> None:
    with forked(_wait_long) as child:
        pid = child.recv()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped


def test_the_fork_happens_under_the_given_lock() -> None:
    """A writer holding the lock delays the fork, so the child never sees half a change."""
    lock = threading.Lock()
    state = {"value": 0}

    def writer() -> None:
        with lock:
            state["value"] = 1
            time.sleep(0.3)
            state["value"] = 2

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(0.05)

    def work(conn: Connection) -> None:
        conn.send(state["value"])

    with forked(work, hold=lock) as child:
        assert list(child.messages()) == [2]
    thread.join()


def test_the_child_gives_way_to_the_server() -> None:
    """Background work runs at a lower priority than request handling."""

    def work(conn: Connection) -> None:
        conn.send(os.nice(0))

    with forked(work) as child:
        assert list(child.messages()) == [min(19, os.nice(0) + CHILD_NICENESS)]
