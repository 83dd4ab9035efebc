using System.Reflection;
using InitLab.Formats;
using InitLab.Inspection;

namespace InitLab.Tests.Formats;

/// <summary>
/// A real trained model: ResNet-18 as ML.NET ships it (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, exported
/// by CNTK 2.6: IR version 3, opset 8, weights in the typed float_data field). The test project's restore downloads
/// the package; the model is read in place.
/// </summary>
public sealed class RealModelTests
{
    public static string ResNet18Path { get; } = typeof(RealModelTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ResNet18Onnx").Value!;

    private static readonly Lazy<ModelFile> ResNet18 = new(() => ModelFiles.Read(ResNet18Path));

    [Fact]
    public void ResNet18_reads_every_initializer_and_the_whole_graph()
    {
        Assert.True(File.Exists(ResNet18Path), $"the restore should have downloaded {ResNet18Path}");
        var model = ResNet18.Value;
        var g = model.Graph!;
        Assert.Equal((3L, 8L, "CNTK"), (g.IrVersion, g.DefaultOpset!.Value, g.ProducerName));
        Assert.Equal(74, g.Nodes.Count);
        var ops = g.Nodes.GroupBy(n => n.OpType).ToDictionary(x => x.Key, x => x.Count());
        Assert.Equal(new Dictionary<string, int> { ["Conv"] = 22, ["BatchNormalization"] = 22, ["Relu"] = 19, ["Add"] = 9, ["MaxPool"] = 1, ["AveragePool"] = 1 }, ops);
        var input = Assert.Single(g.DataInputs);
        Assert.Equal(("Input247", "float32"), (input.Name, input.ElementType));
        Assert.Equal([1L, 3, 224, 224], input.Shape!.Select(d => d.Value!.Value));
        Assert.Equal("Pooling395_Output_0", Assert.Single(g.Outputs).Name);
        Assert.Equal(73, g.ValueInfo.Count);
        Assert.Equal([3L, 3, 2, 2], g.Nodes[0].Ints("pads"));
        Assert.Equal(9.999999747378752e-06, g.Nodes[1].Float("epsilon", 0));
        Assert.Equal(110, model.Tensors.Count);
        Assert.Equal(15_908_800, model.Tensors.Sum(t => t.ElementCount));
    }

    [Fact]
    public void ResNet18_tensors_have_the_bytes_the_onnx_package_reads_and_their_roles_from_the_graph()
    {
        var model = ResNet18.Value;
        // Golden values from python3-onnx 1.12 (numpy_helper.to_array): SHA-256 of the float32 bytes and the float64 sum.
        var first = model.Tensors[0];
        Assert.Equal(("Parameter10", 512L * 512 * 9), (first.Name, first.ElementCount));
        Assert.Equal("b400b385c09f636f338453393a14f8c2731d9c97ee583044b1b6c42f08b0920c", Fixtures.Sha256(first.ReadBytes()));
        Assert.Equal(-742.5063243784897, first.ReadDoubles().Sum(), 1e-7);
        var last = model.Tensors[^1];
        Assert.Equal("Constant420", last.Name);
        Assert.Equal("1ff94de06758232f6fd88d84e1ba82e9bba556aee07232beb2bed8a37cac6de5", Fixtures.Sha256(last.ReadBytes()));
        var roles = model.Tensors.GroupBy(t => (t.Role, t.Layout)).ToDictionary(x => x.Key, x => x.Count());
        Assert.Equal(22, roles[(ParameterRole.Weight, TensorLayout.OutIn)]);
        Assert.Equal(22, roles[(ParameterRole.NormScale, TensorLayout.Unknown)]);
        Assert.Equal(22, roles[(ParameterRole.NormShift, TensorLayout.Unknown)]);
        Assert.Equal(22, roles[(ParameterRole.RunningMean, TensorLayout.Unknown)]);
        Assert.Equal(22, roles[(ParameterRole.RunningVariance, TensorLayout.Unknown)]);
    }

    [Fact]
    public void ResNet18_written_back_as_onnx_keeps_its_graph_and_every_initializer_bit_for_bit()
    {
        var dir = Directory.CreateTempSubdirectory("resnet-");
        try
        {
            var model = ResNet18.Value;
            string output = Path.Combine(dir.FullName, "resnet18.onnx");
            ModelFiles.Write(output, model);
            var back = ModelFiles.Read(output);
            Assert.Equal(model.Graph!.Nodes.Select(n => (n.OpType, string.Join(",", n.Inputs))), back.Graph!.Nodes.Select(n => (n.OpType, string.Join(",", n.Inputs))));
            foreach (var (a, b) in model.Tensors.Zip(back.Tensors)) Assert.Equal(a.ReadBytes(), b.ReadBytes());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
