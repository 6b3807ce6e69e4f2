"""Adam (Kingma & Ba, 2015, Algorithm 1), in a few lines.

torch.optim imports torch._dynamo on an optimizer's first use: about 1 s on the
2-core CPU we target, which would double the fit time of a 30-row table. This
is the same update rule with the same defaults as torch.optim.Adam.
"""
from __future__ import annotations

import torch


class Adam:
    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8):
        self.params = [p for p in params if p.requires_grad]
        self.lr, self.betas, self.eps, self.steps = lr, betas, eps, 0
        self.first = [torch.zeros_like(p) for p in self.params]    # m_t
        self.second = [torch.zeros_like(p) for p in self.params]   # v_t

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        beta1, beta2 = self.betas
        bias1, bias2 = 1 - beta1 ** self.steps, 1 - beta2 ** self.steps
        for p, m, v in zip(self.params, self.first, self.second):
            if p.grad is None:
                continue
            m.mul_(beta1).add_(p.grad, alpha=1 - beta1)
            v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
            # p -= lr * m_hat / (sqrt(v_hat) + eps), as torch.optim.Adam computes it
            p.addcdiv_(m, (v / bias2).sqrt_().add_(self.eps), value=-self.lr / bias1)
