"""Run a command and record its wall-clock seconds in a JSON file; with --log, also keep its
output (as it prints it) in a log file. With --skip-done PATH, do nothing if PATH exists and the
JSON file records this very command, SPACY_CONFIG_OVERRIDES and --dep checksums (weasel's) as
finished: the project's profiles share the `train` command, so weasel's own record of it names
only the last profile that trained.

  timed.py OUT.json [--log LOG] [--skip-done PATH --dep PATH ...] -- CMD..."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from weasel.util import get_checksum


def option_values(options: list, name: str) -> list:
    return [value for option, value in zip(options, options[1:]) if option == name]


def finished_before(record_file: Path, identity: dict) -> bool:
    try:
        record = json.loads(record_file.read_text())
    except (OSError, ValueError):
        return False
    return record.get("exit_code") == 0 and all(record.get(key) == value for key, value in identity.items())


if __name__ == "__main__":
    out, command = Path(sys.argv[1]), sys.argv[sys.argv.index("--") + 1 :]
    options = sys.argv[2 : sys.argv.index("--")]
    log = next((Path(v) for v in option_values(options, "--log")), None)
    done = next((Path(v) for v in option_values(options, "--skip-done")), None)
    overrides = os.environ.get("SPACY_CONFIG_OVERRIDES", "")
    identity = {"command": command, "config_overrides": overrides or None,
                "dep_checksums": {dep: get_checksum(dep) for dep in option_values(options, "--dep")} or None}
    if done is not None and done.exists() and finished_before(out, identity):
        print(f"{done}: made by this command, with these inputs, before ({out}); remove {out} to run it again")
        sys.exit(0)
    started = time.time()
    if log is None:
        code = subprocess.call(command)
    else:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "w", encoding="utf8") as stream:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
            for line in process.stdout:
                sys.stdout.write(line)
                stream.write(line)
            code = process.wait()
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {"command": command, "seconds": round(time.time() - started, 1), "exit_code": code}
    # spaCy applies the overrides over the command's own; the checksums say what it trained on
    record.update({key: value for key, value in identity.items() if key != "command" and value})
    out.write_text(json.dumps(record))
    sys.exit(code)
