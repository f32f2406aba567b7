"""Making the next batch of an import while the last one is written.

``made_in_child_process`` makes the items in a forked child process, on another core,
and hands them over pickled; a thread here (``read_ahead``) unpickles the next one while
the caller works. A thread alone would not do: the writing side is Python too (the
values it sends to the database), and a thread reading the file beside it took half of
its turns of the interpreter lock. The thread only waits on the pipe and unpickles.

The child must not use the database: it shares the caller's connection, which it must
never touch.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import queue
import sys
import threading
import traceback
from collections.abc import Callable, Iterator

_END = object()


def read_ahead(items: Iterator, on_stop: Callable[[], None] = lambda: None) -> Iterator:
    """``items``, each made in a thread of its own while the caller uses the one before.

    The queue holds one item: at most three are in memory (the caller's, the one waiting,
    the one being made), not the file. An exception in the thread is raised here, in the
    caller; a caller that stops early stops the thread before returning (``on_stop`` is
    called first, to end what the thread may be waiting for).
    """
    handoff: queue.Queue = queue.Queue(maxsize=1)
    stopped = threading.Event()

    def offer(item) -> bool:
        while not stopped.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for item in items:
                if not offer((item, None)):
                    return
            offer((_END, None))
        except BaseException as error:  # noqa: BLE001 - handed to the caller, raised there
            offer((_END, error))

    thread = threading.Thread(target=produce, name="import-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = handoff.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stopped.set()
        on_stop()
        thread.join()


class ReadingProcessLost(RuntimeError):
    """The child process making the items ended without saying why (killed, say)."""


def can_fork() -> bool:
    """Whether ``made_in_child_process`` can run here. Not on macOS, whose system
    libraries are not safe to fork (why Python starts processes there another way)."""
    return sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()


def made_in_child_process(items: Iterator) -> Iterator:
    """``items``, made in a forked child process while the caller uses the one before.

    The child starts as a copy of this process, so ``items`` may be any iterator, a
    generator over an open file included (not standard input, which multiprocessing
    closes in the child); from then on it is the child's alone (its changes to shared
    objects stay in the child). Each item crosses a pipe pickled and is unpickled by a
    thread here, ahead of the caller. The pipe and the thread's queue bound what is held:
    about four items, not the file.

    An exception in the child is raised here with the child's traceback as a note. A
    caller that stops early, or closes this generator, ends the child first. Only where
    ``fork`` exists (``can_fork``); the child must not use the database.
    """
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_send_each, args=(items, sending, receiving),
                            name="import-reader", daemon=True)
    # Everything alive now is the parent's: frozen, the child's garbage collector never
    # frees it, so never closes, say, a database connection of the parent's that only a
    # reference cycle still holds.
    gc.freeze()
    try:
        child.start()
    finally:
        gc.unfreeze()
    sending.close()  # the child's copy stays open: the pipe ends when the child ends

    def stop_child():
        # Once the child is gone, a thread waiting on the pipe reads its end and stops.
        child.kill()
        child.join()

    try:
        yield from read_ahead(_received(receiving, child), on_stop=stop_child)
    finally:
        receiving.close()


def _send_each(items: Iterator, sending, receiving) -> None:
    """In the child: send each item pickled, then the end or the error that stopped it."""
    # The reading end is the parent's: with the child's copy closed, a parent that dies
    # (killed, out of memory) breaks the pipe, and the child stops instead of waiting.
    receiving.close()
    # The child is ahead of the writer, which waits on the database: give the writer (and,
    # on one machine, the database server) the processors first.
    os.nice(5)
    try:
        for item in items:
            sending.send_bytes(pickle.dumps(("item", item), pickle.HIGHEST_PROTOCOL))
        error = None
    except BaseException as stopped:  # noqa: BLE001 - sent to the parent, raised there
        stopped.add_note("In the reading process:\n" + traceback.format_exc())
        error = stopped
    sending.send_bytes(_last_message(error))
    sending.close()


def _last_message(error: BaseException | None) -> bytes:
    """The end, or ``error`` pickled so that the parent can unpickle it, else its text."""
    if error is None:
        return pickle.dumps(("end", None))
    try:
        message = pickle.dumps(("error", error), pickle.HIGHEST_PROTOCOL)
        pickle.loads(message)  # some errors pickle but cannot be rebuilt (their __init__
        return message         # takes other arguments than they keep)
    except Exception:  # noqa: BLE001 - then the parent gets the text
        text = "".join(traceback.format_exception(error))
        return pickle.dumps(("error", ReadingProcessLost(text)))


def _received(receiving, child) -> Iterator:
    while True:
        try:
            kind, value = pickle.loads(receiving.recv_bytes())
        except (EOFError, OSError):
            child.join()
            raise ReadingProcessLost(
                f"The process reading the file ended unexpectedly (exit code "
                f"{child.exitcode}); the batches before it were written.") from None
        if kind == "end":
            return
        if kind == "error":
            raise value
        yield value
