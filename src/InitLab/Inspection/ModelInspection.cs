namespace InitLab.Inspection;

/// <summary>The elements of one tensor as <see cref="ModelInspection"/> reads them.</summary>
/// <param name="Values">The elements widened to double, row-major.</param>
/// <param name="UnitRoundoff">The unit roundoff of the stored floating-point type (2^-53, 2^-24, 2^-11, 2^-8), or null for integer and boolean tensors.</param>
public sealed record TensorData(double[] Values, double? UnitRoundoff);

/// <summary>
/// Inspects every tensor of a model (<see cref="TensorInspector"/>), with roles, layouts and layer fans from
/// <see cref="ParameterNaming.Resolve"/>, and counts the verdicts.
/// </summary>
public static class ModelInspection
{
    /// <summary>Inspects each parameter in order; <paramref name="read"/> supplies its elements (read one tensor at a time).</summary>
    /// <exception cref="ArgumentException">A tensor's data does not match its shape, or alpha is not in (0, 0.5].</exception>
    public static IReadOnlyList<TensorInspection> Inspect(IReadOnlyList<ResolvedParameter> parameters, Func<ResolvedParameter, TensorData> read, double alpha = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(read);
        var result = new List<TensorInspection>(parameters.Count);
        foreach (var p in parameters)
        {
            var data = read(p);
            var options = new InspectionOptions
            {
                Role = p.Role,
                Layout = p.Layout,
                LayerFans = p.LayerFans,
                UnitRoundoff = data.UnitRoundoff ?? Math.Pow(2, -53),
                IntegerValued = data.UnitRoundoff is null,
                Alpha = alpha,
            };
            result.Add(TensorInspector.Inspect(data.Values, p.Shape, options));
        }
        return result;
    }

    /// <summary>The number of tensors of each verdict (every verdict present, zero counts included), in the enum's order.</summary>
    public static IReadOnlyDictionary<Verdict, int> Counts(IEnumerable<TensorInspection> inspections)
    {
        ArgumentNullException.ThrowIfNull(inspections);
        var counts = Enum.GetValues<Verdict>().ToDictionary(v => v, _ => 0);
        foreach (var i in inspections) counts[i.Verdict]++;
        return counts;
    }
}
