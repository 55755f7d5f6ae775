namespace Resif.Gpu.Core;

/// <summary>
/// What one operation does to a channel block [rows, columns], as one call of the backend kernel interfaces, so that a
/// device backend can chain operations on data kept in device memory (<see cref="IResidentPipelines"/>). Each step
/// means exactly the kernel call its documentation names, on the whole block; coefficient arrays are not copied.
/// </summary>
public abstract record DeviceStep;

/// <summary><see cref="IFilterKernels.SosFilter"/> with these sections and mode.</summary>
public sealed record SosFilterStep(double[] Sections, SosMode Mode) : DeviceStep;

/// <summary><see cref="IFilterKernels.SosFilterDecimate"/>: the cascade, then every factor-th sample.</summary>
public sealed record SosFilterDecimateStep(double[] Sections, SosMode Mode, int Factor) : DeviceStep;

/// <summary><see cref="IFilterKernels.FirResample"/>: output rows hold ceil(columns · up / down) samples.</summary>
public sealed record FirResampleStep(double[] Taps, int Up, int Down, int Delay) : DeviceStep;

/// <summary><see cref="IFilterKernels.Detrend"/>.</summary>
public sealed record DetrendStep(DetrendType Type) : DeviceStep;

/// <summary><see cref="IFilterKernels.MultiplyColumns"/> (one weight per column).</summary>
public sealed record MultiplyColumnsStep(double[] Weights) : DeviceStep;

/// <summary><see cref="ISpectralKernels.Abs"/> of every value.</summary>
public sealed record AbsStep : DeviceStep;

/// <summary><see cref="ISpectralKernels.Normalize"/>.</summary>
public sealed record NormalizeStep(bool ByStd) : DeviceStep;

/// <summary><see cref="ISpectralKernels.StaLta"/> with windows in samples.</summary>
public sealed record StaLtaStep(int ShortWindow, int LongWindow, bool Recursive) : DeviceStep;

/// <summary><see cref="ISpectralKernels.WindowRms"/>: output rows hold columns / window values.</summary>
public sealed record WindowRmsStep(int Window) : DeviceStep;

/// <summary><see cref="ISpectralKernels.FkMask"/> with this mask [channels, samples] (the block holds every channel).</summary>
public sealed record FkMaskStep(float[] Mask) : DeviceStep;

/// <summary><see cref="ISpectralKernels.Envelope"/>.</summary>
public sealed record EnvelopeStep : DeviceStep;

/// <summary>Nothing to compute (decimation or resampling by 1): the block passes through unchanged.</summary>
public sealed record PassThroughStep : DeviceStep;
