"""Compare a from-scratch rebuild of the family with the committed one and record the result.

    /usr/bin/time -v /usr/bin/python3 models/train/build.py 2> time.txt   # in a second checkout (CHECKOUT)
    /usr/bin/python3 models/train/rebuild_check.py CHECKOUT time.txt      # here: writes rebuild-check.json

For each sibling: the largest absolute difference between the rebuilt and the committed weights (read back
from both ONNX files), and whether they are bit-identical; for every number in family-metrics.json: the
largest relative difference (training times and the stage-1 source aside), and whether every discrete
count (answer tallies, probe verdicts) is equal; the rebuild's wall minutes per stage (its own
family-metrics.json) and its CPU time (from `/usr/bin/time -v`).
"""
import json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
os.environ.setdefault("LAB_BUILD_REEXEC", "1")  # build.py re-executes itself otherwise
sys.path.insert(0, HERE)
import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location("build", os.path.join(HERE, "build.py"))
build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build)
import torch  # noqa: E402


def weights(root, name):
    return build.load_onnx_weights(os.path.join(root, "models", name, "onnx", "model.onnx"))


def compare_metrics(new, old, path="", out=None):
    out = out if out is not None else {"max_rel": 0.0, "where": "", "discrete_equal": True, "compared": 0}
    if path in (".minutes", ".stage1_source", ".stage1_steps"):
        return out
    if isinstance(new, dict):
        for k in new:
            if k in old:
                compare_metrics(new[k], old[k], f"{path}.{k}", out)
    elif isinstance(new, list) and isinstance(old, list) and len(new) == len(old):
        for i, (a, b) in enumerate(zip(new, old)):
            compare_metrics(a, b, f"{path}[{i}]", out)
    elif isinstance(new, bool) or isinstance(new, int) and isinstance(old, int):
        out["compared"] += 1
        if new != old:
            out["discrete_equal"] = False
    elif isinstance(new, (int, float)) and isinstance(old, (int, float)):
        out["compared"] += 1
        rel = abs(new - old) / max(1.0, abs(old))
        if rel > out["max_rel"]:
            out["max_rel"], out["where"] = rel, path
    elif new != old:
        out["discrete_equal"] = False
    return out


def main():
    other, timefile = sys.argv[1], sys.argv[2]
    result = {"siblings": {}}
    for name in ("lab-base", "lab-sft", "lab-rl"):
        a, b = weights(other, name), weights(ROOT, name)
        keys = sorted(set(a) & set(b))
        result["siblings"][name] = {
            "tensors": len(keys),
            "max_abs_weight_diff": max(float((a[k] - b[k]).abs().max()) for k in keys),
            "bit_identical": all(torch.equal(a[k], b[k]) for k in keys),
        }
    new = json.load(open(os.path.join(other, "models/train/family-metrics.json"), encoding="utf-8"))
    old = json.load(open(os.path.join(HERE, "family-metrics.json"), encoding="utf-8"))
    result["metrics"] = compare_metrics(new, old)
    result["rebuild"] = {"stage1_source": new.get("stage1_source"), "wall_minutes": new.get("minutes")}
    t = open(timefile, encoding="utf-8").read()
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", t).group(1))
    system = float(re.search(r"System time \(seconds\): ([\d.]+)", t).group(1))
    result["rebuild"]["cpu_minutes"] = (user + system) / 60
    result["rebuild"]["max_rss_mb"] = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    json.dump(result, open(os.path.join(HERE, "rebuild-check.json"), "w", encoding="utf-8"), indent=1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
