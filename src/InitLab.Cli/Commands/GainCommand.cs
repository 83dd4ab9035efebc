using System.CommandLine;
using InitLab.Activations;
using InitLab.Initializers;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab gain ACT [--param A] [--json]</c>: PyTorch's recommended gain and the exact gain 1 / sqrt(E[phi(z)^2]).
/// JSON: <c>{"activation":..,"param":..,"recommended":..|null,"exact":..}</c>; recommended is null where PyTorch's
/// calculate_gain has no entry (gelu, silu, elu, ...). PyTorch's layer names conv1d..conv_transpose3d are accepted and
/// have the identity's gains (1, 1).
/// </summary>
internal static class GainCommand
{
    public static Command Create(CliContext ctx)
    {
        var act = new Argument<string>("ACT")
        {
            Description = $"Activation: {string.Join(", ", ActivationRegistry.Names)} (or a PyTorch layer name: conv2d, ...)",
            CustomParser = r =>
            {
                string name = CliOptions.Token(r);
                if (!IsLayer(name) && !ActivationRegistry.Names.Contains(Canonical(name)))
                    r.AddError($"ACT: unknown activation '{name}'; valid names: {string.Join(", ", ActivationRegistry.Names)} (or a PyTorch layer name such as conv2d).");
                return name;
            },
        };
        var param = CliOptions.OptionalDouble("--param", "Activation parameter: leaky_relu negative slope a (default 0.01), elu alpha (default 1)");
        var json = CliOptions.Json();
        var command = Help.Examples(new Command("gain", "Recommended (PyTorch) and exact gains of an activation") { act, param, json },
            "initlab gain tanh",
            "initlab gain leaky_relu --param 0.2 --json");
        command.SetAction(pr =>
        {
            string name = pr.GetValue(act)!;
            // PyTorch's layer names (conv2d, conv_transpose1d, ...) have no nonlinearity: the identity's gains.
            bool layer = IsLayer(name);
            if (layer && pr.GetValue(param) is { } p)
                throw new UsageException($"--param applies to leaky_relu and elu only, got --param {p.ToString(System.Globalization.CultureInfo.InvariantCulture)} for {name}.");
            var activation = layer ? Activation.Identity : ActivationRegistry.Parse(name, pr.GetValue(param));
            double? recommended = Gain.TryRecommended(activation.Name, activation.Parameter, out double g) ? g : null;
            double exact = Gain.Exact(activation);
            string label = layer ? name.Trim().ToLowerInvariant() : activation.Name;
            if (pr.GetValue(json))
                ctx.Out.WriteLine(Json.Document(pr, w =>
                {
                    w.WriteString("activation", label);
                    Json.Number(w, "param", activation.Parameter);
                    Json.Number(w, "recommended", recommended);
                    Json.Number(w, "exact", exact);
                }));
            else WriteTable(ctx, layer ? label : activation.ToString(), recommended, exact);
            return CliApp.Ok;
        });
        return command;
    }

    private static bool IsLayer(string name) =>
        name.Trim().StartsWith("conv", StringComparison.OrdinalIgnoreCase) && Gain.RecommendedNames.Contains(name.Trim().ToLowerInvariant());

    private static string Canonical(string name)
    {
        try
        {
            return ActivationRegistry.Canonical(name);
        }
        catch (ArgumentException)
        {
            return "";
        }
    }

    private static void WriteTable(CliContext ctx, string label, double? recommended, double exact)
    {
        var table = new Table().AddColumn("activation").AddColumn("recommended (PyTorch)").AddColumn(Markup.Escape("exact 1/sqrt(E[phi(z)^2])"));
        table.AddRow(Markup.Escape(label),
            recommended is { } r ? r.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "n/a (not in calculate_gain)",
            exact.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        ctx.Console.Write(table);
    }
}
