"""Seconds per masked-LM step of scripts/adapt_encoder.py on the offline MiniLM, with the head
applied to the masked positions only (the script's way) or to every position (the way of
``BertForMaskedLM(**batch).loss``). Both take the same random windows of wordpieces and the
same update; run the two as whole processes and compare, e.g. with /usr/bin/time -v:

    python bench/mlm_step.py --head masked --steps 10
    python bench/mlm_step.py --head full --steps 10
"""
import importlib.util
import time
from pathlib import Path

import torch
import typer
from transformers import AutoTokenizer, BertForMaskedLM, DataCollatorForLanguageModeling

from spacy_aioner.encoders import minilm_path

ROOT = Path(__file__).resolve().parents[1]


def main(head: str = typer.Option("masked", help="masked or full"), steps: int = typer.Option(10),
         batch_size: int = typer.Option(16), length: int = typer.Option(128)):
    spec = importlib.util.spec_from_file_location("adapt_encoder", ROOT / "scripts/adapt_encoder.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(minilm_path())
    model = BertForMaskedLM.from_pretrained(minilm_path()).train()
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15)
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
    windows = torch.randint(1000, tokenizer.vocab_size, (batch_size, length)).tolist()
    started = time.perf_counter()
    for _ in range(steps):
        batch = collator([{"input_ids": w} for w in windows])
        loss = script.masked_lm_loss(model, batch) if head == "masked" else model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    typer.echo(f"{head}: {(time.perf_counter() - started) / steps:.3f} s per step")


if __name__ == "__main__":
    typer.run(main)
