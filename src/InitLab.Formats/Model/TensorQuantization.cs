namespace InitLab.Formats;

/// <summary>
/// How a tensor was stored quantized (TF.js weight quantization): value = min + scale * q for an unsigned integer q of
/// <see cref="StoredDType"/>. The tensor's data are already dequantized; this record says that the values sit on a
/// grid of step <see cref="Scale"/>, which a distribution test has to allow for.
/// </summary>
/// <param name="StoredDType">uint8 or uint16.</param>
/// <param name="Scale">The grid step.</param>
/// <param name="Min">The value of q = 0.</param>
public sealed record TensorQuantization(string StoredDType, double Scale, double Min);
