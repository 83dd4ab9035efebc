// Build a ResNet from its family, initialize it with kaiming_normal, run the explicit engine over a batch and print
// the diagnosis per residual block.
// Automatic initialization (AutoInit on the analytic moment engine) is not in the library yet: this sample initializes
// by a scheme and diagnoses.
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Networks.Families;

// <readme>
var resnet = ModelFamilies.Build("resnet:blocks=4,width=16,size=16,norm=batch")
    .WithScheme(Init.KaimingNormal(nonlinearity: "relu"));
var trace = ExplicitGraphEngine.Run(resnet, new ExplicitOptions { Batch = 8, Seed = 3 });
var diagnosis = GraphDiagnoser.Diagnose(resnet, trace);
foreach (var block in diagnosis.Blocks)
    Console.WriteLine($"{block.Block,-8} std {block.StdIn:F3} -> {block.StdOut:F3}");
Console.WriteLine($"{resnet.Nodes.Count} nodes, {resnet.ParameterCount} parameters: {diagnosis.VerdictName}; {diagnosis.Advice}");
// </readme>
