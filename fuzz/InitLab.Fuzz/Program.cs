using InitLab.Formats;
using SharpFuzz;

namespace InitLab.Fuzz;

/// <summary>
/// Fuzz targets for InitLab's file readers. A reader may reject its input only with the errors the CLI turns into a
/// one-line message and exit code 2 (<see cref="ArgumentException"/>, <see cref="InvalidDataException"/>,
/// <see cref="FileNotFoundException"/> for a missing sibling file); any other
/// exception, a hang or a crash is a finding.
/// <code>
/// InitLab.Fuzz TARGET                  # AFL mode (afl-fuzz runs it; input on stdin, SharpFuzz's shared-memory protocol)
/// InitLab.Fuzz TARGET --libfuzzer      # libFuzzer mode (with libfuzzer-dotnet)
/// InitLab.Fuzz TARGET --replay PATH... # run files or folders once, in process, and report findings (no fuzzer needed)
/// </code>
/// </summary>
public static class Program
{
    /// <summary>The readers, by target name.</summary>
    public static readonly IReadOnlyDictionary<string, Action<Stream>> Targets = new Dictionary<string, Action<Stream>>
    {
        ["npy"] = stream => InitLab.Formats.Npy.NpyFormat.Read(stream, "input.npy"),
        ["sweep"] = stream => InitLab.Formats.Sweeps.SweepJson.Read(Bytes(stream), "input.json"),
        ["trainability"] = stream => InitLab.Formats.Trainability.TrainabilityJson.Read(Bytes(stream), "input.json"),
        ["idx"] = stream => InitLab.Formats.Idx.IdxFormat.Read(stream, "input.gz"),
        ["spec"] = stream => InitLab.Networks.Spec.GraphSpec.Parse(System.Text.Encoding.UTF8.GetString(Bytes(stream))),
        // The model readers, as `initlab inspect` runs them; every tensor's bytes are read too (where the bugs of a
        // length field show). A TF.js manifest's shards are absent: their lookup is a FileNotFoundException.
        ["npz"] = stream => Model(stream, "input.npz", ModelFormats.Npz),
        ["safetensors"] = stream => Model(stream, "input.safetensors", ModelFormats.Safetensors),
        ["pytorch"] = stream => Model(stream, "input.pt", ModelFormats.PyTorch),
        ["onnx"] = stream => Model(stream, "input.onnx", ModelFormats.Onnx),
        // The ONNX reader, then the import of its graph into a network graph (what propagate --onnx and probe --compare run).
        ["onnx-graph"] = stream => InitLab.Formats.Onnx.OnnxGraphImport.Import(ModelFiles.Read(new MemorySource("input.onnx", Bytes(stream)), ModelFormats.Onnx)),
        ["tfjs"] = stream => Model(stream, "model.json", ModelFormats.TfJs),
    };

    private static byte[] Bytes(Stream stream) => ((MemoryStream)stream).ToArray();

    private static void Model(Stream stream, string name, string format)
    {
        var model = ModelFiles.Read(new MemorySource(name, Bytes(stream)), format);
        foreach (var tensor in model.Tensors)
            if (tensor.ByteLength <= 1 << 26) tensor.ReadBytes();
    }

    public static int Main(string[] args)
    {
        if (args.Length == 0 || !Targets.TryGetValue(args[0], out var target))
        {
            Console.Error.WriteLine($"usage: InitLab.Fuzz TARGET [--libfuzzer | --replay PATH...]; targets: {string.Join(", ", Targets.Keys)}");
            return 2;
        }
        Action<Stream> checkedTarget = input =>
        {
            // The readers take seekable streams (a file); the fuzzer hands over stdin.
            using var stream = new MemoryStream();
            input.CopyTo(stream);
            stream.Position = 0;
            try
            {
                target(stream);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidDataException or FileNotFoundException)
            {
                // A clean rejection (what the CLI reports in one line with exit code 2).
            }
        };
        if (args.Length > 1 && args[1] == "--replay")
            return Replay(checkedTarget, args.Skip(2));
        if (args.Length > 1 && args[1] == "--libfuzzer")
        {
            Fuzzer.LibFuzzer.Run(span =>
            {
                using var stream = new MemoryStream(span.ToArray());
                checkedTarget(stream);
            });
            return 0;
        }
        Fuzzer.OutOfProcess.Run(checkedTarget);
        return 0;
    }

    private static int Replay(Action<Stream> target, IEnumerable<string> paths)
    {
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]).ToList();
        int findings = 0;
        foreach (string file in files)
        {
            try
            {
                using var stream = File.OpenRead(file);
                target(stream);
            }
            catch (Exception ex)
            {
                findings++;
                Console.WriteLine($"FINDING {file}: {ex.GetType().Name}: {ex.Message}");
            }
        }
        Console.WriteLine($"{files.Count} inputs, {findings} findings");
        return findings == 0 ? 0 : 1;
    }
}
