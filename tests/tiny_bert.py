"""A tiny random BERT with its own vocabulary, written to disk by the test: no download."""
import string
from pathlib import Path

WORDS = (
    "the of and in with a to was is were patients mice gene protein disease cancer cells "
    "expression mutation treatment aspirin insulin diabetes mellitus type ii brca1 tp53 "
    "hela human mouse rat line cell deficiency growth hormone induced by cause causes loss "
    "variant p53 breast tumor tumour syndrome acid chloride sodium channel"
).split()


def build_tiny_bert(path: Path, max_positions: int = 64) -> Path:
    from transformers import BertConfig, BertModel, BertTokenizerFast

    path.mkdir(parents=True, exist_ok=True)
    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars + ["##" + c for c in chars] + WORDS
    (path / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)) + "\n", encoding="utf8")
    tokenizer = BertTokenizerFast(str(path / "vocab.txt"), do_lower_case=True, model_max_length=max_positions)
    tokenizer.save_pretrained(str(path))
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=max_positions,
    )
    import torch

    with torch.random.fork_rng():  # the same weights whatever ran before: tests do not depend on their order
        torch.manual_seed(0)
        model = BertModel(config)
    model.save_pretrained(str(path))
    return path
