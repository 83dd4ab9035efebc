namespace InitLab.Activations;

/// <summary>
/// Composite span kernels (silu = x * sigmoid(x), ...) run over chunks with a stack scratch buffer, so that
/// y may alias x: each chunk of x is read into the scratch before the same chunk of y is written.
/// </summary>
internal static class ChunkedKernel
{
    /// <summary>Elements per chunk: 256 doubles = 2 KiB of stack, a multiple of every vector width.</summary>
    public const int ChunkLength = 256;
}
