namespace InitLab.Formats.Onnx;

/// <summary>
/// A bounds-checked reader of the protobuf wire format over one message's bytes: tags, varints, fixed32/64 and
/// length-delimited fields, each checked against the message end before it is read. Groups (wire types 3 and 4) are
/// refused; unknown fields are skipped.
/// </summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _file;
    private int _pos;

    public ProtoReader(ReadOnlySpan<byte> data, int offset, string file)
    {
        _data = data;
        _pos = 0;
        Offset = offset;
        _file = file;
    }

    /// <summary>Where this message starts in the file (for lazy slices of raw data).</summary>
    public int Offset { get; }

    public int Position => _pos;

    public bool End => _pos >= _data.Length;

    public (int Field, int Wire) Tag()
    {
        ulong tag = Varint();
        int wire = (int)(tag & 7);
        ulong field = tag >> 3;
        if (field == 0 || field > 536_870_911) throw Corrupt($"field number {field} is invalid");
        if (wire is 3 or 4 or 6 or 7) throw Corrupt($"wire type {wire} (groups or reserved) is not supported");
        return ((int)field, wire);
    }

    public ulong Varint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_pos >= _data.Length) throw Corrupt("a varint runs past the end of its message");
            byte b = _data[_pos++];
            if (shift == 63 && b > 1) throw Corrupt("a varint overflows 64 bits");
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw Corrupt("a varint is longer than 10 bytes");
    }

    public long Int64() => (long)Varint();

    public int Int32()
    {
        long v = Int64();
        if (v is < int.MinValue or > int.MaxValue) throw Corrupt($"an int32 field holds {v}");
        return (int)v;
    }

    public uint Fixed32()
    {
        if (_data.Length - _pos < 4) throw Corrupt("a fixed32 runs past the end of its message");
        uint v = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(_data[_pos..]);
        _pos += 4;
        return v;
    }

    public ulong Fixed64()
    {
        if (_data.Length - _pos < 8) throw Corrupt("a fixed64 runs past the end of its message");
        ulong v = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_data[_pos..]);
        _pos += 8;
        return v;
    }

    /// <summary>A length-delimited field; returns its offset within this message and its length.</summary>
    public (int Start, int Length) Bytes()
    {
        ulong n = Varint();
        if (n > (ulong)(_data.Length - _pos)) throw Corrupt($"a field claims {n} bytes but its message has {_data.Length - _pos} left");
        int start = _pos;
        _pos += (int)n;
        return (start, (int)n);
    }

    public ReadOnlySpan<byte> Slice((int Start, int Length) r) => _data.Slice(r.Start, r.Length);

    public string String()
    {
        var r = Bytes();
        try
        {
            return Strict.GetString(_data.Slice(r.Start, r.Length));
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw Corrupt("a string field is not valid UTF-8");
        }
    }

    private static readonly System.Text.UTF8Encoding Strict = new(false, true);

    public void Skip(int wire)
    {
        switch (wire)
        {
            case 0: Varint(); break;
            case 1: Fixed64(); break;
            case 2: Bytes(); break;
            case 5: Fixed32(); break;
            default: throw Corrupt($"wire type {wire} cannot be skipped");
        }
    }

    /// <summary>A repeated scalar field, packed (wire type 2) or not: calls <paramref name="add"/> per value.</summary>
    public void Repeated(int wire, int scalarWire, Action<ulong> add, int limit, ref int count)
    {
        if (wire == 2)
        {
            var r = Bytes();
            var inner = new ProtoReader(_data.Slice(r.Start, r.Length), Offset + r.Start, _file);
            while (!inner.End)
            {
                if (++count > limit) throw Corrupt($"a repeated field holds more than {limit} values");
                add(scalarWire switch { 0 => inner.Varint(), 1 => inner.Fixed64(), _ => inner.Fixed32() });
            }
        }
        else
        {
            if (wire != scalarWire) throw Corrupt($"a repeated field has wire type {wire} where {scalarWire} was expected");
            if (++count > limit) throw Corrupt($"a repeated field holds more than {limit} values");
            add(scalarWire switch { 0 => Varint(), 1 => Fixed64(), _ => Fixed32() });
        }
    }

    public readonly InvalidDataException Corrupt(string why) => new($"'{_file}' is not a readable ONNX model: {why} (at byte {Offset + _pos}).");
}
