namespace InitLab.Random;

/// <summary>
/// The ATen CPU kernel set whose arithmetic <see cref="TorchGenerator"/> reproduces (PyTorch picks one at start-up, or
/// from the ATEN_CPU_CAPABILITY environment variable). The two differ in the bits of every result whose last step is
/// a multiply-add: GCC compiles the AVX2 and AVX512 kernels with -mfma and contracts x * y + z into one fused
/// multiply-add, the default kernels have no FMA.
/// </summary>
public enum TorchCpuCapability
{
    /// <summary>
    /// The AVX2 kernels, which PyTorch 1.13 uses on any x86-64 CPU with AVX2 and FMA (it reports "CPU capability usage:
    /// AVX2"). Float normals of 16 or more elements go through the vectorized Box-Muller with the Cephes-derived
    /// <c>avx_mathfun.h</c> log and sincos. The AVX512 kernels give the same bits (normal_ has no AVX512 kernel, and
    /// uniform_ and erfinv_ contract the same multiply-adds).
    /// </summary>
    Avx2,

    /// <summary>The portable kernels (ATEN_CPU_CAPABILITY=default, or a CPU without AVX2): no FMA, float normals through the C library's logf, cosf and sinf.</summary>
    Default,
}
