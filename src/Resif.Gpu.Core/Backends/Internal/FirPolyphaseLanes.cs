using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Resif.Gpu.Core.Backends.Internal;

/// <summary>
/// Polyphase FIR resampling (see <c>IFilterKernels.FirResample</c>) over a group of up to <see cref="Lanes"/>
/// channels held time-major in float64 (channel = SIMD lane), computing only the kept outputs. Each output is
/// Σ_l h[l] · X[base + l] with the tap h[l] broadcast and X a time step of 16 lanes: eight independent
/// accumulators (two taps × four Vector256, or four taps × two Vector512 with <c>wide</c>) hide the FMA latency,
/// and one tap broadcast feeds four (two) FMAs instead of one dot product per channel. Float32 samples are
/// widened to float64 once when gathered; products and sums are float64 as in the per-row path, so results differ
/// from it only by summation order. Work goes in tiles of outputs whose input span (~1000 steps, ~130 KB) stays in
/// L2 while the window of one output (taps × 128 B) sits in L1. Samples outside the row are zeros in the tile.
/// Immutable: one instance serves every worker; each worker brings its own <see cref="Buffers"/>.
/// </summary>
internal sealed unsafe class FirPolyphaseLanes
{
    public const int Lanes = SosCascade.Lanes;
    private const int TargetTileSteps = 1024;
    private const int MaxTileOutputs = 512;

    // Phase r at [r · _length, (r + 1) · _length): taps r, r + up, r + 2·up, ... reversed, then zeros in front up to
    // _length (a multiple of 4), so that every phase has the same length and the same window start.
    private readonly double[] _phases;
    private readonly int _length;
    private readonly int _up, _down, _delay;
    private readonly bool _wide;

    public FirPolyphaseLanes(ReadOnlySpan<double> taps, int up, int down, int delay, bool wide)
    {
        int longest = (taps.Length + up - 1) / up;
        _length = Math.Max(4, (longest + 3) / 4 * 4);
        _phases = new double[up * _length];
        for (int r = 0; r < up && r < taps.Length; r++)
        {
            int count = (taps.Length - r + up - 1) / up;
            for (int l = 0; l < count; l++) _phases[r * _length + _length - 1 - l] = taps[r + l * up];
        }
        (_up, _down, _delay, _wide) = (up, down, delay, wide);
        TileOutputs = (int)Math.Clamp((long)TargetTileSteps * up / down, 1, MaxTileOutputs);
        // Window starts of TileOutputs consecutive outputs spread over at most ceil((TileOutputs − 1) · down / up) steps.
        TileSteps = (int)(((long)(TileOutputs - 1) * down + up - 1) / up) + _length;
    }

    /// <summary>Outputs computed per tile.</summary>
    public int TileOutputs { get; }

    /// <summary>Input time steps one tile needs.</summary>
    public int TileSteps { get; }

    /// <summary>A worker's time-major tiles: input steps and outputs, <see cref="Lanes"/> float64 per step.</summary>
    public sealed class Buffers(FirPolyphaseLanes plan)
    {
        public readonly double[] Input = GC.AllocateUninitializedArray<double>(plan.TileSteps * Lanes, pinned: true);
        public readonly double[] Output = GC.AllocateUninitializedArray<double>(plan.TileOutputs * Lanes, pinned: true);
    }

    /// <summary>Resamples the rows of <paramref name="input"/> into the rows of <paramref name="output"/> (same row count).</summary>
    public void Run(RowGroup input, RowGroup output, Buffers buffers)
    {
        fixed (double* phases = _phases)
        fixed (double* inputTile = buffers.Input)
        fixed (double* outputTile = buffers.Output)
        {
            for (int j0 = 0; j0 < output.Columns; j0 += TileOutputs)
            {
                int count = Math.Min(TileOutputs, output.Columns - j0);
                long first = WindowStart(j0);
                Load(input, first, (int)(WindowStart(j0 + count - 1) + _length - first), inputTile);
                for (int j = 0; j < count; j++)
                {
                    long m = (j0 + j) * (long)_down + _delay;
                    double* x = inputTile + (m / _up - (_length - 1) - first) * Lanes;
                    double* h = phases + (m % _up) * _length;
                    if (_wide) Dot512(x, h, _length, outputTile + j * Lanes);
                    else Dot256(x, h, _length, outputTile + j * Lanes);
                }
                output.Scatter(outputTile, j0, count);
            }
        }
    }

    // Output j sits at upsampled index m = j·down + delay; its window of input steps starts at m / up − (length − 1).
    private long WindowStart(int j) => (j * (long)_down + _delay) / _up - (_length - 1);

    // Input steps [first, first + steps) into the tile, zeros where they fall outside the row.
    private static void Load(RowGroup input, long first, int steps, double* tile)
    {
        long start = Math.Clamp(first, 0, input.Columns), end = Math.Clamp(first + steps, 0, input.Columns);
        if (end <= start)
        {
            new Span<double>(tile, steps * Lanes).Clear();
            return;
        }
        new Span<double>(tile, (int)(start - first) * Lanes).Clear();
        input.Gather((int)start, (int)(end - start), tile + (start - first) * Lanes);
        new Span<double>(tile + (end - first) * Lanes, (int)(first + steps - end) * Lanes).Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot256(double* x, double* h, int length, double* y)
    {
        Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<double> b0 = default, b1 = default, b2 = default, b3 = default;
        for (int l = 0; l < length; l += 2, x += 2 * Lanes)
        {
            var even = Vector256.Create(h[l]);
            var odd = Vector256.Create(h[l + 1]);
            a0 = Vector256.FusedMultiplyAdd(even, Vector256.Load(x), a0);
            a1 = Vector256.FusedMultiplyAdd(even, Vector256.Load(x + 4), a1);
            a2 = Vector256.FusedMultiplyAdd(even, Vector256.Load(x + 8), a2);
            a3 = Vector256.FusedMultiplyAdd(even, Vector256.Load(x + 12), a3);
            b0 = Vector256.FusedMultiplyAdd(odd, Vector256.Load(x + Lanes), b0);
            b1 = Vector256.FusedMultiplyAdd(odd, Vector256.Load(x + Lanes + 4), b1);
            b2 = Vector256.FusedMultiplyAdd(odd, Vector256.Load(x + Lanes + 8), b2);
            b3 = Vector256.FusedMultiplyAdd(odd, Vector256.Load(x + Lanes + 12), b3);
        }
        (a0 + b0).Store(y);
        (a1 + b1).Store(y + 4);
        (a2 + b2).Store(y + 8);
        (a3 + b3).Store(y + 12);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot512(double* x, double* h, int length, double* y)
    {
        Vector512<double> a0 = default, a1 = default, b0 = default, b1 = default;
        Vector512<double> c0 = default, c1 = default, d0 = default, d1 = default;
        for (int l = 0; l < length; l += 4, x += 4 * Lanes)
        {
            var h0 = Vector512.Create(h[l]);
            var h1 = Vector512.Create(h[l + 1]);
            var h2 = Vector512.Create(h[l + 2]);
            var h3 = Vector512.Create(h[l + 3]);
            a0 = Vector512.FusedMultiplyAdd(h0, Vector512.Load(x), a0);
            a1 = Vector512.FusedMultiplyAdd(h0, Vector512.Load(x + 8), a1);
            b0 = Vector512.FusedMultiplyAdd(h1, Vector512.Load(x + Lanes), b0);
            b1 = Vector512.FusedMultiplyAdd(h1, Vector512.Load(x + Lanes + 8), b1);
            c0 = Vector512.FusedMultiplyAdd(h2, Vector512.Load(x + 2 * Lanes), c0);
            c1 = Vector512.FusedMultiplyAdd(h2, Vector512.Load(x + 2 * Lanes + 8), c1);
            d0 = Vector512.FusedMultiplyAdd(h3, Vector512.Load(x + 3 * Lanes), d0);
            d1 = Vector512.FusedMultiplyAdd(h3, Vector512.Load(x + 3 * Lanes + 8), d1);
        }
        ((a0 + b0) + (c0 + d0)).Store(y);
        ((a1 + b1) + (c1 + d1)).Store(y + 8);
    }
}
