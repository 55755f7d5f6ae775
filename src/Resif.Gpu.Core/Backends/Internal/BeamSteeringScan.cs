using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Resif.Gpu.Core.Internal;

/// <summary>
/// Frequency-domain beam power for a tile of <see cref="Lanes"/> slownesses (the SIMD lanes): per band bin f the
/// complex product B[s, w] = Σ_c A[s, c] · X[c, w] with steering A = exp(+2πi f s x_c), then
/// P[s, w] += weight_f |B[s, w]|². The steering of bin f+1 is A · exp(2πi Δf s x_c): a float32 complex rotation,
/// re-anchored every <see cref="AnchorSpacing"/> bins from a float64 recurrence so rounding cannot accumulate.
/// </summary>
internal sealed class BeamSteeringScan(BeamSpectra spectra, double[] offsets, double[] slownesses, double binWidth)
{
    public static int Lanes => Vector256<float>.Count;

    // float32 rotations drift by ~1e-7 per step: 16 steps stay near 1e-6, far inside the float32 output's noise.
    private const int AnchorSpacing = 16;

    public int Tiles => (slownesses.Length + Lanes - 1) / Lanes;

    /// <summary>Per-thread buffers, [channel, lane] each.</summary>
    public sealed class Scratch(int channels, int windows)
    {
        public readonly float[] SteerRe = new float[channels * Lanes], SteerIm = new float[channels * Lanes], SteerNegIm = new float[channels * Lanes];
        public readonly float[] RotateRe = new float[channels * Lanes], RotateIm = new float[channels * Lanes];
        public readonly double[] AnchorRe = new double[channels * Lanes], AnchorIm = new double[channels * Lanes];
        public readonly double[] JumpRe = new double[channels * Lanes], JumpIm = new double[channels * Lanes];
        public readonly double[] Power = new double[windows * Lanes];
    }

    public Scratch NewScratch() => new(spectra.Channels, spectra.Windows);

    /// <summary>Beam power of slownesses [tile · Lanes, ...) into output rows [slowness, window], scaled by <paramref name="scale"/>.</summary>
    public void Run(int tile, Scratch s, double scale, float[] output)
    {
        int first = tile * Lanes, windows = spectra.Windows;
        InitialSteering(first, s);
        Array.Clear(s.Power);
        for (int b = 0; b < spectra.Bins; b++)
        {
            if (b > 0 && b % AnchorSpacing == 0) Reanchor(s);
            else if (b > 0) Rotate(s);
            double weight = spectra.Weight(b);
            int w = 0;
            for (; w + 4 <= windows; w += 4) Beam4(b, w, s, weight);
            if (w + 2 <= windows)
            {
                Beam2(b, w, s, weight);
                w += 2;
            }
            if (w < windows) Beam1(b, w, s, weight);
        }
        for (int lane = 0; lane < Lanes && first + lane < slownesses.Length; lane++)
        {
            for (int w = 0; w < windows; w++) output[(long)(first + lane) * windows + w] = (float)(s.Power[w * Lanes + lane] * scale);
        }
    }

    /// <summary>Exact steering of the first bin, the float32 one-bin rotation and the float64 jump of AnchorSpacing bins.</summary>
    private void InitialSteering(int first, Scratch s)
    {
        for (int c = 0; c < spectra.Channels; c++)
        {
            for (int lane = 0; lane < Lanes; lane++)
            {
                double slowness = first + lane < slownesses.Length ? slownesses[first + lane] : 0;
                // Phases in cycles, reduced to [-0.5, 0.5] before sin/cos so large f·s·x keep full precision.
                double cycles = binWidth * slowness * offsets[c];
                int at = c * Lanes + lane;
                (s.AnchorIm[at], s.AnchorRe[at]) = SinCosCycles(cycles * spectra.FirstBin);
                (s.JumpIm[at], s.JumpRe[at]) = SinCosCycles(cycles * AnchorSpacing);
                var (sin, cos) = SinCosCycles(cycles);
                s.RotateRe[at] = (float)cos;
                s.RotateIm[at] = (float)sin;
                SetSteering(s, at, s.AnchorRe[at], s.AnchorIm[at]);
            }
        }
    }

    private static (double Sin, double Cos) SinCosCycles(double cycles) => Math.SinCos(2 * Math.PI * (cycles - Math.Round(cycles)));

    private static void SetSteering(Scratch s, int at, double re, double im)
    {
        s.SteerRe[at] = (float)re;
        s.SteerIm[at] = (float)im;
        s.SteerNegIm[at] = (float)-im;
    }

    /// <summary>Anchor · jump in float64, rounded once into the float32 steering.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Reanchor(Scratch s)
    {
        ref double re = ref MemoryMarshal.GetArrayDataReference(s.AnchorRe), im = ref MemoryMarshal.GetArrayDataReference(s.AnchorIm);
        ref double jr = ref MemoryMarshal.GetArrayDataReference(s.JumpRe), ji = ref MemoryMarshal.GetArrayDataReference(s.JumpIm);
        ref float sr = ref MemoryMarshal.GetArrayDataReference(s.SteerRe), si = ref MemoryMarshal.GetArrayDataReference(s.SteerIm);
        ref float sn = ref MemoryMarshal.GetArrayDataReference(s.SteerNegIm);
        int half = Vector256<double>.Count;
        for (nuint at = 0; at < (nuint)s.AnchorRe.Length; at += (nuint)Lanes)
        {
            var (lowRe, lowIm) = AdvanceAnchor(ref re, ref im, ref jr, ref ji, at);
            var (highRe, highIm) = AdvanceAnchor(ref re, ref im, ref jr, ref ji, at + (nuint)half);
            var nextRe = Vector256.Narrow(lowRe, highRe);
            var nextIm = Vector256.Narrow(lowIm, highIm);
            nextRe.StoreUnsafe(ref sr, at);
            nextIm.StoreUnsafe(ref si, at);
            (-nextIm).StoreUnsafe(ref sn, at);
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rotate(Scratch s)
    {
        ref float ar = ref MemoryMarshal.GetArrayDataReference(s.SteerRe), ai = ref MemoryMarshal.GetArrayDataReference(s.SteerIm);
        ref float an = ref MemoryMarshal.GetArrayDataReference(s.SteerNegIm);
        ref float rr = ref MemoryMarshal.GetArrayDataReference(s.RotateRe), ri = ref MemoryMarshal.GetArrayDataReference(s.RotateIm);
        for (nuint at = 0; at < (nuint)s.SteerRe.Length; at += (nuint)Lanes)
        {
            var re = Vector256.LoadUnsafe(ref ar, at);
            var im = Vector256.LoadUnsafe(ref ai, at);
            var cr = Vector256.LoadUnsafe(ref rr, at);
            var ci = Vector256.LoadUnsafe(ref ri, at);
            var nextRe = Vector256.FusedMultiplyAdd(re, cr, -(im * ci));
            var nextIm = Vector256.FusedMultiplyAdd(re, ci, im * cr);
            nextRe.StoreUnsafe(ref ar, at);
            nextIm.StoreUnsafe(ref ai, at);
            (-nextIm).StoreUnsafe(ref an, at);
        }
    }

    /// <summary>Beams of four windows of one bin over all channels, in registers; their |B|² added to the power.
    /// Beam2 and Beam1 take the remaining windows: each channel's steering is loaded once per call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Beam4(int bin, int w, Scratch s, double weight)
    {
        int windows = spectra.Windows;
        ref float xr = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(spectra.Re), (nint)bin * spectra.Channels * windows + w);
        ref float xi = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(spectra.Im), (nint)bin * spectra.Channels * windows + w);
        ref float ar = ref MemoryMarshal.GetArrayDataReference(s.SteerRe), ai = ref MemoryMarshal.GetArrayDataReference(s.SteerIm);
        ref float an = ref MemoryMarshal.GetArrayDataReference(s.SteerNegIm);
        Vector256<float> r0 = default, i0 = default, r1 = default, i1 = default, r2 = default, i2 = default, r3 = default, i3 = default;
        nint x = 0;
        for (nuint at = 0; at < (nuint)s.SteerRe.Length; at += (nuint)Lanes, x += windows)
        {
            var sr = Vector256.LoadUnsafe(ref ar, at);
            var si = Vector256.LoadUnsafe(ref ai, at);
            var sn = Vector256.LoadUnsafe(ref an, at);
            Accumulate(sr, si, sn, Unsafe.Add(ref xr, x), Unsafe.Add(ref xi, x), ref r0, ref i0);
            Accumulate(sr, si, sn, Unsafe.Add(ref xr, x + 1), Unsafe.Add(ref xi, x + 1), ref r1, ref i1);
            Accumulate(sr, si, sn, Unsafe.Add(ref xr, x + 2), Unsafe.Add(ref xi, x + 2), ref r2, ref i2);
            Accumulate(sr, si, sn, Unsafe.Add(ref xr, x + 3), Unsafe.Add(ref xi, x + 3), ref r3, ref i3);
        }
        AddPower(s.Power, w, weight, r0, i0);
        AddPower(s.Power, w + 1, weight, r1, i1);
        AddPower(s.Power, w + 2, weight, r2, i2);
        AddPower(s.Power, w + 3, weight, r3, i3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Beam2(int bin, int w, Scratch s, double weight)
    {
        int windows = spectra.Windows;
        ref float xr = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(spectra.Re), (nint)bin * spectra.Channels * windows + w);
        ref float xi = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(spectra.Im), (nint)bin * spectra.Channels * windows + w);
        ref float ar = ref MemoryMarshal.GetArrayDataReference(s.SteerRe), ai = ref MemoryMarshal.GetArrayDataReference(s.SteerIm);
        ref float an = ref MemoryMarshal.GetArrayDataReference(s.SteerNegIm);
        Vector256<float> r0 = default, i0 = default, r1 = default, i1 = default;
        nint x = 0;
        for (nuint at = 0; at < (nuint)s.SteerRe.Length; at += (nuint)Lanes, x += windows)
        {
            var sr = Vector256.LoadUnsafe(ref ar, at);
            var si = Vector256.LoadUnsafe(ref ai, at);
            var sn = Vector256.LoadUnsafe(ref an, at);
            Accumulate(sr, si, sn, Unsafe.Add(ref xr, x), Unsafe.Add(ref xi, x), ref r0, ref i0);
            Accumulate(sr, si, sn, Unsafe.Add(ref xr, x + 1), Unsafe.Add(ref xi, x + 1), ref r1, ref i1);
        }
        AddPower(s.Power, w, weight, r0, i0);
        AddPower(s.Power, w + 1, weight, r1, i1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Beam1(int bin, int w, Scratch s, double weight)
    {
        int windows = spectra.Windows;
        ref float xr = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(spectra.Re), (nint)bin * spectra.Channels * windows + w);
        ref float xi = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(spectra.Im), (nint)bin * spectra.Channels * windows + w);
        ref float ar = ref MemoryMarshal.GetArrayDataReference(s.SteerRe), ai = ref MemoryMarshal.GetArrayDataReference(s.SteerIm);
        ref float an = ref MemoryMarshal.GetArrayDataReference(s.SteerNegIm);
        Vector256<float> r0 = default, i0 = default;
        nint x = 0;
        for (nuint at = 0; at < (nuint)s.SteerRe.Length; at += (nuint)Lanes, x += windows)
        {
            Accumulate(Vector256.LoadUnsafe(ref ar, at), Vector256.LoadUnsafe(ref ai, at), Vector256.LoadUnsafe(ref an, at),
                Unsafe.Add(ref xr, x), Unsafe.Add(ref xi, x), ref r0, ref i0);
        }
        AddPower(s.Power, w, weight, r0, i0);
    }

    /// <summary>(re, im) += steer · x with the negated imaginary plane, so that every term is one FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(Vector256<float> sr, Vector256<float> si, Vector256<float> sn, float xRe, float xIm,
        ref Vector256<float> re, ref Vector256<float> im)
    {
        var xr = Vector256.Create(xRe);
        var xi = Vector256.Create(xIm);
        re = Vector256.FusedMultiplyAdd(sn, xi, Vector256.FusedMultiplyAdd(sr, xr, re));
        im = Vector256.FusedMultiplyAdd(si, xr, Vector256.FusedMultiplyAdd(sr, xi, im));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddPower(double[] power, int w, double weight, Vector256<float> re, Vector256<float> im)
    {
        var magnitude = re * re + im * im;
        ref double p = ref MemoryMarshal.GetArrayDataReference(power);
        nuint at = (nuint)(w * Lanes);
        int half = Vector256<double>.Count;
        var factor = Vector256.Create(weight);
        Vector256.FusedMultiplyAdd(Vector256.WidenLower(magnitude), factor, Vector256.LoadUnsafe(ref p, at)).StoreUnsafe(ref p, at);
        Vector256.FusedMultiplyAdd(Vector256.WidenUpper(magnitude), factor, Vector256.LoadUnsafe(ref p, at + (nuint)half)).StoreUnsafe(ref p, at + (nuint)half);
    }
}
