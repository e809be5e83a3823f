"""The configs that configs/variants.yml derives cannot drift from their base: every made config is
what scripts/make_configs.py makes now, and a change to the base is caught until they are made again."""
import shutil
import subprocess
import sys
from pathlib import Path

from thinc.api import Config

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts/make_configs.py"


def test_the_committed_configs_are_what_variants_make():
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_changed_base_is_caught_then_carried_to_every_config_made_from_it(tmp_path):
    folder = tmp_path / "configs"
    shutil.copytree(ROOT / "configs", folder)
    base = folder / "aioner_minilm.cfg"
    base.write_text(base.read_text().replace("window = 128", "window = 192"))
    check = subprocess.run([sys.executable, str(SCRIPT), "--check", "--folder", str(folder)], capture_output=True, text=True)
    assert check.returncode == 1
    # every config that keeps the base's encoder section; the two that source the encoder do not change
    assert "aioner_pubmedbert.cfg, aioner_bioformer.cfg, aioner_student.cfg, aioner_anem.cfg;" in check.stderr
    subprocess.run([sys.executable, str(SCRIPT), "--folder", str(folder)], check=True, capture_output=True)
    student = Config().from_disk(folder / "aioner_student.cfg", interpolate=False)
    assert student["components"]["aioner_transformer"]["model"]["get_spans"]["window"] == 192
    assert student["components"]["aioner_transformer"]["model"]["transformer_config"]["num_hidden_layers"] == 3
    finetune = Config().from_disk(folder / "aioner_anem_finetune.cfg", interpolate=False)
    assert finetune["components"]["aioner_transformer"] == {"source": "${paths.base_model}"}
    assert len(finetune["components"]["aioner"]["model"]["entity_types"]) == 11
