"""Train the arms of an exported Tabula Rasa experiment with Hugging Face `transformers` and `accelerate`.

    npm run export -- --out EXPORT --preset replication [setup flags]      # on the machine with the browser's data
    accelerate launch scale/train.py --export EXPORT --out RUN              # one GPU, many, or many machines
    npm run report -- RUN                                                  # the same report, verdicts and charts

Each arm x seed starts from its exported initial checkpoint (the browser run's exact weights) and trains
`GPT2LMHeadModel` on the exported batch order with the browser's optimiser: AdamW (PyTorch's, which optim.ts
matches), no decay on biases/LayerNorms/embeddings, global-norm clipping at 1, warmup then cosine or WSD (optim.ts
lrAt). Data parallel: each process takes every `world`-th row of each step's batch and the loss is normalised by the
whole batch's token count, so any number of processes computes the single-device step. Evaluations follow
config.ts isEvalStep. Writes RUN/metrics.csv (arm,seed,step,tokens,metric,value,wall_time; the keys of src/core/metrics.ts;
with --report-to tensorboard|wandb also through accelerate's trackers, one run per arm x seed),
RUN/report.json (config and meta for `npm run report`), RUN/checkpoints/<arm>-s<seed>/ (GPT-2 layout + tabula.json,
loadable by the page and `npm run lm-eval`), RUN/sweep.json with a sweep (its finished runs in RUN/sweep-cells.jsonl, read back when a killed sweep starts
again: sweep_run.py), and RUN/parity.json: this run's step-0
losses against the browser implementation's (reference.csv).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import sys
import time

import torch
from accelerate import Accelerator
from transformers import GPT2LMHeadModel
from transformers import __version__ as transformers_version
from transformers.utils import logging as hf_logging

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import evaluate_arm, weight_change  # noqa: E402
from export_reader import Arm, Export, ExportError  # noqa: E402
from sweep_run import SWEEP_KEYS, sweep  # noqa: E402
from records import MetricsWriter, read_kept  # noqa: E402
from train_report import finish, finite_or_none  # noqa: E402
import resume_state  # noqa: E402
import run_lock  # noqa: E402

# Metric keys this trainer writes, by their name in src/core/metrics.ts (the export lists the keys themselves).
TRAIN_KEYS = ("trainLoss", "trainTextLoss", "trainImageLoss", "lr", "gradNorm", "stepMs", "tokensPerSecond", "numBytes")
EVAL_KEYS = ("valTextLoss", "valImageLoss", "valLoss", "valEnglishLoss", "valEnglishOodLoss", "valEnglishLossTextIds", "valEnglishOodLossTextIds", "diagImageLeak", "diagImageWithin", "diagBodyChange", "diagEmbeddingChange")


def lr_at(step: int, peak: float, warmup: int, total: int, schedule: str, min_ratio: float = 0.1, decay_fraction: float = 0.2) -> float:
    """Learning rate at a 0-based step (optim.ts lrAt): linear warmup, then cosine or warmup-stable-decay."""
    if warmup > 0 and step < warmup:
        return peak * (step + 1) / warmup
    min_lr = peak * min_ratio
    if schedule == "wsd":
        decay = max(1, round(decay_fraction * total))
        start = max(warmup, total - decay)
        if step < start:
            return peak
        return peak + (min_lr - peak) * min(1.0, (step - start) / max(1, total - start))
    progress = min(1.0, max(0.0, (step - warmup) / max(1, total - warmup)))
    return min_lr + 0.5 * (peak - min_lr) * (1 + math.cos(math.pi * progress))


def is_eval_step(step: int, every: int, steps: int) -> bool:
    """config.ts isEvalStep: every `every` steps, the last step, and the powers of two below `every`."""
    return step % every == 0 or step == steps or (2 <= step < every and step & (step - 1) == 0)


def no_decay(name: str) -> bool:
    """optim.ts isNoDecay: biases, LayerNorms and embeddings get no weight decay."""
    return name.endswith(".bias") or ".ln_" in f".{name}" or ".wte." in f".{name}" or ".wpe." in f".{name}" or "norm" in name


def trainable_in_frozen_arm(name: str) -> bool:
    """config.ts trainableInFrozenArm: embeddings, positions, the head and every LayerNorm."""
    return any(f".{k}." in f".{name}" for k in ("wte", "wpe", "ln_1", "ln_2", "ln_f")) or name == "lm_head.weight"


class Trainer:
    def __init__(self, ex: Export, out: str, acc: Accelerator, log_every: int, writer: MetricsWriter | None):
        self.ex, self.out, self.acc, self.log_every = ex, out, acc, log_every
        self.writer = writer  # the main process's; None on the others
        self.rank, self.world = acc.process_index, acc.num_processes
        self.keys = ex.experiment["metrics"]
        self.reduce = (lambda t: acc.reduce(t, reduction="sum")) if self.world > 1 else (lambda t: t)
        self.last_eval: dict[tuple[str, int], dict] = {}
        self.main_eval: dict[tuple[str, int], dict] = {}  # the same, of the recorded (main) runs only: last-eval.json
        self.stopped: list[str] = []
        self.sweep: dict | None = None
        self.report_to = "none"  # --report-to: tensorboard, wandb or none
        self.resume = False  # --resume: each main run continues from its checkpoint in OUT/checkpoints
        # Wall seconds by phase (report.json meta.phases): the sweep, training steps, evaluations, checkpoints.
        self.phases = {"train": 0.0, "evaluation": 0.0, "checkpoint": 0.0}

    def model_for(self, arm: Arm, seed: int) -> GPT2LMHeadModel:
        return GPT2LMHeadModel.from_pretrained(self.ex.init_dir(arm, seed)).float().to(self.acc.device)

    def run(self, arm: Arm, seed: int, lr: float, steps: int, warmup: int, every: int, record: bool, ckpt_every: int, stop: int | None = None) -> float:
        """
        Train one arm x seed for `steps` steps (the schedule's length), or up to `stop`; returns its last held-out
        val/loss (inf if it diverged). With `record` (the main run) it writes metrics, evaluates on schedule from step
        0 and saves checkpoints; without (the sweep) it evaluates once, at the end.
        """
        stop = steps if stop is None else min(stop, steps)
        cfg, acc, ex = self.ex.config, self.acc, self.ex
        model = self.model_for(arm, seed)
        named = [(n, p) for n, p in model.named_parameters()]
        for n, p in named:
            p.requires_grad_(not arm.frozen or trainable_in_frozen_arm(n))
        initial = {n: p.detach().clone() for n, p in named}
        groups = [
            {"params": [p for n, p in named if p.requires_grad and not no_decay(n)], "weight_decay": cfg["weightDecay"]},
            {"params": [p for n, p in named if p.requires_grad and no_decay(n)], "weight_decay": 0.0},
        ]
        o = ex.experiment["optimizer"]
        opt = torch.optim.AdamW([g for g in groups if g["params"]], lr=lr, betas=(o["beta1"], o["beta2"]), eps=o["eps"])
        ddp, opt = acc.prepare(model, opt)
        trained = [p for _, p in named if p.requires_grad]
        tokens, last_loss, start = 0, math.inf, 0
        kept = resume_state.complete_dir(self.ckpt_dir(arm, seed)) if record and self.resume else None
        if kept:  # --resume: this run's weights, moments and step from its last checkpoint (initial stays the init's)
            info = resume_state.load_state(kept, model, opt)
            start, tokens = int(info["step"]), int(info["tokens"])
            acc.print(f"train.py: resumed {arm.name} seed {seed} at step {start}")
            if start >= stop:
                return math.inf
        first_bad = torch.zeros((), device=acc.device)  # the first step whose loss or norm was not finite (0: none)

        tracking = record and self.report_to != "none"
        if tracking:
            self.start_trackers(arm, seed, lr, steps)

        def rec(metric: str, step: int, value: float) -> None:
            # An export made before a metric existed does not list it: that metric is left out, as the browser did.
            if record and self.writer is not None and metric in self.keys:
                self.writer.add(arm.name, seed, step, tokens, self.keys[metric], value)
                if tracking:
                    acc.log({self.keys[metric]: value}, step=step)

        def evaluate(step: int) -> float:
            t_eval = time.perf_counter()
            try:
                return evaluate_at(step)
            finally:
                self.phases["evaluation"] += time.perf_counter() - t_eval

        def evaluate_at(step: int) -> float:
            model.eval()
            r = evaluate_arm(acc.unwrap_model(ddp), ex, arm, acc.device, self.rank, self.world, self.reduce)
            model.train()
            body, emb = weight_change(acc.unwrap_model(ddp), initial)
            for key, v in (("valImageLoss", r["image"]), ("valLoss", r["loss"]), ("diagImageLeak", r["leak"]), ("diagImageWithin", r["image"] - r["leak"]),
                           ("valEnglishLoss", r["english"]), ("valEnglishOodLoss", r["english_ood"]), ("valEnglishLossTextIds", r["english_text_ids"]),
                           ("valEnglishOodLossTextIds", r["english_ood_text_ids"]), ("diagBodyChange", body), ("diagEmbeddingChange", emb)):
                rec(key, step, v)
            if r["text"] is not None:
                rec("valTextLoss", step, r["text"])
            self.last_eval[(arm.name, seed)] = {**r, "step": step}
            if record:
                self.main_eval[(arm.name, seed)] = self.last_eval[(arm.name, seed)]
            return r["loss"]

        if record and start == 0:
            last_loss = evaluate(0)
        model.train()
        t_run = time.perf_counter()
        # Evaluations and checkpoint saves inside the loop are timed in their own phases: not counted again as training.
        inner_before = self.phases["evaluation"] + self.phases["checkpoint"]
        for step in range(start + 1, stop + 1):
            t0 = time.perf_counter()
            b = ex.batch(arm, seed, step)
            rows = slice(self.rank, None, self.world)
            ids = torch.from_numpy(b.ids[rows]).to(acc.device)
            masks = [torch.from_numpy(m[rows]).to(acc.device) for m in (b.loss, b.text, b.image)]
            counts = [float(m.sum()) for m in (b.loss, b.text, b.image)]  # the whole batch's, on every process
            lr_now = lr_at(step - 1, lr, warmup, steps, cfg["schedule"], o["minLrRatio"], o["wsdDecayFraction"])
            for g in opt.param_groups:
                g["lr"] = lr_now
            logits = ddp(input_ids=ids, use_cache=False).logits[:, :-1].float()
            nll = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1), reduction="none").view(ids.shape[0], -1)
            sums = torch.stack([(nll * m).sum() for m in masks])
            acc.backward(sums[0] / max(counts[0], 1.0) * self.world)  # DDP averages: the whole batch's masked mean
            norm = acc.clip_grad_norm_(trained, o["clipNorm"])
            opt.step()
            opt.zero_grad(set_to_none=True)
            tokens += int(counts[0])
            bad = ~torch.isfinite(sums[0].detach() + norm.detach())
            first_bad = torch.where((first_bad == 0) & bad, torch.full_like(first_bad, step), first_bad)
            evals = (is_eval_step(step, every, steps) and record) or step == stop
            saves = record and ((ckpt_every > 0 and step % ckpt_every == 0) or step == stop)
            if not (step % self.log_every == 0 or evals or saves):
                continue
            # A read-back step: NaN is caught (and named) here, before any evaluation or checkpoint.
            loss, text, image = (self.reduce(sums.detach().double()) / torch.tensor([max(c, 1.0) for c in counts], dtype=torch.float64, device=acc.device)).tolist()
            norm = float(norm)
            found = int(acc.gather(first_bad[None]).max().item())  # the gradient norm is global: every process agrees
            if found > 0:
                msg = f"arm {arm.name}, seed {seed}: the loss or gradient became NaN/Inf at step {found}; the run stopped and keeps its last good checkpoint"
                self.stopped.append(msg)
                acc.print(msg)
                kept_dir = resume_state.complete_dir(self.ckpt_dir(arm, seed)) if record and acc.is_main_process else None
                if kept_dir:  # its last good checkpoint says the run stopped, so no resume or finish trains on
                    resume_state.mark_stopped(kept_dir, msg)
                last_loss = math.inf
                break
            ms = 1000 * (time.perf_counter() - t0)
            for key, v in (("trainLoss", loss), ("lr", lr_now), ("gradNorm", norm), ("stepMs", ms), ("tokensPerSecond", b.ids.size / (ms / 1000))):
                rec(key, step, v)
            if torch.cuda.is_available():
                rec("numBytes", step, float(torch.cuda.memory_allocated()))
            if not arm.image_only:
                rec("trainTextLoss", step, text)
            rec("trainImageLoss", step, image)
            if evals:
                last_loss = evaluate(step)
                r = self.last_eval[(arm.name, seed)]
                if record:
                    acc.print(f"  {arm.name} s{seed} @{step}: val image {r['image']:.3f}" + (f", caption {r['text']:.3f}" if r["text"] is not None else "") + f", English ppl {math.exp(r['english']):.1f}")
            if saves:
                t_save = time.perf_counter()
                self.save(acc.unwrap_model(ddp), arm, seed, step, opt, tokens)
                self.phases["checkpoint"] += time.perf_counter() - t_save
        if record:  # the rest of the run's time is its training steps
            inner = self.phases["evaluation"] + self.phases["checkpoint"] - inner_before
            self.phases["train"] += time.perf_counter() - t_run - inner
        if tracking:
            self.finish_trackers()
        acc.free_memory()
        return last_loss if math.isfinite(last_loss) else math.inf

    def start_trackers(self, arm: Arm, seed: int, lr: float, steps: int) -> None:
        """One tracker run per arm x seed, as npm run to-tensorboard writes them: TensorBoard's OUT/tensorboard/<arm>/s<seed>,
        W&B's run <arm>-s<seed> grouped by arm in project tabula-rasa (WANDB_MODE=offline keeps it on disk)."""
        c = self.ex.config
        config = {"arm": arm.name, "seed": seed, "lr": lr, "steps": steps, "batch_size": c["batchSize"], "schedule": c["schedule"], "preset": str(c.get("preset", ""))}
        if self.report_to == "tensorboard":
            self.acc.init_trackers(f"{arm.name}/s{seed}", config=config)
        else:
            self.acc.init_trackers("tabula-rasa", config=config, init_kwargs={"wandb": {"name": f"{arm.name}-s{seed}", "group": arm.name, "dir": self.out}})

    def finish_trackers(self) -> None:
        """Close this run's trackers (Accelerator.end_training would also end the process group, which later runs need)."""
        for t in self.acc.trackers:
            t.finish()
        self.acc.trackers.clear()

    def ckpt_dir(self, arm: Arm, seed: int) -> str:
        return os.path.join(self.out, "checkpoints", f"{arm.name}-s{seed}")

    def save(self, model: GPT2LMHeadModel, arm: Arm, seed: int, step: int, opt: torch.optim.Optimizer, tokens: int) -> None:
        """The run's weights in the GPT-2 layout the page loads, with tabula.json and the tokenizer of its init, and its
        AdamW state (resume_state.py: resumable by train.py --resume and npm run replicate --resume), replaced whole."""
        self.acc.wait_for_everyone()
        if not self.acc.is_main_process:
            return
        resume_state.replace_dir(self.ckpt_dir(arm, seed), lambda d: self.write_checkpoint(d, model, arm, seed, step, opt, tokens))

    def write_checkpoint(self, d: str, model: GPT2LMHeadModel, arm: Arm, seed: int, step: int, opt: torch.optim.Optimizer, tokens: int) -> None:
        model.save_pretrained(d, safe_serialization=True)
        resume_state.save_state(d, model, opt, arm.name, seed, step, tokens, None)
        init = self.ex.init_dir(arm, seed)
        with open(os.path.join(init, "tabula.json"), encoding="utf-8") as f:
            tabula = json.load(f)
        tabula["provenance"] = {**tabula.get("provenance", {}), "step": step, "trainer": "scale/train.py", "export": os.path.abspath(self.ex.path)}
        with open(os.path.join(d, "tabula.json"), "w", encoding="utf-8") as f:
            json.dump(tabula, f, indent=2)
        # The hub files the export wrote with its initial weights (src/core/checkpoint/hub-files.ts): the tokenizer with
        # the image codes as added tokens, its configs; save_pretrained wrote generation_config.json from the init's.
        for name in ("tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"):
            if os.path.exists(os.path.join(init, name)):
                shutil.copyfile(os.path.join(init, name), os.path.join(d, name))
        card = os.path.join(init, "README.md")
        if os.path.exists(card):
            with open(card, encoding="utf-8") as f:
                text = f.read()
            with open(os.path.join(d, "README.md"), "w", encoding="utf-8") as f:
                f.write(trained_card(text, arm.name, seed, step))


def trained_card(init_card: str, arm: str, seed: int, step: int) -> str:
    """The init's model card with its Training paragraph for these weights, as hub-files.ts modelCard words it."""
    said = f"Arm `{arm}`, seed {seed}, after {step} optimizer steps (trained by scale/train.py)."
    return re.sub(r"(## Training\n\n).*?(\nThe full record)", lambda m: m.group(1) + said + m.group(2), init_card, count=1, flags=re.S)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Train an exported Tabula Rasa experiment (npm run export) with transformers + accelerate.")
    p.add_argument("--export", required=True, help="the folder written by npm run export -- --out DIR")
    p.add_argument("--out", required=True, help="the run folder: metrics.csv, report.json, checkpoints/ (npm run report -- OUT)")
    p.add_argument("--steps", type=int, default=None, help="stop every run after this many steps (a smoke test; the schedule keeps the exported length)")
    p.add_argument("--log-every", type=int, default=1, help="read training losses back every N steps (default 1, as the CLI; evaluation and checkpoint steps always read)")
    p.add_argument("--no-verify", action="store_true", help="skip the SHA-256 check of the export's files")
    p.add_argument("--parity-tol", type=float, default=1e-3, help="largest |difference| in nats from the browser's step-0 losses before a warning (default 1e-3)")
    p.add_argument("--strict-parity", action="store_true", help="exit with status 3 when parity fails the tolerance")
    p.add_argument("--report-to", choices=("tensorboard", "wandb", "none"), default="none", help="also log every metric through accelerate's trackers: TensorBoard event files in OUT/tensorboard/<arm>/s<seed>, or W&B runs <arm>-s<seed> (default none)")
    p.add_argument("--resume", action="store_true", help="continue each run from its checkpoint in OUT/checkpoints (as replicate --resume), keeping OUT/metrics.csv up to it and OUT/sweep.json's rates")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (torch.set_num_threads; default torch's, one per core)")
    a = p.parse_args(argv)
    t_start = time.time()
    if a.threads:
        torch.set_num_threads(a.threads)
    tracker = None if a.report_to == "none" else a.report_to
    acc = Accelerator(log_with=tracker, project_dir=os.path.join(a.out, "tensorboard") if tracker == "tensorboard" else None)
    hf_logging.disable_progress_bar()
    # Processes launched as a group that accelerate did not join (--multi_gpu without GPUs) would each write --out alone.
    split = run_lock.group_problem(acc.num_processes)
    if split:
        print(f"train.py: {split}", file=sys.stderr)
        return 2
    try:
        ex = Export(a.export, verify=not a.no_verify)
    except ExportError as e:
        print(f"train.py: {e}", file=sys.stderr)
        return 2
    missing = [k for k in ex.experiment["metrics"] if (k.startswith(("val", "diag")) and k not in EVAL_KEYS) or (k.startswith("train") and k not in TRAIN_KEYS)]
    if missing:
        print(f"train.py: the export names metrics this trainer does not compute ({', '.join(missing)}); update scale/ to this version of the project", file=sys.stderr)
        return 2
    cfg = dict(ex.config)
    rows = min(cfg["batchSize"], ex.train_ids.shape[0])
    if rows < acc.num_processes:
        print(f"train.py: {acc.num_processes} processes for batches of {rows} sequences: each process needs a row; export with --batch {acc.num_processes} or more", file=sys.stderr)
        return 2
    if acc.is_main_process:
        try:
            run_lock.acquire(a.out, "python " + " ".join(sys.argv), log=lambda s: print(f"train.py: {s}"))  # one writer per --out
        except run_lock.RunLocked as e:
            print(f"train.py: {e}", file=sys.stderr)
            if acc.num_processes > 1:
                os._exit(1)  # the other processes are waiting for this one: end the group
            return 1
    acc.wait_for_everyone()
    t0 = time.time()
    metrics_path = os.path.join(a.out, "metrics.csv")
    kept = read_kept(metrics_path) if a.resume else []
    writer = MetricsWriter(metrics_path) if acc.is_main_process else None
    tr = Trainer(ex, a.out, acc, max(1, a.log_every), writer)
    tr.report_to = a.report_to
    tr.resume = a.resume
    if a.resume and writer is not None:  # each run's records up to its checkpoint; what came after is redone
        at = {}
        for arm in ex.arms:
            for seed in range(cfg["seeds"]):
                d = resume_state.complete_dir(tr.ckpt_dir(arm, seed))
                if d:
                    at[(arm.name, seed)] = int(resume_state.read_info(d)["step"])
        writer.restore([r for r in kept if r["step"] <= at.get((r["arm"], r["seed"]), -1)])
    acc.print(f"train.py: {len(ex.arms)} arm(s) x {cfg['seeds']} seed(s), {cfg['steps']} steps of {cfg['batchSize']} ({cfg['schedule']}) on {acc.num_processes} x {acc.device}, torch {torch.__version__}")
    lrs = {arm.name: arm.lr for arm in ex.arms}
    plan = ex.experiment.get("sweep")
    recorded = ex.experiment.get("recordedSweep")  # --lr-from: the sweep the rates came from, shown in the report
    tr.sweep = {k: recorded[k] for k in SWEEP_KEYS if k in recorded} if recorded else None
    kept_sweep = os.path.join(a.out, "sweep.json")
    if plan and a.resume and os.path.exists(kept_sweep):
        with open(kept_sweep, encoding="utf-8") as f:
            result = json.load(f)
        lrs.update(result["best"])
        tr.sweep = {k: result[k] for k in SWEEP_KEYS if k in result}
        cfg["lrByArm"] = {**cfg.get("lrByArm", {}), **result["best"]}
        acc.print(f"train.py: --resume keeps the recorded sweep's rates ({kept_sweep})")
    elif plan:
        t_sweep, eval_before = time.time(), tr.phases["evaluation"]
        fair = plan.get("protocol")
        over = f"fair: {fair['points']} rates {fair['ratio']:.3f}x apart around {fair['centre']}, grown at an edge" if fair else ", ".join(map(str, plan["lrs"]))
        acc.print(f"train.py: LR sweep ({over}), {plan['steps']} steps x {plan['seeds']} seed(s)")
        result = sweep(tr, plan, {"torch": torch.__version__, "transformers": transformers_version})
        lrs.update(result["best"])
        tr.sweep = {k: result[k] for k in SWEEP_KEYS if k in result}
        cfg["lrByArm"] = {**cfg.get("lrByArm", {}), **result["best"]}
        if acc.is_main_process:
            with open(os.path.join(a.out, "sweep.json"), "w", encoding="utf-8") as f:
                json.dump(finite_or_none(result), f, indent=2)
        acc.print("train.py: sweep chose " + ", ".join(f"{k} {v}" for k, v in result["best"].items()))
        tr.phases["evaluation"] = eval_before  # the sweep's evaluations are part of the sweep
        tr.phases["sweep"] = time.time() - t_sweep
    tr.phases["preparation"] = t0 - t_start  # reading and checking the export
    for seed in range(cfg["seeds"]):
        for arm in ex.arms:
            # --steps stops early; the schedule keeps the exported length (as replicate's --stop-at).
            tr.run(arm, seed, lrs[arm.name], cfg["steps"], cfg["warmupSteps"], cfg["evalEvery"], True, cfg["checkpointEvery"], a.steps)
            if writer is not None:
                writer.flush()
    return finish(tr, a, cfg, t0)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except OSError as e:  # a full or read-only disk mid-run: one line naming the folder, not a traceback
        said = run_lock.disk_error(e, next((sys.argv[i + 1] for i, x in enumerate(sys.argv[:-1]) if x == "--out"), "the run folder"))
        if said is None:
            raise
        print(f"train.py: {said}", file=sys.stderr)
        sys.exit(1)
