"""scripts/adapt_encoder.py on the tiny BERT: a few MLM steps on a corpus file, dev documents
left out, and the saved folder is an encoder the config helper accepts."""
import json
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

from spacy.tokens import DocBin

from spacy_aioner.encoders import offline_minilm
from spacy_aioner.tokenizer import blank_biomedical
from tests.conftest import corpus_file, pubtator_blocks
from tests.tiny_bert import build_tiny_bert

ROOT = Path(__file__).resolve().parents[2]


def small_corpus(tmp_path: Path) -> Tuple[Path, List[str]]:
    """A corpus folder with the first six BioRED documents; their PubTator blocks."""
    corpus = tmp_path / "corpora"
    corpus.mkdir()
    blocks = pubtator_blocks(corpus_file("pubtator", "BioRED_TrainDev.PubTator"), range(6))
    (corpus / "BioRED_TrainDev.PubTator").write_text("\n".join(blocks), encoding="utf8")
    return corpus, blocks


def adapt(corpus: Path, out: Path, bert: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts/adapt_encoder.py"), str(corpus), str(out), "--encoder", str(bert),
         "--batch-size", "4", "--length", "32", *options], capture_output=True, text=True, cwd=ROOT)


def test_a_few_mlm_steps_give_an_encoder_folder(tmp_path):
    corpus, blocks = small_corpus(tmp_path)
    nlp = blank_biomedical()
    dev = nlp.make_doc("held out")
    dev._.aioner_doc_id = blocks[0].split("|")[0]
    DocBin(docs=[dev], store_user_data=True).to_disk(tmp_path / "dev.spacy")
    out = tmp_path / "adapted"
    result = adapt(corpus, out, build_tiny_bert(tmp_path / "bert"), "--exclude", str(tmp_path / "dev.spacy"),
                   "--steps", "3")
    assert result.returncode == 0, result.stderr[-2000:]
    log = json.loads((out / "adapt_log.json").read_text())
    assert log["texts"] == 5 and log["steps"] == 3 and log["log"][-1]["step"] == 3  # one of six held out
    assert offline_minilm(str(out)) == str(out.resolve())
    assert (out / "config.json").exists() and (out / "tokenizer.json").exists()


def test_a_run_stopped_and_rerun_ends_with_the_weights_of_one_run(tmp_path):
    import torch
    from transformers import BertForMaskedLM

    corpus, _ = small_corpus(tmp_path)
    bert = build_tiny_bert(tmp_path / "bert")
    whole, split = tmp_path / "whole", tmp_path / "split"
    assert adapt(corpus, whole, bert, "--steps", "4").returncode == 0
    first = adapt(corpus, split, bert, "--steps", "4", "--stop-at", "2")
    assert first.returncode == 0 and "stopped after step 2 of 4" in first.stdout
    assert (split / "checkpoint.pt").exists() and not (split / "config.json").exists()
    changed = adapt(corpus, split, bert, "--steps", "4", "--learn-rate", "1e-4")
    assert changed.returncode != 0 and "other settings" in changed.stderr and "learn_rate" in changed.stderr
    second = adapt(corpus, split, bert, "--steps", "4")
    assert second.returncode == 0 and "resuming from" in second.stdout and "at step 2" in second.stdout
    assert not (split / "checkpoint.pt").exists()
    a, b = BertForMaskedLM.from_pretrained(whole).state_dict(), BertForMaskedLM.from_pretrained(split).state_dict()
    assert not torch.equal(a["bert.encoder.layer.0.output.dense.weight"],
                           BertForMaskedLM.from_pretrained(bert).state_dict()["bert.encoder.layer.0.output.dense.weight"])
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    logs = [json.loads((out / "adapt_log.json").read_text())["log"] for out in (whole, split)]
    assert [e["step"] for e in logs[1]] == [e["step"] for e in logs[0]] == [4]
    assert abs(logs[1][0]["loss"] - logs[0][0]["loss"]) < 1e-5  # the losses of steps 1-2 survived the stop


def test_the_loss_on_masked_positions_equals_the_full_heads(tmp_path):
    import importlib.util

    import torch
    from transformers import AutoTokenizer, BertForMaskedLM, DataCollatorForLanguageModeling

    spec = importlib.util.spec_from_file_location("adapt_encoder", ROOT / "scripts/adapt_encoder.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    bert = build_tiny_bert(tmp_path / "bert")
    tokenizer, model = AutoTokenizer.from_pretrained(bert), BertForMaskedLM.from_pretrained(bert).eval()
    torch.manual_seed(0)
    ids = tokenizer("the BRCA1 gene in breast cancer cells of mice " * 3)["input_ids"]
    batch = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.3)([{"input_ids": ids}] * 4)
    assert (batch["labels"] != -100).any() and (batch["labels"] == -100).any()
    with torch.no_grad():
        assert torch.allclose(script.masked_lm_loss(model, batch), model(**batch).loss, atol=1e-6)
