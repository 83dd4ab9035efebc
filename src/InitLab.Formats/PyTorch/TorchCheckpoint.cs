using System.Globalization;
using System.Numerics;
using InitLab.Formats.Zip;

namespace InitLab.Formats.PyTorch;

/// <summary>
/// PyTorch checkpoints in the zip format torch.save writes since PyTorch 1.6 (.pt, .pth, .bin): an archive folder
/// holding data.pkl (the pickled object), data/KEY (one raw little-endian storage per key) and byteorder. The pickle
/// runs on an allow-list machine that rebuilds only tensors, dicts, lists, tuples, strings and numbers and refuses any
/// other global by name. Every tensor found in the object is a model tensor, named by its path of keys joined with
/// '.' (a state_dict's own keys; "model.conv1.weight" for a checkpoint dict holding the state_dict under "model"), in
/// the pickle's order; other values (epoch counters, hyper-parameters) are skipped.
/// </summary>
public static class TorchCheckpoint
{
    /// <summary>data.pkl is at most this long (a state_dict's pickle holds names and sizes, not data).</summary>
    public const long MaxPickleLength = 256 << 20;

    /// <summary>Containers nest at most this deep.</summary>
    public const int MaxDepth = 64;

    internal static ModelFile Read(ByteSource source)
    {
        var zip = ZipReader.Open(source);
        var pickles = zip.Entries.Where(e => e.Name == "data.pkl" || e.Name.EndsWith("/data.pkl", StringComparison.Ordinal)).ToList();
        if (pickles.Count != 1) throw Corrupt(source.Name, pickles.Count == 0 ? "the archive has no data.pkl" : "the archive has more than one data.pkl");
        string prefix = pickles[0].Name[..^"data.pkl".Length];
        var byteOrder = zip.Find(prefix + "byteorder");
        if (byteOrder is not null)
        {
            var order = System.Text.Encoding.ASCII.GetString(zip.Read(byteOrder, 16));
            if (order != "little") throw Corrupt(source.Name, $"its byteorder is '{order}'; only little-endian checkpoints are read");
        }
        var root = Unpickler.Load(zip.Read(pickles[0], MaxPickleLength), source.Name);
        var found = new List<(string Name, TorchTensor Tensor)>();
        Collect(root, "", 0, found, new HashSet<object>(ReferenceEqualityComparer.Instance), source.Name);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var tensors = new List<ModelTensor>(found.Count);
        foreach (var (name, t) in found)
        {
            string shownName = name.Length == 0 ? "tensor" : name;
            if (!names.Add(shownName)) throw Corrupt(source.Name, $"two tensors are both named '{shownName}'");
            tensors.Add(ToModelTensor(zip, prefix, shownName, t, source.Name));
        }
        return new ModelFile(ModelFormats.PyTorch, source.Name, tensors);
    }

    private static void Collect(object? o, string path, int depth, List<(string, TorchTensor)> found, HashSet<object> visiting, string file)
    {
        if (o is TorchTensor t)
        {
            found.Add((path, t));
            return;
        }
        if (o is not (PickleDict or List<object?> or PickleTuple)) return;
        if (depth >= MaxDepth) throw Corrupt(file, $"containers nest deeper than {MaxDepth} levels");
        if (!visiting.Add(o)) throw Corrupt(file, "a container contains itself");
        string Join(string key) => path.Length == 0 ? key : path + "." + key;
        switch (o)
        {
            case PickleDict d:
                foreach (var kv in d.Items)
                {
                    string key = kv.Key switch
                    {
                        string s => s,
                        BigInteger b => b.ToString(CultureInfo.InvariantCulture),
                        _ => throw Corrupt(file, $"a dict holding tensors has a {Unpickler.Describe(kv.Key)} key"),
                    };
                    Collect(kv.Value, Join(key), depth + 1, found, visiting, file);
                }
                break;
            case List<object?> list:
                for (int i = 0; i < list.Count; i++) Collect(list[i], Join(i.ToString(CultureInfo.InvariantCulture)), depth + 1, found, visiting, file);
                break;
            case PickleTuple tuple:
                for (int i = 0; i < tuple.Items.Length; i++) Collect(tuple.Items[i], Join(i.ToString(CultureInfo.InvariantCulture)), depth + 1, found, visiting, file);
                break;
        }
        visiting.Remove(o);
    }

    private static ModelTensor ToModelTensor(ZipReader zip, string prefix, string name, TorchTensor t, string file)
    {
        var s = t.Storage;
        var entry = zip.Find(prefix + "data/" + s.Key) ?? throw Corrupt(file, $"tensor '{name}' uses storage '{s.Key}', which the archive lacks");
        int storageItem = DTypes.SizeOf(s.DType);
        int item = DTypes.SizeOf(t.DType);
        if (s.Numel > entry.UncompressedSize / storageItem)
            throw Corrupt(file, $"storage '{s.Key}' claims {s.Numel} elements but its entry has {entry.UncompressedSize} bytes");
        // A v3 tensor may view an untyped (byte) storage with another element type: count in the tensor's elements.
        long available = s.Numel * storageItem / item;
        long count;
        try
        {
            count = ModelTensor.ElementCountOf(t.Size, "size");
        }
        catch (ArgumentException)
        {
            throw Corrupt(file, $"tensor '{name}' has a size ({string.Join(", ", t.Size)}) with too many elements");
        }
        // The last element the view touches: offset + sum (size_i - 1) * stride_i; it must lie inside the storage.
        BigInteger last = t.Offset;
        for (int i = 0; i < t.Size.Length; i++)
            if (t.Size[i] > 0) last += (BigInteger)(t.Size[i] - 1) * t.Stride[i];
        if (count > 0 && last >= available)
            throw Corrupt(file, $"tensor '{name}' (offset {t.Offset}, size ({string.Join(", ", t.Size)}), stride ({string.Join(", ", t.Stride)})) reaches element {last} of a storage of {available}");
        long first = t.Offset;
        long span = count == 0 ? 0 : (long)last - first + 1;
        bool contiguous = IsContiguous(t.Size, t.Stride);
        return new ModelTensor(name, t.Size, t.DType, () =>
        {
            byte[] window = entry.Method == 0
                ? zip.ReadStoredRange(entry, first * item, span * item)
                : zip.Read(entry, entry.UncompressedSize).AsSpan((int)(first * item), (int)(span * item)).ToArray();
            return contiguous ? window : Gather(window, t.Size, t.Stride, item, count);
        });
    }

    private static bool IsContiguous(long[] size, long[] stride)
    {
        long expected = 1;
        for (int i = size.Length - 1; i >= 0; i--)
        {
            if (size[i] != 1 && stride[i] != expected) return false;
            expected *= size[i];
        }
        return true;
    }

    // Copies a strided view (relative to its first element) into row-major order.
    private static byte[] Gather(byte[] window, long[] size, long[] stride, int item, long count)
    {
        var result = new byte[count * item];
        var index = new long[size.Length];
        for (long k = 0; k < count; k++)
        {
            long source = 0;
            for (int i = 0; i < size.Length; i++) source += index[i] * stride[i];
            Buffer.BlockCopy(window, (int)(source * item), result, (int)(k * item), item);
            for (int i = size.Length - 1; i >= 0; i--)
            {
                if (++index[i] < size[i]) break;
                index[i] = 0;
            }
        }
        return result;
    }

    private static InvalidDataException Corrupt(string file, string why) => new($"'{file}' is not a readable PyTorch checkpoint: {why}.");
}
