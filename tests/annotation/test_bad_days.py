"""annotate on a bad day: wrong options, clashing and overlapping folders, dead runs,
signals, odd files. Each test reproduces a defect of issue 42 through the real CLI or API."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spacy_aioner.annotation.engines import LocalEngine
from spacy_aioner.annotation.job import annotate_files
from spacy_aioner.annotation.plan import AnnotateError, plan_run
from spacy_aioner.corpora.pubtator import read_pubtator
from tests.annotation.conftest import run_files

ABSTRACT = "{i}|t|BRCA1 mutations cause breast cancer in women.\n{i}|a|Aspirin induced diabetes in mice.\n\n"


def pubtator(n, start=1):
    return "".join(ABSTRACT.format(i=i) for i in range(start, start + n))


def cli(*args, timeout=180):
    """Run the annotate command; a hang fails the test through the timeout."""
    cmd = [sys.executable, "-m", "spacy_aioner", "annotate", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def error_lines(result):
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "in"
    path.mkdir()
    (path / "a.PubTator").write_text(pubtator(3), encoding="utf8")
    return path


def test_a_bad_task_with_workers_is_a_usage_error_not_a_hang(model, folder, tmp_path):
    result = cli(folder, "--model", model, "--task", "Foo", "--n-process", "2", "--output", tmp_path / "out")
    assert result.returncode == 2
    assert "'Foo' is not a task" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_a_missing_model_with_workers_is_one_line_exit_1(folder, tmp_path):
    result = cli(folder, "--model", tmp_path / "nonexistent", "--n-process", "2", "--output", tmp_path / "out")
    assert result.returncode == 1
    assert error_lines(result) == [f"Error: --model {tmp_path / 'nonexistent'}: no such pipeline folder or installed pipeline package"]


def test_a_worker_that_cannot_load_the_pipeline_stops_the_run(folder, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.cfg").write_text("[nlp]\nlang = \"xx-nonexistent\"\npipeline = []\n", encoding="utf8")
    result = cli(folder, "--model", broken, "--n-process", "2", "--output", tmp_path / "out")
    assert result.returncode == 1
    lines = error_lines(result)
    assert lines[-1].startswith("Error: a worker process could not start: cannot load the pipeline")
    assert "Traceback" not in result.stderr


def test_abort_leaves_no_pool_thread_behind(tmp_path):
    """A pool thread still running at exit can fail there ("OSError: [Errno 9] Bad file
    descriptor" after the one-line error, CPython gh-132969): abort must end it."""
    import threading
    from concurrent.futures.process import _ExecutorManagerThread

    from spacy_aioner.annotation.engines import WorkerError

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.cfg").write_text("[nlp]\nlang = \"xx-nonexistent\"\npipeline = []\n", encoding="utf8")
    engine = LocalEngine(str(broken), n_process=2)
    with pytest.raises(WorkerError, match="could not start"):
        list(engine([[]], "pubtator"))
    engine.abort()
    assert not [t for t in threading.enumerate() if isinstance(t, _ExecutorManagerThread)]


def test_a_pipeline_that_cannot_load_in_process_is_one_line(folder, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.cfg").write_text("not a config", encoding="utf8")
    result = cli(folder, "--model", broken, "--output", tmp_path / "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert error_lines(result)[-1].startswith(f"Error: cannot load the pipeline '{broken}'")


def test_an_unwritable_output_is_one_line_before_the_model_loads(folder, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    # the model does not exist either: the output folder is checked first
    result = cli(folder, "--model", tmp_path / "nonexistent", "--output", blocker / "out")
    assert result.returncode == 1
    lines = error_lines(result)
    assert len(lines) == 1 and lines[0].startswith(f"Error: --output {blocker / 'out'}: cannot write there")


def test_verbose_shows_the_traceback(folder, tmp_path):
    result = cli(folder, "--model", tmp_path / "nonexistent", "--output", tmp_path / "out", "--verbose")
    assert result.returncode == 1 and "Traceback" in result.stderr


def test_same_names_in_two_folders_are_refused_up_front(tmp_path):
    for name in ("dup1", "dup2"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "same.PubTator").write_text(pubtator(1), encoding="utf8")
    with pytest.raises(AnnotateError) as err:
        plan_run([tmp_path / "dup1", tmp_path / "dup2"], tmp_path / "out")
    assert "same.PubTator" in str(err.value) and str(tmp_path / "dup1") in str(err.value) and str(tmp_path / "dup2") in str(err.value)


def test_outputs_keep_the_input_paths_relative_to_the_folder(model, tmp_path):
    (tmp_path / "in" / "x").mkdir(parents=True)
    (tmp_path / "in" / "y").mkdir()
    (tmp_path / "in" / "x" / "same.PubTator").write_text(pubtator(1), encoding="utf8")
    (tmp_path / "in" / "y" / "same.PubTator").write_text(pubtator(2, start=5), encoding="utf8")
    engine = LocalEngine(model)
    summary = annotate_files([tmp_path / "in"], tmp_path / "out", engine)
    engine.close()
    assert summary.files_done == 2 and summary.documents == 3
    assert [d.id for d in read_pubtator(tmp_path / "out" / "x" / "same.PubTator")] == ["1"]
    assert [d.id for d in read_pubtator(tmp_path / "out" / "y" / "same.PubTator")] == ["5", "6"]


def test_an_output_folder_equal_to_or_inside_an_input_is_refused(folder):
    for output in (folder, folder / "out"):
        with pytest.raises(AnnotateError, match="inside it"):
            plan_run([folder], output)
    with pytest.raises(AnnotateError, match="holds the input file"):
        plan_run([folder / "a.PubTator"], folder)


def test_files_a_run_writes_are_never_inputs(model, folder, tmp_path):
    engine = LocalEngine(model)
    annotate_files([folder], tmp_path / "first", engine)
    (tmp_path / "first" / "a.PubTator.rejects.tsv").write_text("9\tValueError: x\n", encoding="utf8")
    (tmp_path / "first" / ".a.PubTator.tmp-1").write_text("", encoding="utf8")
    summary = annotate_files([tmp_path / "first"], tmp_path / "second", engine)  # annotate an output again
    engine.close()
    assert summary.files_done == 1 and not summary.files_failed
    assert sorted(os.path.basename(p) for p in summary.ignored_inputs) == [
        ".a.PubTator.source.json", ".a.PubTator.tmp-1", "a.PubTator.rejects.tsv", "summary.json"]


def test_a_byte_order_mark_is_removed_and_reported(model, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bom.PubTator").write_bytes(b"\xef\xbb\xbf" + pubtator(2).encode("utf8"))
    engine = LocalEngine(model)
    summary = annotate_files([tmp_path / "in"], tmp_path / "out", engine)
    engine.close()
    assert summary.files_done == 1 and summary.documents == 2
    assert [d.id for d in read_pubtator(tmp_path / "out" / "bom.PubTator")] == ["1", "2"]
    assert summary.to_dict()["warnings"] == {str(tmp_path / "in" / "bom.PubTator"): ["a UTF-8 byte order mark at the start was removed"]}


def test_a_rerun_removes_the_temporaries_of_dead_runs(model, folder, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "out"
    out.mkdir()
    leftovers = [out / f".a.PubTator.tmp-{dead.pid}", out / f".a.PubTator.rejects.tmp-{dead.pid}"]
    for path in leftovers:
        path.write_text("", encoding="utf8")
    alive = out / f".b.PubTator.tmp-{os.getppid()}"  # a live process's temporary stays
    alive.write_text("", encoding="utf8")
    engine = LocalEngine(model)
    summary = annotate_files([folder], out, engine)
    engine.close()
    assert sorted(summary.removed_temporaries) == sorted(map(str, leftovers))
    assert not any(path.exists() for path in leftovers) and alive.exists()


def test_a_file_failing_midway_adds_nothing_to_the_totals(model, tmp_path):
    (tmp_path / "in").mkdir()
    bad = pubtator(3) + "4\t0\t5\tBRCA1\tGene\n\n"  # a mention line with no document, after 3 good ones
    (tmp_path / "in" / "bad.PubTator").write_text(bad, encoding="utf8")
    (tmp_path / "in" / "good.PubTator").write_text(pubtator(2, start=10), encoding="utf8")
    engine = LocalEngine(model)
    summary = annotate_files([tmp_path / "in"], tmp_path / "out", engine, batch_size=1)
    engine.close()
    assert list(summary.files_failed) == [str(tmp_path / "in" / "bad.PubTator")]
    assert "line 10" in summary.files_failed[str(tmp_path / "in" / "bad.PubTator")]
    assert summary.documents == 2 and summary.to_dict()["files"][str(tmp_path / "in" / "bad.PubTator")]["documents"] == 0
    assert not (tmp_path / "out" / "bad.PubTator").exists()


def test_a_resumed_run_reports_what_it_did_and_what_it_found_done(model, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.PubTator").write_text(pubtator(3), encoding="utf8")
    engine = LocalEngine(model)
    first = annotate_files([tmp_path / "in"], tmp_path / "out", engine)
    (tmp_path / "in" / "b.PubTator").write_text(pubtator(2, start=10), encoding="utf8")
    second = annotate_files([tmp_path / "in"], tmp_path / "out", engine)
    engine.close()
    files = second.to_dict()["files"]
    a, b = str(tmp_path / "in" / "a.PubTator"), str(tmp_path / "in" / "b.PubTator")
    assert files[a]["status"] == "already done" and files[b]["status"] == "done"
    assert files[a]["documents"] == 3 and files[a]["mentions"] == dict(first.mentions)
    assert second.documents == 5 and second.documents_this_run == 2
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["files"][a]["status"] == "already done"


def test_an_empty_input_file_is_a_warning(model, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.PubTator").write_text("", encoding="utf8")
    engine = LocalEngine(model)
    summary = annotate_files([tmp_path / "in"], tmp_path / "out", engine)
    engine.close()
    assert summary.to_dict()["warnings"] == {str(tmp_path / "in" / "empty.PubTator"): ["no documents: the output is empty"]}


def test_sigterm_stops_cleanly_and_the_rerun_resumes(model, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a_small.PubTator").write_text(pubtator(2), encoding="utf8")
    (tmp_path / "in" / "b_large.PubTator").write_text(pubtator(3000, start=100), encoding="utf8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "spacy_aioner", "annotate", str(tmp_path / "in"), "--model", model,
           "--output", str(out), "--batch-size", "1"]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not any(p.name.startswith(".b_large") for p in out.glob(".*")) and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, stderr[-2000:]
    assert "Stopped by SIGTERM" in stderr and "Traceback" not in stderr
    left = run_files(out)
    assert [name for name in left if not name.startswith(".")] == ["a_small.PubTator", "summary.json"]
    parts = [name for name in left if name.startswith(".b_large.PubTator.part-")]
    assert not [name for name in left if ".tmp-" in name]  # no temporary left, only finished parts
    assert json.loads((out / "summary.json").read_text())["interrupted"].startswith("Stopped")
    rerun = subprocess.run(cmd[:-2] + ["--batch-size", "64"], capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    summary = json.loads(rerun.stdout)
    assert summary["files_already_done"] == 1 and summary["files_done"] == 1 and summary["documents"] == 3002
    assert summary["documents_this_run"] == 3000 - 1000 * len(parts)  # resumed from the finished parts
    assert run_files(out) == ["a_small.PubTator", "b_large.PubTator", "summary.json"]


def test_workers_end_when_the_parent_is_killed(model, tmp_path):
    """Issue 61 (4): after SIGKILL of annotate, its spawned workers lived on under init."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "large.PubTator").write_text(pubtator(3000), encoding="utf8")
    cmd = [sys.executable, "-m", "spacy_aioner", "annotate", str(tmp_path / "in"), "--model", model,
           "--output", str(tmp_path / "out"), "--batch-size", "1", "--n-process", "2"]
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 180
    workers = []
    while len(workers) < 2 and time.time() < deadline:
        time.sleep(0.5)
        workers = [pid for pid in children(process.pid) if "spawn_main" in cmdline(pid)]
    assert len(workers) == 2, "the workers did not start"
    while not any((tmp_path / "out").glob(".large*")) and time.time() < deadline:
        time.sleep(0.5)  # the workers are annotating
    process.kill()
    process.wait()
    deadline = time.time() + 30
    while any(alive(pid) for pid in workers) and time.time() < deadline:
        time.sleep(0.5)
    assert not [pid for pid in workers if alive(pid)]


def children(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def cmdline(pid):
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def alive(pid):
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_an_input_named_like_the_runs_own_files_is_refused(tmp_path):
    """Issue 61 (2): `summary.json` given as an input was annotated into out/summary.json,
    which the run summary then overwrote."""
    for name in ("summary.json", "a.rejects.tsv"):
        given = tmp_path / name
        given.write_text(pubtator(1), encoding="utf8")
        with pytest.raises(AnnotateError, match="would be overwritten by the run's own files"):
            plan_run([given], tmp_path / "out", input_format="pubtator")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "summary.json").write_text(pubtator(1), encoding="utf8")
    plan = plan_run([folder], tmp_path / "out2", input_format="pubtator")  # in a folder: listed as ignored
    assert plan.jobs == [] and plan.ignored == [str(folder / "summary.json")]


def test_symlinked_folders_are_walked_once_and_what_is_left_out_says_why(tmp_path):
    """Issue 61 (3): symlinked sub-folders were silently not walked, a loop silently skipped."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "linked.PubTator").write_text(pubtator(1), encoding="utf8")
    folder = tmp_path / "in"
    (folder / "real").mkdir(parents=True)
    (folder / "real" / "a.PubTator").write_text(pubtator(1), encoding="utf8")
    (folder / "link").symlink_to(outside, target_is_directory=True)
    (folder / "again").symlink_to(folder / "real", target_is_directory=True)
    (folder / "real" / "loop").symlink_to(folder, target_is_directory=True)
    (folder / "broken.PubTator").symlink_to(tmp_path / "missing.PubTator")
    plan = plan_run([folder], tmp_path / "out", input_format="pubtator")
    assert sorted(j.relative.as_posix() for j in plan.jobs) == ["link/linked.PubTator", "real/a.PubTator"]
    reasons = sorted(entry.split(" (", 1)[1].split(":")[0].rstrip(")") for entry in plan.ignored)
    assert reasons == ["broken symlink", "folder reached twice", "symlink loop"], plan.ignored


def test_a_summary_that_cannot_be_written_is_one_line_and_leaves_no_temporary(model, folder, tmp_path):
    """Issue 61 (5): an OSError (a full disk) writing summary.json gave a 50-line traceback and
    left a temporary."""
    out = tmp_path / "out"
    (out / "summary.json").mkdir(parents=True)  # the summary's rename fails as on a full disk
    result = cli(folder, "--model", model, "--output", out)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert error_lines(result)[-1].startswith("Error: ") and "cannot write the run summary" in error_lines(result)[-1]
    assert run_files(out) == ["a.PubTator", "summary.json"]  # the output is kept (and no temporary)


def test_an_output_of_another_input_is_never_taken_for_done(model, tmp_path):
    """Issue 61 (1): `annotate A/ -o out` then `annotate B/ -o out`, both holding same.PubTator,
    reported B's file as already done with A's 3 documents (B has 6), exit 0."""
    for name, n in (("A", 3), ("B", 6)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "same.PubTator").write_text(pubtator(n), encoding="utf8")
    out = tmp_path / "out"
    assert cli(tmp_path / "A", "--model", model, "--output", out).returncode == 0
    written = (out / "same.PubTator").read_bytes()
    again = cli(tmp_path / "A", "--model", model, "--output", out)  # the same input: resumed, kept
    assert again.returncode == 0 and json.loads(again.stdout)["files_already_done"] == 1
    other = cli(tmp_path / "B", "--model", model, "--output", out)
    assert other.returncode == 1 and len(error_lines(other)) == 1
    assert f"was written from {(tmp_path / 'A' / 'same.PubTator').resolve()}" in other.stderr
    assert (out / "same.PubTator").read_bytes() == written
    settings = cli(tmp_path / "A", "--model", model, "--output", out, "--min-score", "0.5")
    assert settings.returncode == 1 and "was written with other settings" in settings.stderr
    (tmp_path / "A" / "same.PubTator").write_text(pubtator(4), encoding="utf8")  # the input changed since
    changed = cli(tmp_path / "A", "--model", model, "--output", out)
    assert changed.returncode == 1 and "was written from" in changed.stderr


def test_a_second_run_on_the_same_output_folder_is_refused(model, tmp_path):
    """Issue 61 (1): two runs at once on one output folder: one silently overwrote the other."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "large.PubTator").write_text(pubtator(3000), encoding="utf8")
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "spacy_aioner", "annotate", str(tmp_path / "in"), "--model", model,
                              "--output", str(out), "--batch-size", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while not (out / ".annotate.lock").exists() and time.time() < deadline:
            time.sleep(0.2)
        (tmp_path / "in2").mkdir()
        (tmp_path / "in2" / "other.PubTator").write_text(pubtator(1), encoding="utf8")
        second = cli(tmp_path / "in2", "--model", model, "--output", out)
        assert second.returncode == 1 and f"being written by another annotate run (PID {first.pid})" in second.stderr
    finally:
        first.kill()
        first.wait()
    (out / ".annotate.lock").write_text("999999999")  # a dead run's lock is taken over
    assert cli(tmp_path / "in2", "--model", model, "--output", out).returncode == 0
    assert not (out / ".annotate.lock").exists()
