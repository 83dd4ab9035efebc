// Build a pre-activation ResNet without normalization (its default init doubles the residual variance every block),
// auto-initialize it (AutoInit on the analytic moment engine), then measure it with the explicit engine: every block's
// measured std beside the moment engine's prediction, and the verdict. One seed at finite width: the measured stds scatter
// around the prediction (the head, whose 10 outputs are 10 weight rows, the most); `initlab autoinit` measures over seeds and
// checks each node against its finite-width tolerance.
using InitLab.Networks;
using InitLab.Networks.Families;

// <readme>
var resnet = ModelFamilies.Build("resnet:blocks=8,width=64,size=8,norm=none,preact=true");
var auto = AutoInit.Run(resnet, new AutoInitOptions { Batch = 16 });
var trace = ExplicitGraphEngine.Run(auto.Graph, new ExplicitOptions { Batch = 16, Seed = 3 });
var diagnosis = GraphDiagnoser.Diagnose(auto.Graph, trace);
foreach (var block in diagnosis.Blocks)
    Console.WriteLine($"{block.Block,-8} std {block.StdIn:F3} -> {block.StdOut:F3} (predicted {auto.Prediction[block.Output].Std:F3})");
Console.WriteLine($"{auto.Graph.Nodes.Count} nodes, {auto.Graph.ParameterCount} parameters: {diagnosis.VerdictName}");
// </readme>
