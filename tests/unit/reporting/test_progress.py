"""reporting/progress.py: the live bar on a simulated terminal (rich forced to draw into a
buffer, replayed by `tests.support.terminal`): rate and ETA, lines above it intact, a clean
end, nothing at all for a batch over before it would show."""

from __future__ import annotations

import io
import re
import threading
import time

from publish_action.redaction import Redactor
from publish_action.reporting import ConsoleReporter, RunResult, Status, Transfer
from publish_action.reporting.console import LogStream
from publish_action.reporting.progress import ProgressBar
from tests.support.terminal import screen
from tests.unit.reporting.harness import outcome

MB = 1_000_000
TERM = {"TERM": "xterm-256color"}


def bar_on(buffer: io.StringIO, **kwargs: float) -> ProgressBar:
    return ProgressBar(buffer, environ=TERM, width=110, show_after=0, refresh=50, **kwargs)


def feed(bar: ProgressBar, steps: int, *, seconds: float = 0.05) -> None:
    """Three files of 1 MB, the first sent at 5 MB/s (so the rate and ETA are known)."""
    for i in range(steps + 1):
        sent = min(i * seconds * 5 * MB, MB)
        bar.update(Transfer(3, 0, 3 * MB, int(sent), (("demo-1.0.tar.gz", int(sent), MB),)))
        time.sleep(seconds)


def test_the_bar_shows_bytes_rate_and_eta_of_the_whole_and_each_file() -> None:
    buffer = io.StringIO()
    bar = bar_on(buffer)
    feed(bar, 3)
    time.sleep(0.1)  # a redraw by rich's own thread
    shown = screen(buffer.getvalue())
    assert not shown.cursor_visible  # while drawing
    whole, row = shown.text[-2:]
    assert whole.startswith("uploading 0/3 file(s) ")
    assert re.search(r" 0\.[5-9]/3\.0 MB +[0-9.]+ MB/s ETA 0:00:0\d$", whole), whole
    assert row.startswith("  demo-1.0.tar.gz ")
    assert re.search(r" 0\.[5-9]/1\.0 MB +[0-9.]+ MB/s ETA 0:00:0\d$", row), row
    bar.stop()


def test_the_bar_ends_cleanly_leaving_only_the_lines_printed_above_it() -> None:
    buffer = io.StringIO()
    log = LogStream(buffer, buffer, bar=bar_on(buffer))
    console = ConsoleReporter(Redactor(), log=log)
    console.info("checked 1 project(s): 3 file(s) to upload, 0 already on the index")
    console.progress(Transfer(3, 0, 3 * MB, 0, (("demo-1.0.tar.gz", 0, MB),)))
    assert log.bar is not None and log.bar.showing
    console.file_done(outcome(Status.UPLOADED))
    console.warning("the index is slow", filename="demo-1.0.tar.gz")
    console.progress(Transfer(3, 1, 3 * MB, MB, ()))
    console.progress(Transfer(3, 3, 3 * MB, 3 * MB, (), over=True))
    console.finish(RunResult((outcome(Status.UPLOADED),), 0, 1.0))
    shown = screen(buffer.getvalue())
    assert shown.cursor_visible
    assert shown.text == [
        "checked 1 project(s): 3 file(s) to upload, 0 already on the index",
        "uploaded           demo-1.0.tar.gz  2.5 MB  0.50 s  5.0 MB/s",
        "warning: demo-1.0.tar.gz: the index is slow",
        "1 uploaded in 1.00 s — ok",
    ]


def test_lines_from_many_threads_are_never_drawn_into_the_bar() -> None:
    buffer = io.StringIO()
    log = LogStream(buffer, buffer, bar=bar_on(buffer))
    console = ConsoleReporter(Redactor(), verbose=True, log=log)
    stop = threading.Event()

    def uploads() -> None:
        sent = 0
        while not stop.is_set():
            sent = (sent + 50_000) % MB
            console.progress(Transfer(3, 0, 3 * MB, sent, (("demo-1.0.tar.gz", sent, MB),)))
            time.sleep(0.005)

    feeder = threading.Thread(target=uploads)
    feeder.start()

    def lines(n: int) -> None:
        for i in range(60):
            console.debug(f"line {n}-{i}")

    writers = [threading.Thread(target=lines, args=(n,)) for n in range(3)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    stop.set()
    feeder.join()
    console.finish(RunResult((), 0, 0.1))
    shown = screen(buffer.getvalue())
    assert shown.cursor_visible
    expected = {f"  · line {n}-{i}" for n in range(3) for i in range(60)}
    assert set(shown.text[:-1]) == expected and len(shown.text) == 181
    assert shown.text[-1] == "nothing uploaded in 0.10 s — ok"


def test_a_batch_over_before_the_bar_would_show_draws_nothing() -> None:
    buffer = io.StringIO()
    bar = ProgressBar(buffer, environ=TERM, show_after=30)
    bar.update(Transfer(1, 0, MB, 0, (("demo-1.0.tar.gz", 0, MB),)))
    bar.update(Transfer(1, 1, MB, MB, ()))
    bar.update(Transfer(1, 1, MB, MB, (), over=True))
    assert not bar.showing
    assert buffer.getvalue() == ""


def test_a_retried_file_starts_its_row_again_but_the_whole_never_goes_back() -> None:
    buffer = io.StringIO()
    bar = bar_on(buffer)
    bar.update(Transfer(1, 0, MB, 600_000, (("demo-1.0.tar.gz", 600_000, MB),)))
    bar.update(Transfer(1, 0, MB, 100_000, (("demo-1.0.tar.gz", 100_000, MB),)))  # a retry
    time.sleep(0.05)
    whole, row = screen(buffer.getvalue()).text[-2:]
    assert " 0.6/1.0 MB " in whole
    assert " 0.1/1.0 MB " in row
    bar.update(Transfer(1, 1, MB, MB, (), over=True))
    assert screen(buffer.getvalue()).text == []


def test_file_names_are_shown_without_control_characters_and_cut_to_fit() -> None:
    buffer = io.StringIO()
    bar = bar_on(buffer)
    name = "evil\x1b[2J-" + "x" * 60 + ".tar.gz"
    bar.update(Transfer(1, 0, MB, 0, ((name, 0, MB),)))
    row = screen(buffer.getvalue()).text[-1]
    assert row.startswith("  evil\\x1b[2J-xxx") and "…" in row
    bar.stop()
    assert screen(buffer.getvalue()).cursor_visible


def test_without_a_bar_the_console_keeps_the_plain_in_flight_lines() -> None:
    out = io.StringIO()
    plain = ConsoleReporter(Redactor(), out=out, err=out)
    plain.progress(Transfer(1, 0, MB, 0, (("demo-1.0.tar.gz", 0, MB),)))  # nothing to draw
    plain.in_flight("demo-1.0.tar.gz", 500_000, MB, 12.0)
    assert out.getvalue() == (
        "uploading          demo-1.0.tar.gz  500.0 KB of 1.0 MB (50%) after 12 s\n"
    )
    buffer = io.StringIO()
    with_bar = ConsoleReporter(Redactor(), log=LogStream(buffer, buffer, bar=bar_on(buffer)))
    with_bar.in_flight("demo-1.0.tar.gz", 500_000, MB, 12.0)  # the bar shows it instead
    assert buffer.getvalue() == ""
