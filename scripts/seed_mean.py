"""Average paired-bootstrap reports (one per seed) of the same A − B comparison:
seed_mean.py OUT.json REPORT.json... (each REPORT from scripts/significance.py)."""
import json
import sys
from pathlib import Path

from numpy import mean

if __name__ == "__main__":
    out, reports = Path(sys.argv[1]), [json.loads(Path(path).read_text()) for path in sys.argv[2:]]
    summary = {
        "reports": sys.argv[2:],
        **{key: float(mean([report[key] for report in reports])) for key in ("f1_a", "f1_b", "difference")},
    }
    out.write_text(json.dumps(summary, indent=2))
    print(f"mean over {len(reports)} seeds: F1 {100 * summary['f1_a']:.2f} − {100 * summary['f1_b']:.2f} "
          f"= {100 * summary['difference']:+.2f}")
