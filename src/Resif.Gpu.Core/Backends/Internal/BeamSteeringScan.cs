using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Resif.Gpu.Core.Internal;

/// <summary>
/// Frequency-domain beam power for a tile of <see cref="Lanes"/> steering slownesses (the SIMD lanes): per band bin f
/// the product B[s, w] = Σ_c A[s, c] · X[c, w] with steering A = exp(+2πi f s x_c), then P[s, w] += weight_f |B[s, w]|².
/// A lane may carry a mirrored pair s and −s: A(−s) = conj A(s), so with the four real sums RR = Σ Re A Re X,
/// II = Σ Im A Im X, RI = Σ Re A Im X and IR = Σ Im A Re X, B(s) = (RR − II) + i(RI + IR) and
/// B(−s) = (RR + II) + i(RI − IR): the same four FMAs per channel give both beams (a symmetric grid costs half).
/// The steering of bin f+1 is A · exp(2πi Δf s x_c): a float32 complex rotation, re-anchored every
/// <see cref="AnchorSpacing"/> bins from a float64 recurrence so rounding cannot accumulate.
/// </summary>
internal sealed class BeamSteeringScan
{
    public static int Lanes => Vector256<float>.Count;

    // float32 rotations drift by ~1e-7 per step: 16 steps stay near 1e-6, far inside the float32 output's noise.
    private const int AnchorSpacing = 16;

    private readonly BeamSpectra _spectra;
    private readonly double[] _offsets;
    private readonly double _binWidth;
    private readonly SlownessLanes _lanes;

    public BeamSteeringScan(BeamSpectra spectra, double[] offsets, double[] slownesses, double binWidth)
    {
        _spectra = spectra;
        _offsets = offsets;
        _binWidth = binWidth;
        _lanes = SlownessLanes.Pair(slownesses, Lanes);
    }

    public int Tiles => _lanes.Slowness.Length / Lanes;

    /// <summary>Per-thread buffers: steering state [channel, lane]; power [window, lane] for +s and for −s.</summary>
    public sealed class Scratch(int channels, int windows)
    {
        public readonly float[] SteerRe = new float[channels * Lanes], SteerIm = new float[channels * Lanes];
        public readonly float[] RotateRe = new float[channels * Lanes], RotateIm = new float[channels * Lanes];
        public readonly double[] AnchorRe = new double[channels * Lanes], AnchorIm = new double[channels * Lanes];
        public readonly double[] JumpRe = new double[channels * Lanes], JumpIm = new double[channels * Lanes];
        public readonly double[] Plus = new double[windows * Lanes], Minus = new double[windows * Lanes];
    }

    public Scratch NewScratch() => new(_spectra.Channels, _spectra.Windows);

    /// <summary>Beam power of the slownesses in lanes [tile · Lanes, ...) into output rows [slowness, window], scaled by <paramref name="scale"/>.</summary>
    public void Run(int tile, Scratch s, double scale, float[] output)
    {
        int first = tile * Lanes, windows = _spectra.Windows;
        InitialSteering(first, s);
        Array.Clear(s.Plus);
        Array.Clear(s.Minus);
        for (int b = 0; b < _spectra.Bins; b++)
        {
            // The previous bin's last kernel call rotated the steering to this bin; every AnchorSpacing bins it is
            // replaced by the float64 anchors.
            if (b > 0 && b % AnchorSpacing == 0) Reanchor(s);
            double weight = _spectra.Weight(b);
            int w = 0;
            for (; w + 2 < windows; w += 2) Beam2<Hold>(b, w, s, weight);
            if (w + 2 == windows) Beam2<Advance>(b, w, s, weight);
            else Beam1<Advance>(b, w, s, weight);
        }
        for (int lane = 0; lane < Lanes; lane++)
        {
            int plus = _lanes.Plus[first + lane], minus = _lanes.Minus[first + lane];
            for (int w = 0; w < windows; w++)
            {
                if (plus >= 0) output[(long)plus * windows + w] = (float)(s.Plus[w * Lanes + lane] * scale);
                if (minus >= 0) output[(long)minus * windows + w] = (float)(s.Minus[w * Lanes + lane] * scale);
            }
        }
    }

    /// <summary>
    /// Steering of the first bin, the float32 one-bin rotation and the float64 jump of AnchorSpacing bins: one sin/cos
    /// per channel and lane (the one-bin phasor), the others its powers by squaring in float64 — the angle error of
    /// z^n is ~n ulps (1e-11 rad at n = 1e5), far below the float32 steering's 6e-8.
    /// </summary>
    private void InitialSteering(int first, Scratch s)
    {
        for (int c = 0; c < _spectra.Channels; c++)
        {
            for (int lane = 0; lane < Lanes; lane++)
            {
                // Phase in cycles, reduced to [-0.5, 0.5] before sin/cos so a large f·s·x keeps full precision.
                double cycles = _binWidth * _lanes.Slowness[first + lane] * _offsets[c];
                var (sin, cos) = Math.SinCos(2 * Math.PI * (cycles - Math.Round(cycles)));
                int at = c * Lanes + lane;
                (s.AnchorRe[at], s.AnchorIm[at]) = Power(cos, sin, _spectra.FirstBin);
                (s.JumpRe[at], s.JumpIm[at]) = Power(cos, sin, AnchorSpacing);
                s.RotateRe[at] = (float)cos;
                s.RotateIm[at] = (float)sin;
                s.SteerRe[at] = (float)s.AnchorRe[at];
                s.SteerIm[at] = (float)s.AnchorIm[at];
            }
        }
    }

    /// <summary>(re + i·im)^n by binary exponentiation.</summary>
    private static (double Re, double Im) Power(double re, double im, int n)
    {
        double resultRe = 1, resultIm = 0;
        for (; n > 0; n >>= 1)
        {
            if ((n & 1) != 0) (resultRe, resultIm) = (resultRe * re - resultIm * im, resultRe * im + resultIm * re);
            (re, im) = (re * re - im * im, 2 * re * im);
        }
        return (resultRe, resultIm);
    }

    /// <summary>Anchor · jump in float64, rounded once into the float32 steering.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Reanchor(Scratch s)
    {
        ref double re = ref MemoryMarshal.GetArrayDataReference(s.AnchorRe), im = ref MemoryMarshal.GetArrayDataReference(s.AnchorIm);
        ref double jr = ref MemoryMarshal.GetArrayDataReference(s.JumpRe), ji = ref MemoryMarshal.GetArrayDataReference(s.JumpIm);
        ref float sr = ref MemoryMarshal.GetArrayDataReference(s.SteerRe), si = ref MemoryMarshal.GetArrayDataReference(s.SteerIm);
        int half = Vector256<double>.Count;
        for (nuint at = 0; at < (nuint)s.AnchorRe.Length; at += (nuint)Lanes)
        {
            var (lowRe, lowIm) = AdvanceAnchor(ref re, ref im, ref jr, ref ji, at);
            var (highRe, highIm) = AdvanceAnchor(ref re, ref im, ref jr, ref ji, at + (nuint)half);
            Vector256.Narrow(lowRe, highRe).StoreUnsafe(ref sr, at);
            Vector256.Narrow(lowIm, highIm).StoreUnsafe(ref si, at);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<double> Re, Vector256<double> Im) AdvanceAnchor(ref double re, ref double im, ref double jr, ref double ji, nuint at)
    {
        var a = Vector256.LoadUnsafe(ref re, at);
        var b = Vector256.LoadUnsafe(ref im, at);
        var c = Vector256.LoadUnsafe(ref jr, at);
        var d = Vector256.LoadUnsafe(ref ji, at);
        var nextRe = Vector256.FusedMultiplyAdd(a, c, -(b * d));
        var nextIm = Vector256.FusedMultiplyAdd(a, d, b * c);
        nextRe.StoreUnsafe(ref re, at);
        nextIm.StoreUnsafe(ref im, at);
        return (nextRe, nextIm);
    }

    /// <summary>Whether a kernel call also rotates the steering to the next bin (the last call of a bin does, so
    /// the steering is read once per bin for that instead of in a pass of its own). A type, so each case compiles
    /// without the branch.</summary>
    private interface IAdvance
    {
        static abstract bool Value { get; }
    }

    private struct Advance : IAdvance
    {
        public static bool Value => true;
    }

    private struct Hold : IAdvance
    {
        public static bool Value => false;
    }

    /// <summary>The four real sums of two windows of one bin over all channels, in registers, then both beams' |B|².
    /// Beam1 takes an odd last window: each channel's steering is loaded once per call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Beam2<TAdvance>(int bin, int w, Scratch s, double weight) where TAdvance : struct, IAdvance
    {
        int channels = _spectra.Channels;
        nint start = ((nint)bin * _spectra.Windows + w) * channels;
        ref float xr = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_spectra.Re), start);
        ref float xi = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_spectra.Im), start);
        ref float ar = ref MemoryMarshal.GetArrayDataReference(s.SteerRe), ai = ref MemoryMarshal.GetArrayDataReference(s.SteerIm);
        ref float rr = ref MemoryMarshal.GetArrayDataReference(s.RotateRe), ri = ref MemoryMarshal.GetArrayDataReference(s.RotateIm);
        RealSums a = default, b = default;
        nint x = 0;
        for (nuint at = 0; at < (nuint)s.SteerRe.Length; at += (nuint)Lanes, x++)
        {
            var sr = Vector256.LoadUnsafe(ref ar, at);
            var si = Vector256.LoadUnsafe(ref ai, at);
            a.Accumulate(sr, si, Unsafe.Add(ref xr, x), Unsafe.Add(ref xi, x));
            b.Accumulate(sr, si, Unsafe.Add(ref xr, x + channels), Unsafe.Add(ref xi, x + channels));
            if (TAdvance.Value) Rotate(sr, si, ref ar, ref ai, ref rr, ref ri, at);
        }
        a.AddPower(s, w, weight);
        b.AddPower(s, w + 1, weight);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Beam1<TAdvance>(int bin, int w, Scratch s, double weight) where TAdvance : struct, IAdvance
    {
        int channels = _spectra.Channels;
        nint start = ((nint)bin * _spectra.Windows + w) * channels;
        ref float xr = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_spectra.Re), start);
        ref float xi = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_spectra.Im), start);
        ref float ar = ref MemoryMarshal.GetArrayDataReference(s.SteerRe), ai = ref MemoryMarshal.GetArrayDataReference(s.SteerIm);
        ref float rr = ref MemoryMarshal.GetArrayDataReference(s.RotateRe), ri = ref MemoryMarshal.GetArrayDataReference(s.RotateIm);
        RealSums a = default;
        nint x = 0;
        for (nuint at = 0; at < (nuint)s.SteerRe.Length; at += (nuint)Lanes, x++)
        {
            var sr = Vector256.LoadUnsafe(ref ar, at);
            var si = Vector256.LoadUnsafe(ref ai, at);
            a.Accumulate(sr, si, Unsafe.Add(ref xr, x), Unsafe.Add(ref xi, x));
            if (TAdvance.Value) Rotate(sr, si, ref ar, ref ai, ref rr, ref ri, at);
        }
        a.AddPower(s, w, weight);
    }

    /// <summary>Steering at <paramref name="at"/> ← (sr + i·si) · rotation, the next bin's steering.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rotate(Vector256<float> sr, Vector256<float> si, ref float ar, ref float ai, ref float rr, ref float ri, nuint at)
    {
        var cr = Vector256.LoadUnsafe(ref rr, at);
        var ci = Vector256.LoadUnsafe(ref ri, at);
        Vector256.FusedMultiplyAdd(sr, cr, -(si * ci)).StoreUnsafe(ref ar, at);
        Vector256.FusedMultiplyAdd(sr, ci, si * cr).StoreUnsafe(ref ai, at);
    }

    /// <summary>RR, II, RI, IR of one window for the eight lanes.</summary>
    private struct RealSums
    {
        private Vector256<float> _rr, _ii, _ri, _ir;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Accumulate(Vector256<float> steerRe, Vector256<float> steerIm, float xRe, float xIm)
        {
            var xr = Vector256.Create(xRe);
            var xi = Vector256.Create(xIm);
            _rr = Vector256.FusedMultiplyAdd(steerRe, xr, _rr);
            _ii = Vector256.FusedMultiplyAdd(steerIm, xi, _ii);
            _ri = Vector256.FusedMultiplyAdd(steerRe, xi, _ri);
            _ir = Vector256.FusedMultiplyAdd(steerIm, xr, _ir);
        }

        /// <summary>weight · |B(s)|² and weight · |B(−s)|² added to window w's float64 power.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void AddPower(Scratch s, int w, double weight)
        {
            var plusRe = _rr - _ii;
            var plusIm = _ri + _ir;
            var minusRe = _rr + _ii;
            var minusIm = _ri - _ir;
            Add(s.Plus, w, weight, plusRe * plusRe + plusIm * plusIm);
            Add(s.Minus, w, weight, minusRe * minusRe + minusIm * minusIm);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Add(double[] power, int w, double weight, Vector256<float> magnitude)
        {
            ref double p = ref MemoryMarshal.GetArrayDataReference(power);
            nuint at = (nuint)(w * Lanes);
            int half = Vector256<double>.Count;
            var factor = Vector256.Create(weight);
            Vector256.FusedMultiplyAdd(Vector256.WidenLower(magnitude), factor, Vector256.LoadUnsafe(ref p, at)).StoreUnsafe(ref p, at);
            Vector256.FusedMultiplyAdd(Vector256.WidenUpper(magnitude), factor, Vector256.LoadUnsafe(ref p, at + (nuint)half)).StoreUnsafe(ref p, at + (nuint)half);
        }
    }
}
