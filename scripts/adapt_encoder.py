"""Domain-adaptive pretraining (issue 47): continue the MiniLM's masked-language-model training
on the training corpora's own text (titles, abstracts, full texts; never a dev document), and
save an encoder folder that the configs take with
``--components.aioner_transformer.model.name.path FOLDER``.

  python scripts/adapt_encoder.py ../shared/corpora/pubtator encoders/minilm_bio \
      --exclude corpus/all/dev.spacy --exclude corpus/all/dev --steps 2000

Text is cut into windows of `--length` wordpieces; 15 % of them masked (BERT's 80/10/10).
The MiniLM ships without its MLM head, so the head starts fresh (its output layer is tied to
the word embeddings). The head scores only the masked positions, not the whole vocabulary at
every position. The loss per 100 steps is written to OUTPUT/adapt_log.json.

The state (weights, optimizer, schedule, random generators) is saved to OUTPUT/checkpoint.pt every
`--checkpoint-every` steps; rerunning the same command goes on from there, so an interrupted run
loses at most that many steps (`--stop-at N` ends a run after step N on purpose).
"""
import json
import random
import time
from pathlib import Path
from typing import List, Optional, Tuple

import typer

from spacy_aioner.corpora.doc_ids import docbin_doc_ids
from spacy_aioner.corpora.formats import read_corpus
from spacy_aioner.corpora.manifest import DEFAULT_MANIFEST, load_manifest
from spacy_aioner.encoders import minilm_path
from spacy_aioner.scheme import AIO


def corpus_texts(corpus_dir: Path, exclude_ids: set, manifest: Path) -> List[str]:
    """Each training document's text once (a file listed twice in the manifest is read once)."""
    texts, seen = [], set()
    for entry in load_manifest(manifest, AIO):
        path = corpus_dir / entry.file
        if entry.file in seen or not path.exists():
            continue
        seen.add(entry.file)
        texts += [" ".join(p.text for p in doc.passages) for doc in read_corpus(path, lenient=True)
                  if doc.id not in exclude_ids]
    return texts


def masked_lm_loss(model, batch):
    """The masked-LM loss of a BertForMaskedLM on a collated batch, with the head applied to the
    masked positions only (the same value as ``model(**batch).loss``, at a fraction of the cost)."""
    import torch.nn.functional as F

    hidden = model.bert(input_ids=batch["input_ids"], attention_mask=batch.get("attention_mask")).last_hidden_state
    masked = batch["labels"] != -100
    return F.cross_entropy(model.cls(hidden[masked]), batch["labels"][masked])


def save_checkpoint(path: Path, state: dict) -> None:
    """Save `state` to `path` through a temporary file, so a kill never leaves half a checkpoint."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path.with_suffix(".tmp"))
    path.with_suffix(".tmp").replace(path)


def resume(path: Path, settings: dict, model, optimizer, schedule) -> Tuple[list, list, int, float]:
    """Load the checkpoint at `path`, if any, into the model, optimizer, schedule and random
    generators; return (log, losses since the last log line, steps done, seconds spent)."""
    import torch

    if not path.exists():
        return [], [], 0, 0.0
    state = torch.load(path, weights_only=False)
    if state["settings"] != settings:
        changed = {k: (state["settings"].get(k), v) for k, v in settings.items() if state["settings"].get(k) != v}
        raise typer.BadParameter(f"{path} was saved by a run with other settings (saved, now): {changed}; "
                                 "rerun with the same ones, or delete it to start over")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    schedule.load_state_dict(state["schedule"])
    random.setstate(state["python_rng"])
    torch.set_rng_state(state["torch_rng"])
    typer.echo(f"resuming from {path} at step {state['step']}")
    return state["log"], state["losses"], state["step"], state["seconds"]


def main(
    corpus_dir: Path, output: Path,
    exclude: List[Path] = typer.Option([], help="DocBins (or folders) whose documents are not read"),
    encoder: Optional[Path] = typer.Option(None, help="Start from this folder (default: the offline MiniLM)"),
    steps: int = typer.Option(2000), batch_size: int = typer.Option(16), length: int = typer.Option(128),
    learn_rate: float = typer.Option(5e-5), seed: int = typer.Option(0),
    manifest: Path = typer.Option(DEFAULT_MANIFEST),
    checkpoint_every: int = typer.Option(100, min=1, help="Save OUTPUT/checkpoint.pt every this many steps"),
    stop_at: Optional[int] = typer.Option(None, help="Stop after this step, checkpoint saved; rerun to go on"),
):
    import torch
    from transformers import AutoTokenizer, BertForMaskedLM, DataCollatorForLanguageModeling

    random.seed(seed)
    torch.manual_seed(seed)
    source = encoder or minilm_path()
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = BertForMaskedLM.from_pretrained(source)
    texts = corpus_texts(corpus_dir, docbin_doc_ids(exclude), manifest)
    ids = [i for text in texts for i in tokenizer(text, add_special_tokens=False)["input_ids"]]
    body = length - 2
    windows = [[tokenizer.cls_token_id, *ids[start:start + body], tokenizer.sep_token_id]
               for start in range(0, len(ids) - body, body)]
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learn_rate, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 100) * max(0.0, 1 - step / steps))
    settings = {"source": str(source), "steps": steps, "batch_size": batch_size, "length": length,
                "learn_rate": learn_rate, "seed": seed, "wordpieces": len(ids)}
    checkpoint = output / "checkpoint.pt"
    log, losses, first, seconds = resume(checkpoint, settings, model, optimizer, schedule)
    model.train()
    started = time.time() - seconds
    last = min(steps, stop_at) if stop_at is not None else steps
    for step in range(first, last):
        batch = collator([{"input_ids": w} for w in random.sample(windows, min(batch_size, len(windows)))])
        loss = masked_lm_loss(model, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        losses.append(loss.item())
        if (step + 1) % 100 == 0 or step + 1 == steps:
            log.append({"step": step + 1, "loss": sum(losses) / len(losses), "seconds": round(time.time() - started, 1)})
            typer.echo(f"step {step + 1}: loss {log[-1]['loss']:.3f}")
            losses = []
        if step + 1 < steps and ((step + 1) % checkpoint_every == 0 or step + 1 == last):
            save_checkpoint(checkpoint, {
                "settings": settings, "step": step + 1, "log": log, "losses": losses, "seconds": time.time() - started,
                "model": model.state_dict(), "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                "python_rng": random.getstate(), "torch_rng": torch.get_rng_state()})
    if last < steps:
        typer.echo(f"stopped after step {last} of {steps}; {checkpoint} keeps the state, rerun to go on")
        return
    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output)
    tokenizer.save_pretrained(output)
    (output / "adapt_log.json").write_text(json.dumps({
        "texts": len(texts), "wordpieces": len(ids), "windows": len(windows), "steps": steps,
        "batch_size": batch_size, "length": length, "learn_rate": learn_rate, "log": log}, indent=1))
    checkpoint.unlink(missing_ok=True)
    typer.echo(f"{len(texts)} texts, {len(windows)} windows, {steps} steps -> {output}")


if __name__ == "__main__":
    typer.run(main)
