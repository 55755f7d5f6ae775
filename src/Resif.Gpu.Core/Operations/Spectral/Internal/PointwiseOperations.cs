using Resif.Gpu.Core.Internal;
using Resif.Gpu.Core.Operations.Internal;

namespace Resif.Gpu.Core.Operations.Spectral.Internal;

/// <summary>ObsPy <c>envelope</c>: |analytic signal| per channel, same layout.</summary>
internal sealed class EnvelopeOperation(ParameterSet parameters) : SpectralOperation("envelope", parameters)
{
    public override bool ChannelsIndependent => true;

    public override TensorLayout Plan(TensorLayout input)
    {
        SpectralLayouts.TimeStep(input, Name);
        return input;
    }

    public override DeviceStep DeviceStep(TensorLayout input) => new EnvelopeStep();

    public override Block Run(Block input, IBackend backend)
    {
        backend.Spectral.Envelope(input.Data, input.Rows, input.Columns);
        return input;
    }
}

/// <summary>Absolute value of every sample; streams over time chunks exactly.</summary>
internal sealed class AbsOperation(ParameterSet parameters) : SpectralOperation("abs", parameters), ITimeStreamable
{
    public override bool ChannelsIndependent => true;

    public override TensorLayout Plan(TensorLayout input) => input.Type == ElementType.Float32
        ? input
        : throw new InvalidRequestException("array", "abs needs real data (use fk:output=amplitude for complex spectra)");

    public override DeviceStep DeviceStep(TensorLayout input) => new AbsStep();

    public override Block Run(Block input, IBackend backend)
    {
        backend.Spectral.Abs(input.Data, input.Layout.ElementCount);
        return input;
    }

    public IOperationStream Open(TensorLayout window, IBackend backend) =>
        new SampleWiseStream(Plan(window), (chunk, _) => backend.Spectral.Abs(chunk.Data, chunk.Layout.ElementCount));
}

/// <summary>Per-channel normalisation by max |x| or by the standard deviation; output is unitless.</summary>
internal sealed class NormalizeOperation(ParameterSet parameters) : SpectralOperation("normalize", parameters)
{
    public override bool ChannelsIndependent => true;

    public override TensorLayout Plan(TensorLayout input)
    {
        SpectralLayouts.TimeStep(input, Name);
        return input with { Units = "" };
    }

    public override DeviceStep DeviceStep(TensorLayout input) => new NormalizeStep(ByStd: Set.Text("type") == "std");

    public override Block Run(Block input, IBackend backend)
    {
        backend.Spectral.Normalize(input.Data, input.Rows, input.Columns, byStd: Set.Text("type") == "std");
        return new Block(Plan(input.Layout), input.Data);
    }
}

/// <summary>
/// Root mean square over consecutive non-overlapping windows of <c>window</c> seconds: a reduced time axis
/// with step = window, labelled at window centres; trailing samples that do not fill a window are dropped.
/// Streams over time chunks exactly (a partial window is held until it fills).
/// </summary>
internal sealed class RmsOperation(ParameterSet parameters) : SpectralOperation("rms", parameters), ITimeStreamable
{
    public override bool ChannelsIndependent => true;

    private long WindowSamples(TensorLayout input)
    {
        double dt = SpectralLayouts.TimeStep(input, Name), seconds = Set.Number("window");
        long window = SpectralLayouts.Samples(seconds, dt);
        if (window < 1) throw Set.Invalid("window", $"{seconds} s is shorter than one sample ({dt} s)");
        if (window > input.Shape[1]) throw Set.Invalid("window", $"{seconds} s is longer than the data ({input.Shape[1] * dt} s)");
        return window;
    }

    public override TensorLayout Plan(TensorLayout input)
    {
        long window = WindowSamples(input), count = input.Shape[1] / window;
        return input with
        {
            Shape = [input.Shape[0], count],
            Coords = [input.Coords[0], SpectralLayouts.WindowCentres(input.Coords[1], window, count, input.Dims[1])],
        };
    }

    public override DeviceStep DeviceStep(TensorLayout input) => new WindowRmsStep((int)WindowSamples(input));

    public override Block Run(Block input, IBackend backend)
    {
        var layout = Plan(input.Layout);
        var output = new float[layout.ElementCount];
        backend.Spectral.WindowRms(input.Data, output, input.Rows, input.Columns, (int)WindowSamples(input.Layout));
        return new Block(layout, output);
    }

    public IOperationStream Open(TensorLayout window, IBackend backend) =>
        new RmsStream(Plan(window), backend, (int)WindowSamples(window), (int)window.Shape[0]);

    private sealed class RmsStream(TensorLayout output, IBackend backend, int window, int rows) : IOperationStream
    {
        private readonly HeldSamples _held = new(rows);
        private long _produced;

        public Block Push(Block chunk)
        {
            _held.Append(chunk.Values, chunk.Columns);
            int windows = (int)Math.Min(_held.Count / window, output.Shape[^1] - _produced);
            var result = new float[(long)rows * windows];
            backend.Spectral.WindowRms(_held.Read(0, windows * window), result, rows, windows * window, window);
            // Once every whole window is out, the trailing partial one is dropped as in Run.
            _held.Drop(_produced + windows == output.Shape[^1] ? _held.Count : windows * window);
            var block = TimeChunk.Of(output, _produced, windows, result);
            _produced += windows;
            return block;
        }

        public Block Finish() => TimeChunk.Empty(output, _produced);
    }
}

/// <summary>
/// ObsPy classic or recursive STA/LTA with windows in seconds (samples = floor(seconds × rate)). Streams over time
/// chunks exactly, carrying each row's sums (classic) or averages (recursive) on the CPU whatever the backend.
/// </summary>
internal sealed class StaLtaOperation(ParameterSet parameters) : SpectralOperation("stalta", parameters), ITimeStreamable
{
    public override bool ChannelsIndependent => true;

    private (int Sta, int Lta) Windows(TensorLayout input)
    {
        double dt = SpectralLayouts.TimeStep(input, Name);
        long sta = SpectralLayouts.Samples(Set.Number("sta"), dt), lta = SpectralLayouts.Samples(Set.Number("lta"), dt);
        if (sta < 1) throw Set.Invalid("sta", $"{Set.Number("sta")} s is shorter than one sample ({dt} s)");
        if (lta <= sta) throw Set.Invalid("lta", $"must be longer than sta ({lta} <= {sta} samples)");
        if (lta > input.Shape[1]) throw Set.Invalid("lta", $"{Set.Number("lta")} s is longer than the data ({input.Shape[1] * dt} s)");
        return ((int)sta, (int)lta);
    }

    public override TensorLayout Plan(TensorLayout input)
    {
        Windows(input);
        return input with { Units = "" };
    }

    public override DeviceStep DeviceStep(TensorLayout input)
    {
        var (sta, lta) = Windows(input);
        return new StaLtaStep(sta, lta, Recursive: Set.Text("type") == "recursive");
    }

    public override Block Run(Block input, IBackend backend)
    {
        var (sta, lta) = Windows(input.Layout);
        var output = new float[input.Layout.ElementCount];
        backend.Spectral.StaLta(input.Data, output, input.Rows, input.Columns, sta, lta, recursive: Set.Text("type") == "recursive");
        return new Block(Plan(input.Layout), output);
    }

    public IOperationStream Open(TensorLayout window, IBackend backend)
    {
        var (sta, lta) = Windows(window);
        bool recursive = Set.Text("type") == "recursive";
        var rows = Enumerable.Range(0, (int)window.Shape[0]).Select(_ => StaLtaState.Create(sta, lta, recursive, window.Shape[^1])).ToArray();
        return new StaLtaStream(Plan(window), rows);
    }

    private sealed class StaLtaStream(TensorLayout output, StaLtaState[] rows) : IOperationStream
    {
        private long _position;

        public Block Push(Block chunk)
        {
            int columns = chunk.Columns;
            var result = new float[(long)rows.Length * columns];
            for (int r = 0; r < rows.Length; r++) rows[r].Process(chunk.Values.Slice(r * columns, columns), result.AsSpan(r * columns, columns));
            var block = TimeChunk.Of(output, _position, columns, result);
            _position += columns;
            return block;
        }

        public Block Finish() => TimeChunk.Empty(output, _position);
    }
}
