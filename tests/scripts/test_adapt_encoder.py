"""scripts/adapt_encoder.py on the tiny BERT: a few MLM steps on a corpus file, dev documents
left out, and the saved folder is an encoder the config helper accepts."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from spacy.tokens import DocBin

from spacy_aioner.encoders import offline_minilm
from spacy_aioner.tokenizer import blank_biomedical
from tests.conftest import corpus_file, pubtator_blocks
from tests.tiny_bert import build_tiny_bert

ROOT = Path(__file__).resolve().parents[2]


def test_a_few_mlm_steps_give_an_encoder_folder(tmp_path):
    biored = corpus_file("pubtator", "BioRED_TrainDev.PubTator")
    corpus = tmp_path / "corpora"
    corpus.mkdir()
    blocks = pubtator_blocks(biored, range(6))
    (corpus / "BioRED_TrainDev.PubTator").write_text("\n".join(blocks), encoding="utf8")
    nlp = blank_biomedical()
    dev = nlp.make_doc("held out")
    dev._.aioner_doc_id = blocks[0].split("|")[0]
    DocBin(docs=[dev], store_user_data=True).to_disk(tmp_path / "dev.spacy")
    out = tmp_path / "adapted"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/adapt_encoder.py"), str(corpus), str(out), "--exclude",
         str(tmp_path / "dev.spacy"), "--encoder", str(build_tiny_bert(tmp_path / "bert")), "--steps", "3",
         "--batch-size", "4", "--length", "32"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    log = json.loads((out / "adapt_log.json").read_text())
    assert log["texts"] == 5 and log["steps"] == 3 and log["log"][-1]["step"] == 3  # one of six held out
    assert offline_minilm(str(out)) == str(out.resolve())
    with pytest.raises(FileNotFoundError, match="not a Hugging Face encoder folder"):
        offline_minilm(str(tmp_path))


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
