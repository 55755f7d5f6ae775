using Resif.Gpu.Core.Operations.Spectral;

namespace Resif.Gpu.Core.Operations;

/// <summary>The list the default registry is built from: add a new operation's descriptor here.</summary>
internal static class BuiltinOperations
{
    public static IEnumerable<OperationDescriptor> All =>
    [
        Filters.PassFilterDescriptor.Bandpass,
        Filters.PassFilterDescriptor.Bandstop,
        Filters.PassFilterDescriptor.Lowpass,
        Filters.PassFilterDescriptor.Highpass,
        Filters.DecimateDescriptor.Instance,
        Filters.DetrendDescriptor.Instance,
        Filters.TaperDescriptor.Instance,
        Filters.ResampleDescriptor.Instance,
        SpectralOperations.Fk,
        SpectralOperations.FkFilter,
        SpectralOperations.Envelope,
        SpectralOperations.Rms,
        SpectralOperations.StaLta,
        SpectralOperations.Abs,
        SpectralOperations.Normalize,
        SpectralOperations.Beam,
        SpectralOperations.ArrayBeam,
    ];
}
