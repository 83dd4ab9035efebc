using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace InitLab.Formats.PyTorch;

/// <summary>A reference to a callable or class the pickle named by GLOBAL / STACK_GLOBAL, admitted by the allow-list.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => $"{Module}.{Name}";
}

/// <summary>A Python dict (or OrderedDict) in insertion order; keys compare as Python compares them for the key types a checkpoint uses.</summary>
internal sealed class PickleDict
{
    private readonly Dictionary<object, int> _index = [];

    public List<KeyValuePair<object?, object?>> Items { get; } = [];

    public void Set(object? key, object? value)
    {
        var k = KeyOf(key);
        if (_index.TryGetValue(k, out int i))
        {
            Items[i] = new(key, value);
            return;
        }
        _index[k] = Items.Count;
        Items.Add(new(key, value));
    }

    // Python: 1 == 1.0 == True hash alike; strings and bytes by value; other objects (tuples here) by identity.
    private static object KeyOf(object? key) => key switch
    {
        null => "n",
        string s => "s:" + s,
        BigInteger b => "i:" + b.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "i:1" : "i:0",
        double d when Math.Floor(d) == d && Math.Abs(d) < 1e18 => "i:" + ((long)d).ToString(CultureInfo.InvariantCulture),
        double d => "f:" + d.ToString("R", CultureInfo.InvariantCulture),
        byte[] b => "b:" + Convert.ToHexString(b),
        _ => key,
    };
}

/// <summary>A Python tuple.</summary>
internal sealed record PickleTuple(object?[] Items);

/// <summary>The persistent id of a storage: ('storage', storage type, key, location, numel).</summary>
internal sealed record TorchStorage(string DType, string Key, string Location, long Numel);

/// <summary>A tensor rebuilt by torch._utils._rebuild_tensor_v2/v3: a strided view of a storage.</summary>
internal sealed record TorchTensor(TorchStorage Storage, long Offset, long[] Size, long[] Stride, string DType);

/// <summary>
/// A pickle virtual machine for the subset of protocols 0-5 that torch.save writes, which rebuilds only data: None,
/// booleans, integers, floats, strings, bytes, tuples, lists, dicts and OrderedDicts, storages (through the persistent
/// id) and tensors (through torch._utils._rebuild_tensor_v2/v3 and _rebuild_parameter). Any other global is refused
/// by name before anything is called or constructed; opcodes that instantiate classes (INST, OBJ, NEWOBJ, NEWOBJ_EX,
/// EXT*) and out-of-band buffers are refused. Stack, memo and nesting are bounded.
/// </summary>
internal sealed class Unpickler
{
    /// <summary>Globals the machine admits, with what each may be used for.</summary>
    private static readonly HashSet<string> Allowed = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict", "builtins.dict", "__builtin__.dict",
        "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
        "torch.Size", "_codecs.encode",
    };

    /// <summary>Storage classes and the element type each holds.</summary>
    internal static readonly Dictionary<string, string> StorageTypes = new(StringComparer.Ordinal)
    {
        ["DoubleStorage"] = DTypes.Float64, ["FloatStorage"] = DTypes.Float32, ["HalfStorage"] = DTypes.Float16,
        ["BFloat16Storage"] = DTypes.BFloat16, ["LongStorage"] = DTypes.Int64, ["IntStorage"] = DTypes.Int32,
        ["ShortStorage"] = DTypes.Int16, ["CharStorage"] = DTypes.Int8, ["ByteStorage"] = DTypes.UInt8,
        ["BoolStorage"] = DTypes.Bool, ["UntypedStorage"] = DTypes.UInt8,
    };

    /// <summary>torch dtype objects (torch.float32, ...) as _rebuild_tensor_v3 receives them.</summary>
    private static readonly Dictionary<string, string> TorchDTypes = new(StringComparer.Ordinal)
    {
        ["float64"] = DTypes.Float64, ["double"] = DTypes.Float64, ["float32"] = DTypes.Float32, ["float"] = DTypes.Float32,
        ["float16"] = DTypes.Float16, ["half"] = DTypes.Float16, ["bfloat16"] = DTypes.BFloat16,
        ["int64"] = DTypes.Int64, ["long"] = DTypes.Int64, ["int32"] = DTypes.Int32, ["int"] = DTypes.Int32,
        ["int16"] = DTypes.Int16, ["short"] = DTypes.Int16, ["int8"] = DTypes.Int8, ["uint8"] = DTypes.UInt8, ["bool"] = DTypes.Bool,
    };

    public const int MaxStack = 1_000_000;
    public const int MaxMemo = 10_000_000;

    private static readonly object Mark = new();

    private readonly byte[] _data;
    private readonly string _name;
    private int _pos;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private readonly Dictionary<string, TorchStorage> _storages = new(StringComparer.Ordinal);

    private Unpickler(byte[] data, string name)
    {
        _data = data;
        _name = name;
    }

    /// <summary>Runs the pickle to its STOP and returns the object it built.</summary>
    /// <exception cref="InvalidDataException">A malformed pickle, or one that names a global outside the allow-list.</exception>
    public static object? Load(byte[] data, string name) => new Unpickler(data, name).Run();

    private InvalidDataException Corrupt(string why) => new($"'{_name}' is not a readable PyTorch checkpoint: {why}.");

    private object? Run()
    {
        while (true)
        {
            if (_pos >= _data.Length) throw Corrupt("the pickle ends without a STOP opcode");
            int at = _pos;
            byte op = _data[_pos++];
            switch (op)
            {
                case 0x80: // PROTO
                    if (Byte() > 5) throw Corrupt($"pickle protocol {_data[_pos - 1]} is newer than 5");
                    break;
                case 0x95: // FRAME: an 8-byte length; frames only group opcodes
                    Bytes(8);
                    break;
                case (byte)'.': // STOP
                    if (_stack.Count != 1 || _marks.Count != 0) throw Corrupt("the pickle stops with an unbalanced stack");
                    return _stack[0];
                case (byte)'(': Push(Mark); _marks.Add(_stack.Count - 1); break; // MARK
                case (byte)'}': Push(new PickleDict()); break; // EMPTY_DICT
                case (byte)']': Push(new List<object?>()); break; // EMPTY_LIST
                case (byte)')': Push(new PickleTuple([])); break; // EMPTY_TUPLE
                case (byte)'t': Push(new PickleTuple(PopToMark().ToArray())); break; // TUPLE
                case 0x85: Push(new PickleTuple([Pop()])); break; // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new PickleTuple([a, b])); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new PickleTuple([a, b, c])); break; } // TUPLE3
                case (byte)'l': Push(PopToMark()); break; // LIST
                case (byte)'d': { var items = PopToMark(); Push(DictOf(items)); break; } // DICT
                case (byte)'N': Push(null); break; // NONE
                case 0x88: Push(true); break; // NEWTRUE
                case 0x89: Push(false); break; // NEWFALSE
                case (byte)'J': Push(new BigInteger(BinaryPrimitives.ReadInt32LittleEndian(Bytes(4)))); break; // BININT
                case (byte)'K': Push(new BigInteger(Byte())); break; // BININT1
                case (byte)'M': Push(new BigInteger(BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2)))); break; // BININT2
                case 0x8a: Push(Long(Byte())); break; // LONG1
                case 0x8b: // LONG4
                    {
                        int n = BinaryPrimitives.ReadInt32LittleEndian(Bytes(4));
                        if (n is < 0 or > 1024) throw Corrupt($"a LONG4 integer of {n} bytes (at most 1024 are read)");
                        Push(Long(n));
                        break;
                    }
                case (byte)'I': Push(TextInt(Line())); break; // INT (protocol 0); "01"/"00" are True/False
                case (byte)'L': Push(TextInt(Line().TrimEnd('L'))); break; // LONG (protocol 0)
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8))); break; // BINFLOAT
                case (byte)'F': // FLOAT (protocol 0)
                    {
                        string s = Line();
                        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) throw Corrupt($"FLOAT '{Short(s)}' is not a number");
                        Push(v);
                        break;
                    }
                case (byte)'X': Push(Utf8(Bytes(Length32()))); break; // BINUNICODE
                case 0x8c: Push(Utf8(Bytes(Byte()))); break; // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(Bytes(Length64()))); break; // BINUNICODE8
                case (byte)'T': Push(Encoding.Latin1.GetString(Bytes(Length32()))); break; // BINSTRING
                case (byte)'U': Push(Encoding.Latin1.GetString(Bytes(Byte()))); break; // SHORT_BINSTRING
                case (byte)'B': Push(Bytes(Length32()).ToArray()); break; // BINBYTES
                case (byte)'C': Push(Bytes(Byte()).ToArray()); break; // SHORT_BINBYTES
                case 0x8e: Push(Bytes(Length64()).ToArray()); break; // BINBYTES8
                case 0x96: Push(Bytes(Length64()).ToArray()); break; // BYTEARRAY8
                case (byte)'V': Push(Line()); break; // UNICODE (protocol 0, raw-unicode-escape; ASCII names only in practice)
                case (byte)'S': Push(Line().Trim('\'', '"')); break; // STRING (protocol 0)
                case (byte)'q': MemoPut(Byte()); break; // BINPUT
                case (byte)'r': MemoPut(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))); break; // LONG_BINPUT
                case (byte)'p': MemoPut(ParseIndex(Line())); break; // PUT
                case 0x94: MemoPut(_memo.Count); break; // MEMOIZE
                case (byte)'h': Push(MemoGet(Byte())); break; // BINGET
                case (byte)'j': Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)))); break; // LONG_BINGET
                case (byte)'g': Push(MemoGet(ParseIndex(Line()))); break; // GET
                case (byte)'c': { string module = Line(); string name = Line(); Push(Global(module, name)); break; } // GLOBAL
                case 0x93: // STACK_GLOBAL
                    {
                        var name = Pop() as string ?? throw Corrupt("STACK_GLOBAL without a string name");
                        var module = Pop() as string ?? throw Corrupt("STACK_GLOBAL without a string module");
                        Push(Global(module, name));
                        break;
                    }
                case (byte)'R': { var args = Pop(); var callable = Pop(); Push(Reduce(callable, args)); break; } // REDUCE
                case (byte)'b': { var state = Pop(); Build(Peek(), state); break; } // BUILD
                case (byte)'Q': Push(PersistentLoad(Pop())); break; // BINPERSID
                case (byte)'P': throw Corrupt("the text persistent id (PERSID) is not used by torch.save"); // PERSID
                case (byte)'a': { var v = Pop(); AsList(Peek()).Add(v); break; } // APPEND
                case (byte)'e': { var items = PopToMark(); AsList(Peek()).AddRange(items); break; } // APPENDS
                case (byte)'s': { var v = Pop(); var k = Pop(); AsDict(Peek()).Set(k, v); break; } // SETITEM
                case (byte)'u': // SETITEMS
                    {
                        var items = PopToMark();
                        if (items.Count % 2 != 0) throw Corrupt("SETITEMS with an odd number of items");
                        var dict = AsDict(Peek());
                        for (int i = 0; i < items.Count; i += 2) dict.Set(items[i], items[i + 1]);
                        break;
                    }
                case 0x8f: Push(new List<object?>()); break; // EMPTY_SET (a set is kept as a list)
                case 0x90: { var items = PopToMark(); AsList(Peek()).AddRange(items); break; } // ADDITEMS
                case 0x91: Push(PopToMark()); break; // FROZENSET
                case (byte)'0': Pop(); break; // POP
                case (byte)'1': PopToMark(); break; // POP_MARK
                case (byte)'2': Push(Peek()); break; // DUP
                case (byte)'i' or (byte)'o' or 0x81 or 0x92:
                    throw Corrupt($"opcode 0x{op:x2} at byte {at} instantiates a class, which InitLab never does (only tensors, dicts, lists, tuples, strings and numbers are rebuilt)");
                case 0x82 or 0x83 or 0x84:
                    throw Corrupt($"the extension-registry opcode 0x{op:x2} at byte {at} is not supported");
                case 0x97 or 0x98:
                    throw Corrupt($"out-of-band buffer opcode 0x{op:x2} at byte {at} is not supported");
                default:
                    throw Corrupt($"unknown pickle opcode 0x{op:x2} at byte {at}");
            }
        }
    }

    private void Push(object? value)
    {
        if (_stack.Count >= MaxStack) throw Corrupt($"the pickle stack exceeds {MaxStack} entries");
        _stack.Add(value);
    }

    private object? Pop()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks[^1] == _stack.Count - 1)) throw Corrupt("the pickle pops an empty stack");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? Peek()
    {
        if (_stack.Count == 0 || ReferenceEquals(_stack[^1], Mark)) throw Corrupt("the pickle reads an empty stack");
        return _stack[^1];
    }

    private List<object?> PopToMark()
    {
        if (_marks.Count == 0) throw Corrupt("the pickle pops to a MARK it never set");
        int mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(mark + 1, _stack.Count - mark - 1);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private byte Byte()
    {
        if (_pos >= _data.Length) throw Corrupt("the pickle ends inside an opcode");
        return _data[_pos++];
    }

    private ReadOnlySpan<byte> Bytes(long n)
    {
        if (n < 0 || n > _data.Length - _pos) throw Corrupt($"an opcode asks for {n} bytes but {_data.Length - _pos} remain");
        var span = _data.AsSpan(_pos, (int)n);
        _pos += (int)n;
        return span;
    }

    private long Length32() => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4));

    private long Length64()
    {
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8));
        return n > int.MaxValue ? -1 : (long)n;
    }

    private string Line()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0 || end - _pos > 4096) throw Corrupt("a text opcode has no end of line within 4096 bytes");
        string s = Encoding.Latin1.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    private string Utf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Corrupt("a string is not valid UTF-8");
        }
    }

    private static BigInteger Long(ReadOnlySpan<byte> bytes) => new(bytes, isUnsigned: false, isBigEndian: false);

    private BigInteger Long(int n) => Long(Bytes(n));

    private object TextInt(string s)
    {
        if (s == "01") return true;
        if (s == "00") return false;
        if (s.Length > 400 || !BigInteger.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            throw Corrupt($"INT '{Short(s)}' is not an integer");
        return v;
    }

    private long ParseIndex(string s) =>
        long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : throw Corrupt($"memo index '{Short(s)}' is not a number");

    private static string Short(string s) => s.Length <= 40 ? s : s[..40] + "...";

    private void MemoPut(long index)
    {
        if (_memo.Count >= MaxMemo && !_memo.ContainsKey(index)) throw Corrupt($"the pickle memo exceeds {MaxMemo} entries");
        _memo[index] = Peek();
    }

    private object? MemoGet(long index) =>
        _memo.TryGetValue(index, out var v) ? v : throw Corrupt($"the pickle reads memo slot {index}, which it never wrote");

    private List<object?> AsList(object? o) => o as List<object?> ?? throw Corrupt($"APPEND or ADDITEMS on a {Describe(o)}, not a list");

    private PickleDict AsDict(object? o) => o as PickleDict ?? throw Corrupt($"SETITEM on a {Describe(o)}, not a dict");

    private PickleDict DictOf(List<object?> items)
    {
        if (items.Count % 2 != 0) throw Corrupt("DICT with an odd number of items");
        var d = new PickleDict();
        for (int i = 0; i < items.Count; i += 2) d.Set(items[i], items[i + 1]);
        return d;
    }

    internal static string Describe(object? o) => o switch
    {
        null => "None",
        PickleGlobal g => g.FullName,
        PickleDict => "dict",
        List<object?> => "list",
        PickleTuple => "tuple",
        TorchTensor => "tensor",
        TorchStorage => "storage",
        string => "string",
        byte[] => "bytes",
        _ => o.GetType() == typeof(BigInteger) ? "int" : o is double ? "float" : o is bool ? "bool" : "object",
    };

    /// <summary>Admits a global only if it is on the allow-list (or is a storage class or a torch dtype); refuses every other by name.</summary>
    private PickleGlobal Global(string module, string name)
    {
        var g = new PickleGlobal(module, name);
        if (Allowed.Contains(g.FullName)) return g;
        if (module == "torch" && (StorageTypes.ContainsKey(name) || TorchDTypes.ContainsKey(name))) return g;
        string hint = module == "__main__" || module.StartsWith("torch.nn", StringComparison.Ordinal)
            ? " (the file pickles a whole model object: save model.state_dict() instead)" : "";
        throw Corrupt($"the pickle names the global '{Short(module)}.{Short(name)}', which is not on InitLab's allow-list{hint}; " +
            "only tensors, storages, dicts, OrderedDicts, lists, tuples, strings and numbers are rebuilt, nothing else is constructed");
    }

    private object? Reduce(object? callable, object? args)
    {
        if (callable is not PickleGlobal g) throw Corrupt($"REDUCE calls a {Describe(callable)}, which is not a callable");
        if (args is not PickleTuple t) throw Corrupt($"REDUCE of {g.FullName} with {Describe(args)} arguments instead of a tuple");
        var a = t.Items;
        switch (g.FullName)
        {
            case "collections.OrderedDict" or "builtins.dict" or "__builtin__.dict":
                {
                    var d = new PickleDict();
                    if (a.Length == 0) return d;
                    if (a.Length == 1 && a[0] is List<object?> pairs)
                    {
                        foreach (var p in pairs)
                        {
                            if (p is not PickleTuple { Items.Length: 2 } kv) throw Corrupt($"{g.FullName} built from a list that holds a {Describe(p)}, not a pair");
                            d.Set(kv.Items[0], kv.Items[1]);
                        }
                        return d;
                    }
                    throw Corrupt($"{g.FullName} called with {a.Length} arguments");
                }
            case "torch._utils._rebuild_tensor_v2":
                if (a.Length is < 6 or > 7) throw Corrupt($"_rebuild_tensor_v2 called with {a.Length} arguments (6 or 7 expected)");
                return Tensor(a[0], a[1], a[2], a[3], dtype: null);
            case "torch._utils._rebuild_tensor_v3":
                if (a.Length is < 7 or > 8) throw Corrupt($"_rebuild_tensor_v3 called with {a.Length} arguments (7 or 8 expected)");
                if (a[6] is not PickleGlobal { Module: "torch" } dt || !TorchDTypes.TryGetValue(dt.Name, out var dtype))
                    throw Corrupt($"_rebuild_tensor_v3 with dtype {Describe(a[6])}");
                return Tensor(a[0], a[1], a[2], a[3], dtype);
            case "torch._utils._rebuild_parameter" or "torch._utils._rebuild_parameter_with_state":
                if (a.Length is < 3 or > 4 || a[0] is not TorchTensor parameter) throw Corrupt($"{g.Name} called without a tensor");
                return parameter;
            case "torch.Size":
                if (a.Length != 1 || a[0] is not PickleTuple size) throw Corrupt("torch.Size called without a tuple");
                return size;
            case "_codecs.encode":
                if (a.Length != 2 || a[0] is not string text || a[1] is not "latin1") throw Corrupt("_codecs.encode called with arguments other than (str, 'latin1')");
                return Encoding.Latin1.GetBytes(text);
            default:
                throw Corrupt($"{g.FullName} is not callable");
        }
    }

    /// <summary>BUILD sets an object's state; InitLab only allows it on dicts (an OrderedDict's _metadata attribute), and ignores the state.</summary>
    private void Build(object? target, object? state)
    {
        if (target is PickleDict && state is PickleDict or null) return;
        if (target is TorchTensor) return; // _rebuild_tensor_v2's tensor subclasses set Python attributes; data are unaffected.
        throw Corrupt($"BUILD sets the state of a {Describe(target)} from a {Describe(state)}");
    }

    private object PersistentLoad(object? pid)
    {
        if (pid is not PickleTuple { Items: [string kind, PickleGlobal type, string key, string location, BigInteger numel] } || kind != "storage")
            throw Corrupt($"a persistent id other than ('storage', type, key, location, numel): {Describe(pid)}");
        if (type.Module != "torch" || !StorageTypes.TryGetValue(type.Name, out var dtype))
            throw Corrupt($"storage type {type.FullName} is not supported");
        if (numel < 0 || numel > long.MaxValue / 8) throw Corrupt($"storage '{Short(key)}' claims {numel} elements");
        if (key.Length is 0 or > 64 || key.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '_'))
            throw Corrupt($"storage key '{Short(key)}' is not a plain name");
        if (_storages.TryGetValue(key, out var existing))
        {
            if (existing.DType != dtype) throw Corrupt($"storage '{key}' is used with two element types");
            return existing;
        }
        var storage = new TorchStorage(dtype, key, location, (long)numel);
        _storages[key] = storage;
        return storage;
    }

    private TorchTensor Tensor(object? storage, object? offset, object? size, object? stride, string? dtype)
    {
        if (storage is not TorchStorage s) throw Corrupt($"a tensor rebuilt from a {Describe(storage)}, not a storage");
        long off = AsLong(offset, "storage offset");
        var dims = Longs(size, "size");
        var strides = Longs(stride, "stride");
        if (dims.Length != strides.Length) throw Corrupt($"a tensor with {dims.Length} sizes but {strides.Length} strides");
        if (dims.Length > 64) throw Corrupt($"a tensor with {dims.Length} dimensions");
        return new TorchTensor(s, off, dims, strides, dtype ?? s.DType);
    }

    private long AsLong(object? o, string what)
    {
        if (o is BigInteger b && b >= 0 && b <= long.MaxValue) return (long)b;
        throw Corrupt($"a tensor's {what} is {Describe(o)}, not a non-negative integer");
    }

    private long[] Longs(object? o, string what)
    {
        if (o is not PickleTuple t) throw Corrupt($"a tensor's {what} is a {Describe(o)}, not a tuple");
        return t.Items.Select(x => AsLong(x, what)).ToArray();
    }
}
