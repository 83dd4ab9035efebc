using InitLab.Propagation;

namespace InitLab.Tests.Propagation;

public class ResourceEstimateTests
{
    [Theory]
    [InlineData(Engine.Explicit, false)]
    [InlineData(Engine.Explicit, true)]
    [InlineData(Engine.Ensemble, false)]
    [InlineData(Engine.MeanField, false)]
    public void The_closed_form_equals_the_estimate_of_the_spec(Engine engine, bool backward)
    {
        var spec = new NetworkSpec(48, 7, InitLab.Activations.Activation.Relu, WeightDistribution.Gaussian.WithSigmaW(1)) { Batch = 16 };
        var fromSpec = spec.EstimateResources(engine, backward);
        var closed = NetworkSpec.EstimateResources(48, 48, 7, 16, engine, backward);
        Assert.Equal(fromSpec.Parts, closed.Parts);
        Assert.Equal(fromSpec.Operations, closed.Operations, 1e-9 * fromSpec.Operations);
    }

    [Fact]
    public void The_explicit_estimate_counts_the_weight_matrix_the_batches_and_the_trace()
    {
        // One 4096 x 4096 float weight matrix (twice: custom samplers fill a copy), five batches of 64 x 4096 floats,
        // 256 bytes of trace per layer; 2 (B + 1) n^2 L flops (the product and the weight draw).
        var e = NetworkSpec.EstimateResources(4096, 4096, 100, 64, Engine.Explicit);
        Assert.Equal(2.0 * 4096 * 4096 * 4, e.Parts.Single(p => p.Setting == "width").Bytes);
        Assert.Equal(5.0 * 64 * 4096 * 4, e.Parts.Single(p => p.Setting == "batch").Bytes);
        Assert.Equal(100.0 * 256, e.Parts.Single(p => p.Setting == "depth").Bytes);
        Assert.Equal(2.0 * 65 * 4096.0 * 4096 * 100, e.Operations);
        Assert.Equal("width", e.Dominant);
    }

    [Fact]
    public void Absurd_arguments_are_estimated_without_overflow_and_blame_the_right_setting()
    {
        var deep = NetworkSpec.EstimateResources(16, 16, 1_000_000_000, 64, Engine.Explicit);
        Assert.Equal("depth", deep.Dominant);
        Assert.True(deep.Bytes > 2e11);
        var wide = NetworkSpec.EstimateResources(100_000_000, 100_000_000, 2, 64, Engine.Explicit);
        Assert.Equal("width", wide.Dominant);
        Assert.True(double.IsFinite(wide.Bytes) && wide.Bytes > 1e16);
        Assert.Equal("batch", NetworkSpec.EstimateResources(16, 16, 2, 2_000_000_000, Engine.Explicit).Dominant);
        Assert.Equal("256 GB", ResourceEstimate.FormatBytes(deep.Bytes));
    }

    [Fact]
    public void A_backward_pass_keeps_every_layer()
    {
        var forward = NetworkSpec.EstimateResources(1024, 1024, 1000, 64, Engine.Explicit);
        var backward = NetworkSpec.EstimateResources(1024, 1024, 1000, 64, Engine.Explicit, backward: true);
        double extra = backward.Parts.Single(p => p.Setting == "depth").Bytes - forward.Parts.Single(p => p.Setting == "depth").Bytes;
        Assert.Equal(2.0 * 64 * 1024 * 1000 * 4, extra);
        Assert.Equal(3 * forward.Operations, backward.Operations);
    }
}
