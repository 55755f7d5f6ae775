namespace Resif.Gpu.Core.Operations.Internal;

/// <summary>
/// A stream for operations where each output sample depends on the input sample at the same time index only
/// (taper, abs, an identity such as decimate factor=1): <paramref name="apply"/> gets each chunk with its first
/// index in the window and returns it transformed. No state, no delay: exact.
/// </summary>
internal sealed class SampleWiseStream(TensorLayout output, Action<Block, long> apply) : IOperationStream
{
    private long _position;

    public Block Push(Block chunk)
    {
        apply(chunk, _position);
        var result = TimeChunk.Of(output, _position, chunk.Columns, chunk.Data);
        _position += chunk.Columns;
        return result;
    }

    public Block Finish() => TimeChunk.Empty(output, _position);

    /// <summary>Passes chunks through unchanged.</summary>
    public static SampleWiseStream Identity(TensorLayout output) => new(output, (_, _) => { });
}
