"""Run a command and record its wall-clock seconds in a JSON file; with --log, also keep its
output (as it prints it) in a log file: timed.py OUT.json [--log LOG] -- CMD..."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

if __name__ == "__main__":
    out, command = Path(sys.argv[1]), sys.argv[sys.argv.index("--") + 1 :]
    options = sys.argv[2 : sys.argv.index("--")]
    log = Path(options[options.index("--log") + 1]) if "--log" in options else None
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
    if os.environ.get("SPACY_CONFIG_OVERRIDES"):  # spaCy applies these over the command's own
        record["config_overrides"] = os.environ["SPACY_CONFIG_OVERRIDES"]
    out.write_text(json.dumps(record))
    sys.exit(code)
