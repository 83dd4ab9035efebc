using InitLab.Activations;

namespace InitLab.Tests.Activations;

/// <summary>Every built-in activation (with non-default parameters too), for table-driven tests.</summary>
public static class ActivationTestData
{
    public static IEnumerable<Activation> All()
    {
        foreach (string name in ActivationRegistry.Names) yield return ActivationRegistry.Parse(name);
        yield return Activation.LeakyRelu(0.2);
        yield return Activation.LeakyRelu(2.5);
        yield return Activation.Elu(0.5);
    }

    public static TheoryData<string, double?> Names()
    {
        var data = new TheoryData<string, double?>();
        foreach (var a in All()) data.Add(a.Name, a.Parameter);
        return data;
    }
}
