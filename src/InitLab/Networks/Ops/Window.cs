using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// The sliding-window geometry of conv and pooling over 1, 2 or 3 spatial dimensions, held as 3-D (leading dimensions of size 1,
/// kernel 1, stride 1, no padding): out = floor((in + pad + pad_end - dilation (kernel - 1) - 1) / stride) + 1, as PyTorch
/// (pad_end = pad unless given: ONNX's asymmetric pads). In ceil mode the division rounds up, and a last window that would
/// start in the end padding is dropped (PyTorch's and ONNX Runtime's rule).
/// </summary>
internal sealed class Window
{
    public int Channels, Rank;
    public int[] In = new int[3], Out = new int[3], Kernel = new int[3], Stride = new int[3], Pad = new int[3], PadEnd = new int[3], Dilation = new int[3];

    public int InSize => In[0] * In[1] * In[2];
    public int OutSize => Out[0] * Out[1] * Out[2];
    public int KernelSize => Kernel[0] * Kernel[1] * Kernel[2];

    /// <summary>
    /// The geometry of a (C, *spatial) input; attribute arrays of length 1 apply to every spatial dimension. Padding is added
    /// before each dimension and <paramref name="paddingEnd"/> (default: the same) after it.
    /// </summary>
    public static Window Of(Shape input, int[] kernel, int[] stride, int[] padding, int[] dilation, int[]? paddingEnd = null, bool ceil = false)
    {
        int rank = input.Rank - 1;
        if (rank < 1 || rank > 3)
            throw new ArgumentException($"needs an input (channels, 1 to 3 spatial dimensions), got shape {input}.");
        var w = new Window { Channels = input[0], Rank = rank };
        var k = Expand(kernel, rank, "kernel");
        var s = Expand(stride, rank, "stride");
        var p = Expand(padding, rank, "padding");
        var d = Expand(dilation, rank, "dilation");
        var e = paddingEnd is null ? p : Expand(paddingEnd, rank, "padding_end");
        for (int i = 0; i < 3; i++)
        {
            int j = i - (3 - rank);
            if (j < 0)
            {
                w.In[i] = w.Out[i] = w.Kernel[i] = w.Stride[i] = w.Dilation[i] = 1;
                continue;
            }
            if (k[j] < 1) throw new ArgumentException($"kernel must be >= 1, got {k[j]}.");
            if (s[j] < 1) throw new ArgumentException($"stride must be >= 1, got {s[j]}.");
            if (p[j] < 0) throw new ArgumentException($"padding must be >= 0, got {p[j]}.");
            if (d[j] < 1) throw new ArgumentException($"dilation must be >= 1, got {d[j]}.");
            if (e[j] < 0) throw new ArgumentException($"padding_end must be >= 0, got {e[j]}.");
            w.In[i] = input[j + 1];
            w.Kernel[i] = k[j];
            w.Stride[i] = s[j];
            w.Pad[i] = p[j];
            w.PadEnd[i] = e[j];
            w.Dilation[i] = d[j];
            long span = (long)d[j] * (k[j] - 1) + 1;
            long padded = (long)input[j + 1] + p[j] + e[j];
            string pads = e[j] == p[j] ? $"padding {p[j]}" : $"padding {p[j]} before and {e[j]} after";
            if (padded < span)
                throw new ArgumentException($"a window of {span} (kernel {k[j]}, dilation {d[j]}) does not fit spatial size {input[j + 1]} with {pads} (input {input}).");
            long o = (padded - span) / s[j] + 1;
            if (ceil && (padded - span) % s[j] != 0)
            {
                o++;
                // The last window must start inside the input or its leading padding.
                if ((o - 1) * s[j] >= input[j + 1] + (long)p[j]) o--;
            }
            if (o > int.MaxValue) throw new ArgumentException($"spatial size {input[j + 1]} gives {o} outputs, more than an array holds.");
            w.Out[i] = (int)o;
        }
        return w;
    }

    /// <summary>The output spatial dims (rank entries).</summary>
    public int[] OutDims => Out[(3 - Rank)..];

    private static int[] Expand(int[] values, int rank, string name)
    {
        if (values.Length == 1) return Enumerable.Repeat(values[0], rank).ToArray();
        if (values.Length == rank) return values;
        throw new ArgumentException($"{name} has {values.Length} values for {rank} spatial dimension(s); give 1 or {rank}.");
    }

    /// <summary>
    /// im2col for one image: cols[(c K + kd KH KW + kh KW + kw) * P + (od OH OW + oh OW + ow)] = x[c, id, ih, iw] (0 outside),
    /// with K = kernel size and P = output size, for channels c0..c0+count-1 of <paramref name="x"/> (one image, C x InSize).
    /// </summary>
    public void Im2Col<T>(ReadOnlySpan<T> x, int c0, int count, Span<T> cols) where T : unmanaged =>
        Im2ColLines(x, c0, count, 0, Out[0] * Out[1], cols);

    /// <summary>
    /// im2col of output lines <paramref name="line0"/> .. <paramref name="line0"/> + <paramref name="lineCount"/> - 1 (a line is
    /// one (od, oh) pair, Out[2] positions): cols[row * n + (l - line0) * OW + ow], n = lineCount * OW, with the rows of
    /// <see cref="Im2Col{T}"/>. Unit-stride lines are copied with their padding cleared, not element by element.
    /// </summary>
    public void Im2ColLines<T>(ReadOnlySpan<T> x, int c0, int count, int line0, int lineCount, Span<T> cols) where T : unmanaged
    {
        int K = KernelSize, OW = Out[2], n = lineCount * OW;
        int ID = In[0], IH = In[1], IW = In[2], OH = Out[1];
        // Unit strides, equal input and output widths, 1- or 2-D: the band's valid lines of one kernel row are one shifted
        // run of the input plane, copied at once; then the columns that fall in the padding are zeroed line by line.
        bool runs = Rank <= 2 && Stride[1] == 1 && Stride[2] == 1 && IW == OW;
        for (int c = 0; c < count; c++)
        {
            var plane = x.Slice((c0 + c) * InSize, InSize);
            if (runs)
            {
                for (int kh = 0; kh < Kernel[1]; kh++)
                    for (int kw = 0; kw < Kernel[2]; kw++)
                    {
                        var dst = cols.Slice((c * K + kh * Kernel[2] + kw) * n, n);
                        int shift = -Pad[1] + kh * Dilation[1], iw0 = -Pad[2] + kw * Dilation[2];
                        // Lines l with input row ih = line0 + l + shift inside the plane.
                        int la = Math.Clamp(-shift - line0, 0, lineCount), lb = Math.Clamp(IH - shift - line0, la, lineCount);
                        dst[..(la * OW)].Clear();
                        dst[(lb * OW)..].Clear();
                        if (lb == la) continue;
                        int from = (line0 + la + shift) * IW + iw0, to = la * OW, length = (lb - la) * OW;
                        int skip = Math.Max(0, -from), end = Math.Min(length, InSize - from);
                        if (end > skip) plane.Slice(from + skip, end - skip).CopyTo(dst.Slice(to + skip, end - skip));
                        int lo = Math.Clamp(-iw0, 0, OW), hi = Math.Clamp(IW - iw0, lo, OW);
                        if (lo == 0 && hi == OW) continue;
                        // The columns in the padding are few (one per side for a 3 x 3 kernel): written in place, not
                        // through a Clear call per line.
                        for (int l = la; l < lb; l++)
                        {
                            var line = dst.Slice(l * OW, OW);
                            for (int k = 0; k < lo; k++) line[k] = default;
                            for (int k = hi; k < line.Length; k++) line[k] = default;
                        }
                    }
                continue;
            }
            for (int kd = 0; kd < Kernel[0]; kd++)
                for (int kh = 0; kh < Kernel[1]; kh++)
                    for (int kw = 0; kw < Kernel[2]; kw++)
                    {
                        int row = c * K + (kd * Kernel[1] + kh) * Kernel[2] + kw;
                        var dst = cols.Slice(row * n, n);
                        int iw0 = -Pad[2] + kw * Dilation[2];
                        // Unit stride: output positions [lo, hi) read x[iw0 + ow]; the rest are padding.
                        int lo = Math.Clamp(-iw0, 0, OW), hi = Math.Clamp(IW - iw0, lo, OW);
                        for (int l = 0; l < lineCount; l++)
                        {
                            int od = (line0 + l) / OH, oh = (line0 + l) % OH;
                            var line = dst.Slice(l * OW, OW);
                            int id = od * Stride[0] - Pad[0] + kd * Dilation[0];
                            int ih = oh * Stride[1] - Pad[1] + kh * Dilation[1];
                            if ((uint)id >= (uint)ID || (uint)ih >= (uint)IH)
                            {
                                line.Clear();
                                continue;
                            }
                            var src = plane.Slice((id * IH + ih) * IW, IW);
                            if (Stride[2] == 1)
                            {
                                line[..lo].Clear();
                                src.Slice(iw0 + lo, hi - lo).CopyTo(line[lo..hi]);
                                line[hi..].Clear();
                                continue;
                            }
                            for (int ow = 0; ow < OW; ow++)
                            {
                                int iw = iw0 + ow * Stride[2];
                                line[ow] = (uint)iw < (uint)IW ? src[iw] : default;
                            }
                        }
                    }
        }
    }

    /// <summary>col2im: the adjoint of <see cref="Im2Col{T}"/>, ADDING cols into dx (one image).</summary>
    public void Col2Im<T>(ReadOnlySpan<T> cols, int c0, int count, Span<T> dx) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int K = KernelSize, P = OutSize;
        int ID = In[0], IH = In[1], IW = In[2], OD = Out[0], OH = Out[1], OW = Out[2];
        for (int c = 0; c < count; c++)
        {
            var plane = dx.Slice((c0 + c) * InSize, InSize);
            for (int kd = 0; kd < Kernel[0]; kd++)
                for (int kh = 0; kh < Kernel[1]; kh++)
                    for (int kw = 0; kw < Kernel[2]; kw++)
                    {
                        int row = c * K + (kd * Kernel[1] + kh) * Kernel[2] + kw;
                        var src = cols.Slice(row * P, P);
                        for (int od = 0; od < OD; od++)
                        {
                            int id = od * Stride[0] - Pad[0] + kd * Dilation[0];
                            if ((uint)id >= (uint)ID) continue;
                            for (int oh = 0; oh < OH; oh++)
                            {
                                int ih = oh * Stride[1] - Pad[1] + kh * Dilation[1];
                                if ((uint)ih >= (uint)IH) continue;
                                var line = src.Slice((od * OH + oh) * OW, OW);
                                var dst = plane.Slice((id * IH + ih) * IW, IW);
                                int iw0 = -Pad[2] + kw * Dilation[2];
                                for (int ow = 0; ow < OW; ow++)
                                {
                                    int iw = iw0 + ow * Stride[2];
                                    if ((uint)iw < (uint)IW) dst[iw] += line[ow];
                                }
                            }
                        }
                    }
        }
    }
}
