#!/usr/bin/env python3
"""The peer of `automl train` for the training-throughput benchmark: the same network, built
from the same automl config (its layer list), trained by the same loop in PyTorch-Python on the
same LibTorch (Debian's python3-torch 1.13), with the same batch size, threads and data.

The loop mirrors src/dl/trainer.cc step for step: draw a batch by index from tensors held in
memory, forward, cross-entropy, loss.item() (the C++ loop checks it for NaN), backward, optimizer
step, and the accuracy count with .item(). Images/s is training examples over the time of the
training loop, validation excluded, as automl reports it.

Run with Debian's interpreter, which has torch: /usr/bin/python3 bench/train/pytorch_train.py
CONFIG.json [--epochs N] [--steps N] [--threads T]. Prints one JSON object.
"""
import argparse
import gzip
import json
import os
import struct
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, dims = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype == 0x08, path
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def find(directory, name):
    for candidate in (name + ".gz", name):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(os.path.join(directory, name))


def load(directory, train_size):
    images = read_idx(find(directory, "train-images-idx3-ubyte")).float().div_(255)
    labels = read_idx(find(directory, "train-labels-idx1-ubyte")).long()
    images, labels = images[:train_size], labels[:train_size]
    images = (images - images.mean()) / images.std()
    return images.unsqueeze(1).contiguous(), labels


ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "silu": nn.SiLU, "tanh": nn.Tanh,
               "sigmoid": nn.Sigmoid, "elu": nn.ELU, "relu6": nn.ReLU6,
               "leaky_relu": nn.LeakyReLU}


def build(layers, shape):
    """The subset of automl's layer kinds the benchmark configs use."""
    modules = []
    c, h, w = shape
    features = None
    for layer in layers:
        if "conv" in layer:
            k = layer.get("kernel", 3)
            pad = layer.get("padding", "same")
            pad = (k - 1) // 2 if pad == "same" else pad
            stride = layer.get("stride", 1)
            bn = layer.get("batchnorm", False)
            modules.append(nn.Conv2d(c, layer["conv"], k, stride, pad, bias=not bn))
            c = layer["conv"]
            h = (h + 2 * pad - k) // stride + 1
            w = (w + 2 * pad - k) // stride + 1
            if bn:
                modules.append(nn.BatchNorm2d(c))
        elif "maxpool" in layer or "avgpool" in layer:
            k = layer.get("maxpool", layer.get("avgpool"))
            pool = nn.MaxPool2d if "maxpool" in layer else nn.AvgPool2d
            modules.append(pool(k, layer.get("stride", k)))
            h, w = h // k, w // k
        elif "flatten" in layer:
            modules.append(nn.Flatten())
            features = c * h * w
        elif "linear" in layer:
            bn = layer.get("batchnorm", False)
            modules.append(nn.Linear(features, layer["linear"], bias=not bn))
            features = layer["linear"]
            if bn:
                modules.append(nn.BatchNorm1d(features))
        elif "dropout" in layer:
            modules.append(nn.Dropout(layer["dropout"]))
        elif "batchnorm" in layer:
            modules.append(nn.BatchNorm2d(c) if features is None else nn.BatchNorm1d(features))
        elif "activation" in layer:
            pass
        else:
            raise ValueError("layer not supported by the peer script: %r" % layer)
        if "activation" in layer and layer["activation"] != "none":
            modules.append(ACTIVATIONS[layer["activation"]]())
    return nn.Sequential(*modules)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()
    with open(args.config) as f:
        config = json.load(f)
    threads = args.threads or config.get("threads", 0)
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(config.get("seed", 0))
    batch_size = config.get("batch_size", 128)
    optimizer_config = config.get("optimizer", {"name": "adam", "lr": 1e-3})
    assert optimizer_config.get("name", "adam") == "adam", "the peer script runs Adam"

    train_size = 60000 - config.get("data", {}).get("validation_size", 5000)
    x, y = load(args.data, train_size)
    model = build(config["model"]["layers"], tuple(x.shape[1:]))
    optimizer = torch.optim.Adam(model.parameters(), lr=optimizer_config.get("lr", 1e-3))
    n = x.shape[0]
    steps_per_epoch = (n + batch_size - 1) // batch_size
    epochs = args.epochs or config.get("epochs", 1)
    total_steps = args.steps or config.get("steps") or epochs * steps_per_epoch

    model.train()
    seen = 0
    loop_seconds = 0.0
    step = 0
    epoch = 0
    generator = torch.Generator().manual_seed(config.get("seed", 0))
    while step < total_steps:
        order = torch.randperm(n, generator=generator)
        start = time.perf_counter()
        for b in range(steps_per_epoch):
            if step >= total_steps:
                break
            index = order[b * batch_size:(b + 1) * batch_size]
            xb = x.index_select(0, index)
            yb = y.index_select(0, index)
            optimizer.zero_grad()
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            if not torch.isfinite(torch.tensor(loss.item())):
                raise RuntimeError("diverged")
            loss.backward()
            optimizer.step()
            (logits.argmax(1) == yb).sum().item()
            seen += yb.shape[0]
            step += 1
        loop_seconds += time.perf_counter() - start
        epoch += 1
    print(json.dumps({"impl": "pytorch-python", "torch": torch.__version__,
                      "threads": torch.get_num_threads(), "images": seen,
                      "seconds": loop_seconds, "images_per_sec": seen / loop_seconds}))


if __name__ == "__main__":
    main()
