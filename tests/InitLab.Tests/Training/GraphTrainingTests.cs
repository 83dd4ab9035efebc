using System.Text.Json;
using InitLab.Networks;
using InitLab.Networks.Families;
using InitLab.Random;
using InitLab.Tests.Cli;
using InitLab.Training;

namespace InitLab.Tests.Training;

public class GraphTrainingTests
{
    [Theory]
    [InlineData("cnn:depth=2,channels=2,size=4,in_channels=1,classes=0,act=tanh", true)]
    [InlineData("cnn:depth=1,channels=3,size=4,in_channels=2,classes=3,act=gelu", false)]
    public void Graph_training_gradients_match_central_finite_differences_in_double(string model, bool readout)
    {
        // 3 classes; with classes=0 the flattened conv output is read out linearly, with classes=3 the graph's own
        // pooling and linear layer give the logits.
        var graph = ModelFamilies.Build(model);
        var parameters = NetworkParameters<double>.Draw(graph, 5);
        int width = (int)graph.Output.Shape.Size, inputs = (int)graph.Inputs.Single().Shape.Size;
        Assert.Equal(readout, width != 3);
        var g = new Generator(9);
        double[]? wo = null, bo = null;
        if (readout)
        {
            wo = new double[3 * width];
            g.Normal(wo, 0, 1 / Math.Sqrt(width));
            bo = new double[3];
            g.Normal(bo, 0, 0.1);
        }
        var x = new double[4 * inputs];
        g.Normal(x);
        int[] labels = [2, 0, 1, 2];
        double Loss() => GraphClassifier.LossAndGradients(graph, parameters, wo, bo, 3, x, labels, 0, trace: false).Loss;
        var (loss, gradients, _) = GraphClassifier.LossAndGradients(graph, parameters, wo, bo, 3, x, labels, 0, trace: false);
        Assert.Equal(Loss(), loss);
        var arrays = parameters.Names.Select(n => parameters[n]).Concat(readout ? [wo!, bo!] : []).ToList();
        Assert.Equal(arrays.Count, gradients!.Count);
        for (int i = 0; i < arrays.Count; i++) FiniteDifferences.Check(arrays[i], gradients[i], Loss, 1e-7);
    }

    [Fact]
    public void A_small_convolutional_network_learns_fashion_mnist()
    {
        var (train, test) = FashionMnistData.Subset;
        var graph = ModelFamilies.Build("cnn:depth=2,channels=4,size=28,in_channels=1,classes=0,act=relu");
        var model = GraphClassifier.Create(graph, 10, 1);
        Assert.True(model.HasReadout);
        var r = Trainer.Run(model, train, test, new TrainingOptions(100, 32, new Optimizer.Sgd(0.01)), 1);
        Assert.Null(r.DivergedAtStep);
        Assert.Equal(100, r.Loss.Count);
        // Chance on these 1000 test images is at most 0.115 (the commonest label); 5 standard errors above it is 0.165.
        Assert.True(r.TestAccuracy > 0.165, $"accuracy {r.TestAccuracy}");
        Assert.All(r.InitialTrace.Nodes.Where(n => n.Op == "conv"), n => Assert.True(n.ParamGradNorm > 0));
    }

    [Fact]
    public void Graphs_that_cannot_classify_the_data_are_refused()
    {
        var small = ModelFamilies.Build("cnn:depth=1,channels=2,size=4,in_channels=1,classes=0");
        var model = GraphClassifier.Create(small, 10, 0);
        var data = new Dataset(new float[3 * 784], 784, [0, 1, 2], 10);
        Assert.Contains("holds 16 per example", Assert.Throws<ArgumentException>(() => Trainer.Run(model, data, null, new TrainingOptions(1, 2, new Optimizer.Sgd(0.1)), 0)).Message);
        Assert.Contains("classes must be >= 2", Assert.Throws<ArgumentException>(() => GraphClassifier.Create(small, 1, 0)).Message);
    }

    [Fact]
    public void Train_model_prints_the_graph_diagnosis_next_to_the_outcome()
    {
        var r = CliHarness.Run("train", "--model", "cnn:depth=1,channels=2,size=28,in_channels=1,classes=0", "--steps", "3", "--batch", "16",
            "--train-size", "200", "--test-size", "50", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal("stable", root.GetProperty("prediction").GetProperty("verdict").GetString());
        Assert.Equal(3, root.GetProperty("loss").GetArrayLength());
        Assert.InRange(root.GetProperty("test_accuracy").GetDouble(), 0, 1);
        Assert.True(root.GetProperty("readout").GetBoolean());
        Assert.Contains(root.GetProperty("step0").GetProperty("nodes").EnumerateArray(), n => n.GetProperty("op").GetString() == "conv");
        var bad = CliHarness.Run("train", "--model", "cnn:depth=1,channels=2,size=28,in_channels=1", "--width", "8", "--steps", "1");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--width describes the MLP lab's network", bad.Err);
    }
}
