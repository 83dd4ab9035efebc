using System.Text.Json.Nodes;

namespace InitLab.Cli;

/// <summary>JSON has no NaN or infinity: such values are written as null.</summary>
internal static class JsonNumbers
{
    public static JsonNode? Of(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    public static JsonNode? Of(double? value) => value is { } v ? Of(v) : null;

    public static JsonArray Dims(Tensors.Shape shape)
    {
        var array = new JsonArray();
        foreach (int d in shape.Dims) array.Add(d);
        return array;
    }
}
