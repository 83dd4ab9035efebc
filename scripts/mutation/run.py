#!/usr/bin/env python3
"""A scripted mutation campaign: realistic single-line bugs applied one at a time against the tests of their folder.

Each line of mutations.txt is   FOLDER @@ FILE @@ ORIGINAL @@ MUTATED   (\\n inside ORIGINAL or MUTATED stands for a
line break, so a mutation can name enough context to be unique). For every mutation the script copies the source
tree once to a scratch folder, replaces the single occurrence of ORIGINAL, rebuilds the mutated file's project only
(src/InitLab or src/InitLab.Formats), drops its new assembly into the already built test folder and runs the folder's tests (stop on first failure). A failing run
kills the mutant; a passing run lets it survive; a mutant that does not compile is not counted (as in Stryker); one
whose ORIGINAL is no longer found exactly once is reported STALE, so the list can be kept up to date as the code moves.

  python3 scripts/mutation/run.py                      # every folder
  python3 scripts/mutation/run.py Random Tensors       # some folders
  python3 scripts/mutation/run.py --check              # only check that every ORIGINAL is found exactly once
  python3 scripts/mutation/run.py --filter Box-Muller  # only mutations whose line contains the text
  python3 scripts/mutation/run.py --lines 12,40        # only the mutations on these lines of mutations.txt
  python3 scripts/mutation/run.py --no-baseline        # skip the check that each folder's tests pass unmutated
  python3 scripts/mutation/run.py --reverse --results r2.tsv   # a second worker from the end of the list
  python3 scripts/mutation/run.py --lines 7 --test-filter "FullyQualifiedName~GeneratorTests"  # re-check with chosen tests
  python3 scripts/mutation/run.py --keep Random        # keep the built scratch tree and print its path
  python3 scripts/mutation/run.py --reuse DIR --lines 40,12   # reuse it (sources synced, incremental build); lines in this order

Results go to stdout and to scripts/mutation/results.tsv (ignored by git). Needs the .NET SDK; takes about 20-60 s per
mutant on two cores.
"""
import os, re, shutil, subprocess, sys, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LIST = os.path.join(ROOT, "scripts", "mutation", "mutations.txt")
RESULTS = os.path.join(ROOT, "scripts", "mutation", "results.tsv")

# The tests that are meant to catch a bug in each folder: the mirrored test folder.
FILTERS = {
    "Initializers": "FullyQualifiedName~InitLab.Tests.Initializers",
    "Random": "FullyQualifiedName~InitLab.Tests.Random",
    "Tensors": "FullyQualifiedName~InitLab.Tests.Tensors",
    "Theory": "FullyQualifiedName~InitLab.Tests.Theory",
    "Propagation": "FullyQualifiedName~InitLab.Tests.Propagation",
    # The ops' tests (forward against hand-written loops, gradients against finite differences, PyTorch values) and the
    # graph engine's; the families, proofs and diagnoser run whole networks and take longer.
    "Networks": "FullyQualifiedName~OpForwardTests|FullyQualifiedName~OpGradientTests|FullyQualifiedName~PyTorchGoldenTests|FullyQualifiedName~ExplicitGraphEngineTests",
    "Inspection": "FullyQualifiedName~InitLab.Tests.Inspection",
    "Numerics": "FullyQualifiedName~InitLab.Tests.Numerics",
    "LinearAlgebra": "FullyQualifiedName~InitLab.Tests.LinearAlgebra",
    # The activations against their double forms and written-out values; the float gelu and its exponential over the float range.
    "Activations": "FullyQualifiedName~InitLab.Tests.Activations",
    # The readers' tests without the ones that read the Fashion-MNIST data set or real model files (slow, and not
    # where a bounds check is exercised).
    "Formats": "FullyQualifiedName~InitLab.Tests.Formats&FullyQualifiedName!~FashionMnist&FullyQualifiedName!~RealModel",
}
# Narrower sets for files whose folder tests are slow: the test classes written for that file.
RANDOM_TORCH = "FullyQualifiedName~InitLab.Tests.Random.Torch"
RANDOM_PHILOX = "FullyQualifiedName~InitLab.Tests.Random&FullyQualifiedName!~InitLab.Tests.Random.Torch"
FILE_FILTERS = {
    # PyTorch's generator has its own tests (values from PyTorch); the Philox fills have theirs.
    "src/InitLab/Random/TorchGenerator.cs": RANDOM_TORCH,
    "src/InitLab/Random/Mt19937.cs": RANDOM_TORCH,
    "src/InitLab/Random/Fdlibm.cs": RANDOM_TORCH,
    "src/InitLab/Random/AvxMathFun.cs": RANDOM_TORCH,
    "src/InitLab/Random/TorchErfinv.cs": RANDOM_TORCH,
    "src/InitLab/Random/PhiloxFill.cs": RANDOM_PHILOX,
    "src/InitLab/Random/Generator.cs": RANDOM_PHILOX,
    "src/InitLab/Random/Philox4x32.cs": RANDOM_PHILOX,
    "src/InitLab/Random/PhiloxLanes.cs": RANDOM_PHILOX,
    "src/InitLab/Random/LaneMath.cs": RANDOM_PHILOX,
    "src/InitLab/Random/NormalFloatOp.cs": RANDOM_PHILOX,
    "src/InitLab/Random/UniformFloatOp.cs": RANDOM_PHILOX,
    "src/InitLab/Random/TruncatedNormalFloatOp.cs": RANDOM_PHILOX,
    # torch.nn.init's functions are checked against PyTorch's values in the Random tests as well as in Initializers'.
    "src/InitLab/Initializers/TorchInit.cs": RANDOM_TORCH + "|FullyQualifiedName~InitLab.Tests.Initializers",
    "src/InitLab/Propagation/ExplicitEngine.cs": "FullyQualifiedName~EngineAgreementTests|FullyQualifiedName~EnginesTests|FullyQualifiedName~BackwardTests",
    "src/InitLab/Propagation/EnsembleEngine.cs": "FullyQualifiedName~EngineAgreementTests|FullyQualifiedName~EnginesTests",
    "src/InitLab/Propagation/MeanFieldEngine.cs": "FullyQualifiedName~EngineAgreementTests|FullyQualifiedName~MeanFieldEngineTests",
    "src/InitLab/Propagation/Diagnosis.cs": "FullyQualifiedName~DiagnosisTests",
    "src/InitLab/Propagation/Lsuv.cs": "FullyQualifiedName~LsuvAndSweepTests",
    "src/InitLab/Propagation/Sweep.cs": "FullyQualifiedName~LsuvAndSweepTests|FullyQualifiedName~Propagation.SweepTests",
    # The explicit engine runs through the graph walk: its residual add, shared weights and traces live in Networks (the
    # chunked sum on several threads in ExplicitGraphEngineTests).
    "src/InitLab/Networks/Ops/AddOp.cs": "FullyQualifiedName~ExplicitGraphEngineTests|FullyQualifiedName~EngineAgreementTests|FullyQualifiedName~EnginesTests|FullyQualifiedName~BackwardTests|FullyQualifiedName~OpGradientTests|FullyQualifiedName~OpForwardTests",
    "src/InitLab/Networks/Families/MlpFamily.cs": "FullyQualifiedName~EngineAgreementTests|FullyQualifiedName~EnginesTests|FullyQualifiedName~BackwardTests",
    "src/InitLab/Propagation/FiniteWidthDrift.cs": "FullyQualifiedName~FiniteWidthDriftTests|FullyQualifiedName~DiagnosisTests",
    "src/InitLab/Propagation/WeightDistribution.cs": "FullyQualifiedName~WeightsFromSchemeTests|FullyQualifiedName~EnginesTests|FullyQualifiedName~EngineAgreementTests|FullyQualifiedName~MeanFieldEngineTests",
    # Linear layers add their bias in the GEMM's block hook: the hook's own tests cover blocks that start past column 0.
    "src/InitLab/Networks/Ops/LinearOp.cs": FILTERS["Networks"] + "|FullyQualifiedName~PackedGemmEpilogueTests",
    # Window geometry: asymmetric padding (ONNX's pads) is exercised by the imported ops' tests.
    "src/InitLab/Networks/Ops/Window.cs": FILTERS["Networks"] + "|FullyQualifiedName~ImportedOpTests|FullyQualifiedName~ImplicitConvTests",
    # The convolution without im2col: its own tests against the written-out sliced chains, then the ops'.
    "src/InitLab/Networks/Ops/ImplicitConv.cs": "FullyQualifiedName~ImplicitConvTests|FullyQualifiedName~OpForwardTests",
    # Winograd F(2 x 2, 3 x 3): its own tests (the bound against the double direct convolution, odd sizes and pads, the
    # dispatch rule), then the ops'.
    "src/InitLab/Networks/Ops/WinogradConv.cs": "FullyQualifiedName~WinogradConvTests|FullyQualifiedName~WinogradRuleTests|FullyQualifiedName~OpForwardTests",
    "src/InitLab/Networks/Engines/Execution.cs": "FullyQualifiedName~InPlaceForwardTests|FullyQualifiedName~EngineAgreementTests|FullyQualifiedName~EnginesTests|FullyQualifiedName~BackwardTests|FullyQualifiedName~ExplicitGraphEngineTests",
}
# The project that holds a mutated file, by its folder under src/, and the assembly that project builds.
def project(path):
    name = path.split("/")[1]
    return f"src/{name}/{name}.csproj", name + ".dll"

TEST_TIMEOUT = 900


def parse():
    mutations = []
    with open(LIST, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = [p.strip() for p in line.rstrip("\n").split("@@")]
            if len(parts) != 4:
                sys.exit(f"mutations.txt:{number}: expected FOLDER @@ FILE @@ ORIGINAL @@ MUTATED")
            folder, path, original, mutated = parts
            if folder not in FILTERS:
                sys.exit(f"mutations.txt:{number}: unknown folder {folder}")
            mutations.append((number, folder, path, original.replace("\\n", "\n"), mutated.replace("\\n", "\n"), line.strip()))
    return mutations


def occurrences(root, path, original):
    with open(os.path.join(root, path), encoding="utf-8") as f:
        return f.read().count(original)


def run(cmd, cwd, timeout=None):
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)


def main():
    args = sys.argv[1:]
    check = "--check" in args
    text = None
    if "--filter" in args:
        text = args[args.index("--filter") + 1]
        args = [a for a in args if a not in ("--filter", text)]
    results = RESULTS
    if "--results" in args:
        results = args[args.index("--results") + 1]
        args = [a for a in args if a not in ("--results", results)]
    override = None
    if "--test-filter" in args:
        override = args[args.index("--test-filter") + 1]
        args = [a for a in args if a not in ("--test-filter", override)]
    lines = None
    if "--lines" in args:
        spec = args[args.index("--lines") + 1]
        lines = [int(x) for x in spec.split(",")]
        args = [a for a in args if a not in ("--lines", spec)]
    reuse = None
    if "--reuse" in args:
        reuse = args[args.index("--reuse") + 1]
        args = [a for a in args if a not in ("--reuse", reuse)]
    folders = [a for a in args if not a.startswith("--")] or list(FILTERS)
    mutations = [m for m in parse() if m[1] in folders and (text is None or text in m[5]) and (lines is None or m[0] in lines)]
    folders = [f for f in folders if any(m[1] == f for m in mutations)]
    if lines is not None:
        mutations.sort(key=lambda m: lines.index(m[0]))   # in the order given
    if "--reverse" in args:
        mutations.reverse()

    stale = [m for m in mutations if occurrences(ROOT, m[2], m[3]) != 1]
    for m in stale:
        print(f"STALE   line {m[0]}: {m[2]}: ORIGINAL found {occurrences(ROOT, m[2], m[3])} times")
    if check:
        print(f"{len(mutations) - len(stale)} of {len(mutations)} mutations apply")
        return 1 if stale else 0

    scratch = reuse or tempfile.mkdtemp(prefix="initlab-mutation-")
    keep = reuse is not None or "--keep" in args
    try:
        if reuse:
            changed = sync(ROOT, scratch)
            print(f"reusing {scratch} ({changed} source files brought up to date); building ...", flush=True)
        else:
            print(f"copying the tree to {scratch} and building once ...", flush=True)
            shutil.copytree(ROOT, scratch, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("bin", "obj", ".git", "TestResults", "results.tsv"))
        build = run(["dotnet", "build", "tests/InitLab.Tests/InitLab.Tests.csproj", "-c", "Release", "-v", "q", "-nologo"], scratch)
        if build.returncode != 0:
            print(build.stdout[-4000:])
            sys.exit("the unmutated tree does not build")
        test_dir = os.path.join(scratch, "tests", "InitLab.Tests", "bin", "Release", "net10.0")
        for name in sorted({project(m[2])[1] for m in mutations}):
            shutil.copy2(os.path.join(test_dir, name), os.path.join(test_dir, name + ".pristine"))
        for folder in ([] if "--no-baseline" in args else folders):
            base = run(["dotnet", "test", "tests/InitLab.Tests/InitLab.Tests.csproj", "-c", "Release", "--no-build",
                        "--filter", FILTERS[folder]], scratch, TEST_TIMEOUT)
            if base.returncode != 0:
                print(base.stdout[-3000:])
                sys.exit(f"the {folder} tests fail without any mutation")

        rows = []
        for number, folder, path, original, mutated, line in mutations:
            if (number, folder, path, original, mutated, line) in stale:
                rows.append((folder, number, "stale", 0.0, path))
                continue
            target = os.path.join(scratch, path)
            csproj, name = project(path)
            dll = os.path.join(scratch, os.path.dirname(csproj), "bin", "Release", "net10.0", name)
            pristine = os.path.join(test_dir, name + ".pristine")
            with open(target, encoding="utf-8") as f:
                source = f.read()
            start = time.time()
            try:
                with open(target, "w", encoding="utf-8") as f:
                    f.write(source.replace(original, mutated, 1))
                compiled = run(["dotnet", "build", csproj, "-c", "Release", "-v", "q", "-nologo",
                                "--no-restore", "-p:TreatWarningsAsErrors=false", "-p:RunAnalyzers=false"], scratch)
                if compiled.returncode != 0:
                    status = "compile-error"
                else:
                    shutil.copy2(dll, os.path.join(test_dir, name))
                    try:
                        # vstest on the built assembly: no MSBuild evaluation of the test project per mutant.
                        tested = run(["dotnet", "vstest", os.path.join(test_dir, "InitLab.Tests.dll"),
                                      "--TestCaseFilter:" + (override or FILE_FILTERS.get(path, FILTERS[folder])),
                                      "--", "xUnit.StopOnFail=true"], scratch, TEST_TIMEOUT)
                        status = "killed" if tested.returncode != 0 else "survived"
                    except subprocess.TimeoutExpired:
                        status = "timeout"   # counted as killed, as Stryker does
            finally:
                with open(target, "w", encoding="utf-8") as f:
                    f.write(source)
                shutil.copy2(pristine, dll)
                shutil.copy2(pristine, os.path.join(test_dir, name))
            seconds = time.time() - start
            rows.append((folder, number, status, seconds, path))
            print(f"{status:13} {seconds:5.0f}s  line {number}: {line[:150]}", flush=True)

        with open(results, "w", encoding="utf-8") as f:
            f.write("folder\tline\tstatus\tseconds\tfile\n")
            for r in rows:
                f.write(f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]:.0f}\t{r[4]}\n")
        print()
        print("folder        killed / counted   score   (survived, compile errors, stale)")
        total_k = total_n = 0
        for folder in folders:
            mine = [r for r in rows if r[0] == folder]
            killed = sum(r[2] in ("killed", "timeout") for r in mine)
            counted = sum(r[2] in ("killed", "timeout", "survived") for r in mine)
            total_k += killed
            total_n += counted
            score = 100.0 * killed / counted if counted else float("nan")
            print(f"{folder:13} {killed:6} / {counted:<7} {score:6.1f}%   ({sum(r[2] == 'survived' for r in mine)}, "
                  f"{sum(r[2] == 'compile-error' for r in mine)}, {sum(r[2] == 'stale' for r in mine)})")
        if total_n:
            print(f"{'all':13} {total_k:6} / {total_n:<7} {100.0 * total_k / total_n:6.1f}%")
        return 0
    finally:
        if keep:
            print(f"kept the scratch tree {scratch} (pass --reuse {scratch} to run again without copying)")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def sync(root, scratch):
    """Brings the scratch tree's sources up to date with the working tree: a file is copied (with a new time stamp, so
    that the build sees it) only where its content differs, e.g. a test written since or a mutant left by a killed run."""
    changed = 0
    for top in ("src", "tests", "scripts"):
        for folder, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = [d for d in dirs if d not in ("bin", "obj", "TestResults")]
            for name in files:
                source = os.path.join(folder, name)
                target = os.path.join(scratch, os.path.relpath(source, root))
                with open(source, "rb") as f:
                    data = f.read()
                if os.path.exists(target):
                    with open(target, "rb") as f:
                        if f.read() == data:
                            continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as f:
                    f.write(data)
                changed += 1
    return changed


if __name__ == "__main__":
    sys.exit(main())
