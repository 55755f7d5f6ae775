using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Resif.Gpu.Core.Backends.Internal;

/// <summary>
/// Polyphase FIR resampling (see <c>IFilterKernels.FirResample</c>) over a group of up to <see cref="Lanes"/>
/// channels held time-major in float64 (channel = SIMD lane), computing only the kept outputs. Each output is
/// Σ_l h[l] · X[base + l] with the tap h[l] broadcast and X a time step of 16 lanes. Outputs of the same phase
/// (consecutive ones when up = 1) go in blocks that load each time step once for all of them: four outputs × two
/// Vector512, or two outputs × four Vector256, eight accumulators either way to hide the FMA latency; the rest go
/// one at a time (several taps per loop, eight accumulators). Float32 samples are widened to float64 once when
/// gathered; products and sums are float64 as in SciPy, so results differ from it only by summation order. Work
/// goes in tiles of outputs whose input span (~1000 steps, ~130 KB) stays in L2 while the window of one output
/// (taps × 128 B) sits in L1. Samples outside the row are zeros in the tile.
/// Immutable: one instance serves every worker; each worker brings its own <see cref="Buffers"/>.
/// </summary>
internal sealed unsafe class FirPolyphaseLanes
{
    public const int Lanes = SosCascade.Lanes;
    private const int TargetTileSteps = 1024;
    private const int MaxTileOutputs = 512;

    // Phase r starts at r · _stride + _reach: taps r, r + up, r + 2·up, ... reversed, then zeros in front up to
    // _length (a multiple of 4), so that every phase has the same length and the same window start; _reach zeros
    // on either side let a block of outputs read every phase tap shifted by up to _reach (see Block256).
    private readonly double[] _phases;
    private readonly int _length, _reach, _stride;
    private readonly int _up, _down, _delay;
    private readonly bool _wide;
    private readonly int _block;        // outputs per block kernel call (0: single outputs only)
    private readonly int _blockPeriod;  // outputs between two of a block: the next output of the same phase
    private readonly int _blockShift;   // input steps between their windows

    public FirPolyphaseLanes(ReadOnlySpan<double> taps, int up, int down, int delay, bool wide)
    {
        int longest = (taps.Length + up - 1) / up;
        _length = Math.Max(4, (longest + 3) / 4 * 4);
        int common = (int)BigInteger.GreatestCommonDivisor(up, down);
        (_blockPeriod, _blockShift) = (up / common, down / common);
        // A block computes every output over the union of their windows (taps outside a phase are zero): worth it
        // while that adds at most a third to the work, as for decimate (20·q + 1 taps, windows q apart).
        int block = wide ? 4 : 2;
        _block = (long)(block - 1) * _blockShift * 3 <= _length ? block : 0;
        _reach = Math.Max(_block - 1, 0) * _blockShift;
        _stride = _length + 2 * _reach;
        _phases = new double[up * _stride];
        for (int r = 0; r < up && r < taps.Length; r++)
        {
            int count = (taps.Length - r + up - 1) / up;
            for (int l = 0; l < count; l++) _phases[r * _stride + _reach + _length - 1 - l] = taps[r + l * up];
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

    /// <summary>
    /// Resamples the rows of <paramref name="input"/> into output columns [<paramref name="from"/>,
    /// <paramref name="to"/>) of the rows of <paramref name="output"/> (same row count).
    /// </summary>
    public void Run(RowGroup input, RowGroup output, int from, int to, Buffers buffers)
    {
        fixed (double* phases = _phases)
        fixed (double* inputTile = buffers.Input)
        fixed (double* outputTile = buffers.Output)
        {
            for (int j0 = from; j0 < to; j0 += TileOutputs)
            {
                int count = Math.Min(TileOutputs, to - j0);
                long first = WindowStart(j0);
                Load(input, first, (int)(WindowStart(j0 + count - 1) + _length - first), inputTile);
                int blocked = _block == 0 ? 0 : count / (_block * _blockPeriod) * _block * _blockPeriod;
                for (int b = 0; b < blocked; b += _block * _blockPeriod)
                {
                    for (int j = b; j < b + _blockPeriod; j++) Compute(phases, inputTile, first, j0 + j, outputTile + j * Lanes, _block);
                }
                for (int j = blocked; j < count; j++) Compute(phases, inputTile, first, j0 + j, outputTile + j * Lanes, 1);
                output.Scatter(outputTile, j0, count);
            }
        }
    }

    // Output j (and with a block, the next block − 1 outputs of its phase) from the tile that starts at step first.
    private void Compute(double* phases, double* inputTile, long first, int j, double* y, int block)
    {
        long m = j * (long)_down + _delay;
        double* x = inputTile + (m / _up - (_length - 1) - first) * Lanes;
        double* h = phases + (m % _up) * _stride + _reach;
        if (block == 1 && _wide) Dot512(x, h, _length, y);
        else if (block == 1) Dot256(x, h, _length, y);
        else if (_wide) Block512(x, h, _length + _reach, _blockShift, y, _blockPeriod * Lanes);
        else Block256(x, h, _length + _reach, _blockShift, y, _blockPeriod * Lanes);
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

    // Two outputs whose windows start `shift` steps apart, over the `steps` steps both windows cover: each time step
    // (four Vector256 of lanes) is loaded once and feeds both, with tap t of the first and t − shift of the second
    // (zero outside the phase). Four loads and two broadcasts per eight FMAs instead of eight and two.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block256(double* x, double* h, int steps, int shift, double* y, int outputStride)
    {
        Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<double> b0 = default, b1 = default, b2 = default, b3 = default;
        double* g = h - shift;
        for (int t = 0; t < steps; t++, x += Lanes)
        {
            var x0 = Vector256.Load(x);
            var x1 = Vector256.Load(x + 4);
            var x2 = Vector256.Load(x + 8);
            var x3 = Vector256.Load(x + 12);
            var first = Vector256.Create(h[t]);
            var second = Vector256.Create(g[t]);
            a0 = Vector256.FusedMultiplyAdd(first, x0, a0);
            a1 = Vector256.FusedMultiplyAdd(first, x1, a1);
            a2 = Vector256.FusedMultiplyAdd(first, x2, a2);
            a3 = Vector256.FusedMultiplyAdd(first, x3, a3);
            b0 = Vector256.FusedMultiplyAdd(second, x0, b0);
            b1 = Vector256.FusedMultiplyAdd(second, x1, b1);
            b2 = Vector256.FusedMultiplyAdd(second, x2, b2);
            b3 = Vector256.FusedMultiplyAdd(second, x3, b3);
        }
        a0.Store(y);
        a1.Store(y + 4);
        a2.Store(y + 8);
        a3.Store(y + 12);
        b0.Store(y + outputStride);
        b1.Store(y + outputStride + 4);
        b2.Store(y + outputStride + 8);
        b3.Store(y + outputStride + 12);
    }

    // Four outputs whose windows start `shift` steps apart, as Block256: two Vector512 loads and four broadcasts per eight FMAs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block512(double* x, double* h, int steps, int shift, double* y, int outputStride)
    {
        Vector512<double> a0 = default, a1 = default, b0 = default, b1 = default;
        Vector512<double> c0 = default, c1 = default, d0 = default, d1 = default;
        double* h1 = h - shift, h2 = h1 - shift, h3 = h2 - shift;
        for (int t = 0; t < steps; t++, x += Lanes)
        {
            var low = Vector512.Load(x);
            var high = Vector512.Load(x + 8);
            var w0 = Vector512.Create(h[t]);
            var w1 = Vector512.Create(h1[t]);
            var w2 = Vector512.Create(h2[t]);
            var w3 = Vector512.Create(h3[t]);
            a0 = Vector512.FusedMultiplyAdd(w0, low, a0);
            a1 = Vector512.FusedMultiplyAdd(w0, high, a1);
            b0 = Vector512.FusedMultiplyAdd(w1, low, b0);
            b1 = Vector512.FusedMultiplyAdd(w1, high, b1);
            c0 = Vector512.FusedMultiplyAdd(w2, low, c0);
            c1 = Vector512.FusedMultiplyAdd(w2, high, c1);
            d0 = Vector512.FusedMultiplyAdd(w3, low, d0);
            d1 = Vector512.FusedMultiplyAdd(w3, high, d1);
        }
        a0.Store(y);
        a1.Store(y + 8);
        b0.Store(y + outputStride);
        b1.Store(y + outputStride + 8);
        c0.Store(y + 2 * outputStride);
        c1.Store(y + 2 * outputStride + 8);
        d0.Store(y + 3 * outputStride);
        d1.Store(y + 3 * outputStride + 8);
    }
}
