namespace Resif.Gpu.Core.Operations;

/// <summary>
/// An operation that can run along time in chunks (xdas-style: state carried across chunk boundaries), so that a
/// channel block's whole time window never has to be in memory at once. Implemented by the causal and zero-phase
/// Butterworth filters, decimate, resample, taper, abs, rms and stalta; not by the operations that need the whole
/// window (detrend, normalize, envelope, fk, fkfilter, beam, arraybeam): the plan then keeps whole time windows.
/// </summary>
public interface ITimeStreamable
{
    /// <summary>
    /// Starts a stream over a [channel, time] window whose full layout is <paramref name="window"/> (already accepted by
    /// <see cref="IOperation.Plan"/>): the stream knows the total length (taper, trailing rms window, true ends of
    /// zero-phase filters) before seeing any data.
    /// </summary>
    IOperationStream Open(TensorLayout window, IBackend backend);
}

/// <summary>
/// One operation running over consecutive time chunks of one channel block. The outputs of every
/// <see cref="Push"/> then of <see cref="Finish"/>, concatenated along time, equal <see cref="IOperation.Run"/> on the
/// whole window within the tolerance the operation documents. A stream may hold samples back (zero-phase overlap,
/// partial rms window), so Push may return a block with no time samples.
/// </summary>
public interface IOperationStream
{
    /// <summary>
    /// Consumes the next chunk ([channels, samples], same channels as the window). The stream may write into the
    /// chunk's buffer and return it, but must copy what it holds back: the caller reads the next chunk into the same
    /// buffer once the returned block is consumed.
    /// </summary>
    Block Push(Block chunk);

    /// <summary>Ends the window (after every chunk was pushed) and returns what was held back.</summary>
    Block Finish();
}
