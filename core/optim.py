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
        """One update of every parameter with a gradient, as whole-list (foreach) kernels: the
        same arithmetic as a loop over the parameters, with one call per operation instead of
        one per parameter (Python overhead is most of a step on a small table)."""
        self.steps += 1
        beta1, beta2 = self.betas
        bias1, bias2 = 1 - beta1 ** self.steps, 1 - beta2 ** self.steps
        live = [i for i, p in enumerate(self.params) if p.grad is not None]
        params = [self.params[i] for i in live]
        grads = [p.grad for p in params]
        first, second = [self.first[i] for i in live], [self.second[i] for i in live]
        torch._foreach_mul_(first, beta1)
        torch._foreach_add_(first, grads, alpha=1 - beta1)              # m_t
        torch._foreach_mul_(second, beta2)
        torch._foreach_addcmul_(second, grads, grads, value=1 - beta2)  # v_t
        # p -= lr * m_hat / (sqrt(v_hat) + eps), as torch.optim.Adam computes it
        denominators = torch._foreach_div(second, bias2)
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.eps)
        torch._foreach_addcdiv_(params, first, denominators, value=-self.lr / bias1)
