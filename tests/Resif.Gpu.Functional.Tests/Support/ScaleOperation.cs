using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;

namespace Resif.Gpu.Functional.Tests.Support;

/// <summary>
/// Test-only operation: multiplies by a factor, optionally keeping every n-th sample. Enough to exercise parameter
/// validation, provenance and shape changes through the server without depending on the DSP operations.
/// </summary>
internal sealed class ScaleDescriptor : OperationDescriptor
{
    public static OperationRegistry Registry { get; } = new([new ScaleDescriptor()]);

    public override string Name => "scale";

    public override string Description => "test: multiply by factor and keep every n-th sample";

    public override IReadOnlyList<ParameterSpec> Parameters { get; } =
    [
        ParameterSpec.Number("factor", null, "multiplier"),
        ParameterSpec.Integer("every", 1, "keep every n-th sample"),
    ];

    public override IOperation Create(ParameterSet parameters)
    {
        long every = parameters.Integer("every");
        if (every < 1) throw parameters.Invalid("every", $"must be >= 1, got {every}");
        return new Scale((float)parameters.Number("factor"), (int)every, parameters.Values);
    }

    private sealed class Scale(float factor, int every, IReadOnlyDictionary<string, string> parameters) : IOperation
    {
        public string Name => "scale";

        public IReadOnlyDictionary<string, string> Parameters => parameters;

        public bool ChannelsIndependent => true;

        public TensorLayout Plan(TensorLayout input)
        {
            long kept = (input.Shape[1] + every - 1) / every;
            return input with { Shape = [input.Shape[0], kept], Coords = [input.Coords[0], input.Coords[1].Slice(0, kept, every)] };
        }

        public Block Run(Block input, IBackend backend)
        {
            var layout = Plan(input.Layout);
            int columns = (int)layout.Shape[1];
            var output = new float[layout.ElementCount];
            for (int r = 0; r < input.Rows; r++)
            {
                for (int c = 0; c < columns; c++) output[r * columns + c] = factor * input.Data[r * input.Columns + c * every];
            }
            return new Block(layout, output);
        }
    }
}
