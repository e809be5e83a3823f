"""Run a command and record its wall-clock seconds in a JSON file: timed.py OUT.json -- CMD..."""
import json
import subprocess
import sys
import time
from pathlib import Path

if __name__ == "__main__":
    out, command = Path(sys.argv[1]), sys.argv[sys.argv.index("--") + 1 :]
    started = time.time()
    code = subprocess.call(command)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"command": command, "seconds": round(time.time() - started, 1), "exit_code": code}))
    sys.exit(code)
