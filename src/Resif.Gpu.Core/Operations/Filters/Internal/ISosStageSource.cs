namespace Resif.Gpu.Core.Operations.Filters.Internal;

/// <summary>
/// An operation that is one second-order-section cascade (plus optional decimation) on its input: consecutive such
/// operations may run as one fused <see cref="IFilterKernels.SosChain"/>, giving what their <c>Run</c>s give one by one.
/// </summary>
internal interface ISosStageSource
{
    /// <summary>The stage <c>Run</c> would apply to an input with this layout, or null when it is no SOS cascade there.</summary>
    SosStage? SosStage(TensorLayout input);
}
