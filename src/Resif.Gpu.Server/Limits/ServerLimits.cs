namespace Resif.Gpu.Server.Limits;

/// <summary>
/// Bounds on what one request, one user and the whole server may take, so that no request can make the server allocate
/// unbounded memory or starve others. Refusals are RESOURCE_EXHAUSTED (load, rate, budget), INVALID_ARGUMENT (a
/// parameter outside its range, naming the field) or DEADLINE_EXCEEDED (time limit).
/// </summary>
public sealed record ServerLimits
{
    /// <summary>Most operations in one pipeline.</summary>
    public int MaxPipelineLength { get; init; } = 32;

    /// <summary>Wall time one reduction may run, whatever deadline the client asked for.</summary>
    public TimeSpan MaxRequestDuration { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Reductions running at once; the others wait in the admission queue.</summary>
    public int MaxConcurrentReductions { get; init; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Reductions waiting for a slot; one more is refused with RESOURCE_EXHAUSTED at once.</summary>
    public int MaxQueuedReductions { get; init; } = 64;

    /// <summary>Ingest streams open at once (each holds about two 4 MiB blocks); one more is refused with RESOURCE_EXHAUSTED.</summary>
    public int MaxConcurrentIngests { get; init; } = 8;

    /// <summary>Calls per user (per client address for anonymous remote callers) per minute, with bursts up to this many.
    /// 0 = unlimited. Health probes and anonymous loopback callers are not counted.</summary>
    public int RequestsPerMinute { get; init; } = 600;

    /// <summary>Points of a 2-D FFT (fk, fkfilter: channels × samples of their input).</summary>
    public long MaxFftPoints { get; init; } = 1L << 28;

    /// <summary>Slownesses of a 1-D beam (beam: ns).</summary>
    public long MaxSlownessCount { get; init; } = 10_000;

    /// <summary>Cells of a 2-D slowness grid (arraybeam: nx × ny).</summary>
    public long MaxSlownessGridCells { get; init; } = 1L << 20;

    /// <summary>Analysis windows of a windowed operation (rms, beam, arraybeam) over its input.</summary>
    public long MaxWindowCount { get; init; } = 1L << 24;

    /// <summary>After shutdown starts, in-flight streams get this long to finish before ending with UNAVAILABLE.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(10);

    public static ServerLimits Default { get; } = new();
}
