#!/usr/bin/python3
"""Why chain networks run channels-last with small evaluation batches: the benchmark's chain
network (bench/supernet/handmade.yaml's shape, ops of mixed expansion and kernel) timed in
Debian's PyTorch 1.13, the build whose LibTorch automl links, in NCHW and channels-last, with
oneDNN on and off, training at batch 128 and evaluating at 128 and 1,000. Milliseconds per image.

  /usr/bin/python3 bench/supernet/depthwise.py
"""
import time

import torch

torch.set_num_threads(2)
torch.manual_seed(0)


def mb(cin, cout, e, k, s):
    h = cin * e
    layers = []
    if e != 1:
        layers += [torch.nn.Conv2d(cin, h, 1, bias=False), torch.nn.BatchNorm2d(h), torch.nn.ReLU6()]
    layers += [torch.nn.Conv2d(h, h, k, stride=s, padding=k // 2, groups=h, bias=False),
               torch.nn.BatchNorm2d(h), torch.nn.ReLU6(),
               torch.nn.Conv2d(h, cout, 1, bias=False), torch.nn.BatchNorm2d(cout)]
    return torch.nn.Sequential(*layers)


OPS = [(16, 16, 3, 3, 1), (16, 16, 6, 5, 1), (16, 24, 3, 5, 2), (24, 24, 6, 3, 1),
       (24, 32, 6, 7, 2), (32, 32, 3, 3, 1)]
NET = torch.nn.Sequential(torch.nn.Conv2d(1, 16, 3, padding=1, bias=False), torch.nn.BatchNorm2d(16),
                          torch.nn.ReLU6(), *[mb(*o) for o in OPS], torch.nn.AdaptiveAvgPool2d(1),
                          torch.nn.Flatten(), torch.nn.Linear(32, 10))


def ms_per_image(fmt, batch, train, mkldnn):
    net = NET.to(memory_format=fmt)
    x = torch.randn(batch, 1, 14, 14).contiguous(memory_format=fmt)
    net.train(train)
    with torch.backends.mkldnn.flags(enabled=mkldnn):
        def step():
            if train:
                net(x).sum().backward()
            else:
                with torch.no_grad():
                    net(x)
        step()
        start = time.perf_counter()
        for _ in range(3):
            step()
    return (time.perf_counter() - start) / 3 / batch * 1000


print("| memory format | oneDNN | train, batch 128 | eval, batch 128 | eval, batch 1000 |")
print("|---|---|---|---|---|")
for name, fmt in (("NCHW", torch.contiguous_format), ("channels-last", torch.channels_last)):
    for mkldnn in (True, False):
        print(f"| {name} | {'on' if mkldnn else 'off'} | {ms_per_image(fmt, 128, True, mkldnn):.3f} | "
              f"{ms_per_image(fmt, 128, False, mkldnn):.3f} | "
              f"{ms_per_image(fmt, 1000, False, mkldnn):.3f} |")
