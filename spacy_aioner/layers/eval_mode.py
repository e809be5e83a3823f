"""Thread-safe inference for thinc's PyTorch shims.

thinc's ``PyTorchShim.predict`` switches the torch module to eval mode, runs it, then back to
training mode. With two threads on one pipeline, one thread's switch back turns dropout on in the
middle of the other's forward pass, and that thread's predictions change. ``begin_update`` switches
to training mode itself, so predict need not: here it leaves the module in eval mode.
"""
from types import MethodType

import torch
from thinc.api import ArgsKwargs, Model
from thinc.shims import PyTorchShim


def _predict_in_eval_mode(shim: PyTorchShim, inputs: ArgsKwargs):
    shim._model.eval()
    with torch.no_grad():
        with torch.autocast(device_type="cuda", enabled=shim._mixed_precision):
            return shim._model(*inputs.args, **inputs.kwargs)


def keep_eval_mode_in_predict(model: Model) -> Model:
    """Make every PyTorch shim of `model` (and its layers) predict without leaving eval mode."""
    for node in model.walk():
        for shim in node.shims:
            if isinstance(shim, PyTorchShim):
                shim.predict = MethodType(_predict_in_eval_mode, shim)
    return model
