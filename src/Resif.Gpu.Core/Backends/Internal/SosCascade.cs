using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Resif.Gpu.Core.Backends.Internal;

/// <summary>
/// Second-order-section cascade over a group of up to <see cref="Lanes"/> channels held time-major in float64
/// (channel = SIMD lane, four Vector256&lt;double&gt; per time step). Transposed direct form II, float64 state.
/// Work is done in tiles of <see cref="TileSteps"/> time steps (16 KB, stays in L1) running every section over a
/// tile before moving on, so each sample crosses memory once per pass. Consecutive sections whose numerator is
/// symmetric run two at a time (twice the independent recursions in flight, the intermediate signal in registers):
/// with <c>wide</c> (AVX-512) in Vector512&lt;double&gt; over all 16 lanes, otherwise in Vector256 over 8 lanes at a time.
/// The float32 form of <see cref="Run(float*, float*, int, bool, Span{Vector256{double}}, double*)"/> widens as the
/// first pair loads and rounds as the last one stores, so that no separate sweep converts the tile.
/// </summary>
internal sealed unsafe class SosCascade
{
    public const int Lanes = 16;
    public const int TileSteps = 128;

    private readonly double[] _coefficients; // per section: b0, b1, b2, a1, a2 (normalised by a0)
    private readonly double[] _steadyState;  // per section: z0, z1 for a unit step (sosfilt_zi)
    private readonly bool[] _unitNumerator;  // b0 = b2 = 1: every section but the first of a SciPy Butterworth/Chebyshev I
    private readonly bool[] _symmetric;      // b0 = b2 ≠ 0: b0 · [1, b1/b0, 1], the gain applied to the input
    private readonly bool _wide;
    private readonly (int Section, bool Pair)[] _units; // what Run calls in order: a pair of sections or one section

    /// <param name="sos">Sections, six values each (see <c>IFilterKernels</c>).</param>
    /// <param name="wide">Run pairs of symmetric sections in Vector512 (correct everywhere; fast only where it is accelerated).</param>
    public SosCascade(ReadOnlySpan<double> sos, bool wide)
    {
        Sections = Dsp.FilterDesign.SectionCount(sos);
        _coefficients = new double[5 * Sections];
        for (int s = 0; s < Sections; s++)
        {
            double a0 = sos[6 * s + 3];
            if (a0 == 0) throw new ArgumentException($"section {s} has a0 = 0", nameof(sos));
            for (int i = 0; i < 3; i++) _coefficients[5 * s + i] = sos[6 * s + i] / a0;
            _coefficients[5 * s + 3] = sos[6 * s + 4] / a0;
            _coefficients[5 * s + 4] = sos[6 * s + 5] / a0;
        }
        _steadyState = Dsp.FilterDesign.SteadyStateState(sos);
        _unitNumerator = Enumerable.Range(0, Sections).Select(s => _coefficients[5 * s] == 1 && _coefficients[5 * s + 2] == 1).ToArray();
        _symmetric = Enumerable.Range(0, Sections).Select(s => _coefficients[5 * s] != 0 && _coefficients[5 * s] == _coefficients[5 * s + 2]).ToArray();
        _wide = wide;
        var units = new List<(int, bool)>();
        for (int s = 0; s < Sections; s++)
        {
            bool pair = s + 1 < Sections && _symmetric[s] && _symmetric[s + 1];
            units.Add((s, pair));
            if (pair) s++;
        }
        _units = [.. units];
    }

    /// <summary>Whether this machine runs Vector512 in hardware (the default for <c>wide</c>).</summary>
    public static bool WideByDefault => Vector512.IsHardwareAccelerated;

    public int Sections { get; }

    /// <summary>Number of Vector256&lt;double&gt; state slots <see cref="Reset"/> and <see cref="Run"/> need.</summary>
    public int StateLength => StatePerSection * Sections;

    private const int StatePerSection = 2 * Lanes / 4;

    /// <summary>
    /// Sets the state to rest (<paramref name="first"/> null) or to the steady state for a constant input equal to
    /// the time step at <paramref name="first"/> (SciPy's <c>sosfilt_zi * x[0]</c>, lane by lane).
    /// </summary>
    public void Reset(Span<Vector256<double>> state, double* first)
    {
        for (int s = 0; s < Sections; s++)
        {
            var sectionState = state.Slice(StatePerSection * s, StatePerSection);
            if (first is null)
            {
                sectionState.Clear();
                continue;
            }
            for (int v = 0; v < Lanes / 4; v++)
            {
                var x = Vector256.Load(first + 4 * v);
                sectionState[v] = x * _steadyState[2 * s];
                sectionState[Lanes / 4 + v] = x * _steadyState[2 * s + 1];
            }
        }
    }

    /// <summary>
    /// Loads per-row states (<paramref name="rows"/> rows × sections × [z0, z1], as <c>IFilterKernels.SosFilterContinue</c>
    /// holds them) into lanes; lanes without a row start at rest.
    /// </summary>
    public void LoadState(Span<Vector256<double>> state, ReadOnlySpan<double> rowStates, int rows)
    {
        Span<double> lane = stackalloc double[Lanes];
        for (int s = 0; s < Sections; s++)
        {
            for (int k = 0; k < 2; k++)
            {
                for (int c = 0; c < Lanes; c++) lane[c] = c < rows ? rowStates[(c * Sections + s) * 2 + k] : 0;
                for (int v = 0; v < Lanes / 4; v++) state[StatePerSection * s + k * (Lanes / 4) + v] = Vector256.Create<double>(lane.Slice(4 * v, 4));
            }
        }
    }

    /// <summary>The inverse of <see cref="LoadState"/>: writes the lanes' states back to the first <paramref name="rows"/> rows.</summary>
    public void StoreState(ReadOnlySpan<Vector256<double>> state, Span<double> rowStates, int rows)
    {
        Span<double> lane = stackalloc double[Lanes];
        for (int s = 0; s < Sections; s++)
        {
            for (int k = 0; k < 2; k++)
            {
                for (int v = 0; v < Lanes / 4; v++) state[StatePerSection * s + k * (Lanes / 4) + v].CopyTo(lane.Slice(4 * v, 4));
                for (int c = 0; c < rows; c++) rowStates[(c * Sections + s) * 2 + k] = lane[c];
            }
        }
    }

    /// <summary>
    /// Filters <paramref name="steps"/> time steps of <see cref="Lanes"/> doubles at <paramref name="buffer"/> in
    /// place, in increasing time order or (reverse) from the last step down to the first, continuing from
    /// <paramref name="state"/>.
    /// </summary>
    public void Run(double* buffer, int steps, bool reverse, Span<Vector256<double>> state)
    {
        for (int done = 0; done < steps; done += TileSteps)
        {
            int count = Math.Min(TileSteps, steps - done);
            double* tile = buffer + (long)(reverse ? steps - done - count : done) * Lanes;
            foreach (var (section, pair) in _units)
            {
                if (pair) RunPair<Float64, Float64>((byte*)tile, (byte*)tile, count, reverse, section, state);
                else RunSingle(tile, count, reverse, section, state);
            }
        }
    }

    /// <summary>
    /// As <see cref="Run(double*, int, bool, Span{Vector256{double}})"/> from float32 steps at
    /// <paramref name="source"/> to float32 steps at <paramref name="target"/> (the same or disjoint): the values
    /// are widened to float64, run through every section and rounded to float32 once, as a float64 buffer filtered
    /// between a widening and a narrowing copy gives them. Between sections the tile runs in
    /// <paramref name="tile"/> (<see cref="TileSteps"/> × <see cref="Lanes"/> doubles).
    /// </summary>
    public void Run(float* source, float* target, int steps, bool reverse, Span<Vector256<double>> state, double* tile)
    {
        for (int done = 0; done < steps; done += TileSteps)
        {
            int count = Math.Min(TileSteps, steps - done);
            long offset = (long)(reverse ? steps - done - count : done) * Lanes;
            byte* from = (byte*)(source + offset), to = (byte*)(target + offset);
            for (int u = 0; u < _units.Length; u++)
            {
                var (section, pair) = _units[u];
                bool first = u == 0, last = u == _units.Length - 1;
                if (pair && first && last) RunPair<Float32, Float32>(from, to, count, reverse, section, state);
                else if (pair && first) RunPair<Float32, Float64>(from, (byte*)tile, count, reverse, section, state);
                else if (pair && last) RunPair<Float64, Float32>((byte*)tile, to, count, reverse, section, state);
                else if (pair) RunPair<Float64, Float64>((byte*)tile, (byte*)tile, count, reverse, section, state);
                else
                {
                    if (first) Widen((float*)from, tile, count);
                    RunSingle(tile, count, reverse, section, state);
                    if (last) Narrow(tile, (float*)to, count);
                }
            }
        }
    }

    /// <summary>Rounds <paramref name="steps"/> time steps of float64 lanes to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Narrow(double* source, float* target, int steps)
    {
        for (long i = 0; i < (long)steps * Lanes; i += 8)
            Vector256.Narrow(Vector256.Load(source + i), Vector256.Load(source + i + 4)).Store(target + i);
    }

    /// <summary>Widens <paramref name="steps"/> time steps of float32 lanes to float64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Widen(float* source, double* target, int steps)
    {
        for (long i = 0; i < (long)steps * Lanes; i += 8)
        {
            var values = Vector256.Load(source + i);
            Vector256.WidenLower(values).Store(target + i);
            Vector256.WidenUpper(values).Store(target + i + 4);
        }
    }

    private void RunSingle(double* tile, int count, bool reverse, int section, Span<Vector256<double>> state)
    {
        var sectionState = state.Slice(StatePerSection * section, StatePerSection);
        if (_unitNumerator[section]) RunUnitSection(tile, count, reverse, section, sectionState);
        else RunSection(tile, count, reverse, section, sectionState);
    }

    /// <summary>
    /// How the pair kernels read their input steps and write their output steps (16 lanes each): float64 as they
    /// are, or float32 widened on load and rounded on store.
    /// </summary>
    private interface IStepFormat
    {
        /// <summary>Bytes per lane value.</summary>
        static abstract int Size { get; }

        static abstract void Load(byte* p, out Vector512<double> low, out Vector512<double> high);

        static abstract void Store(byte* p, Vector512<double> low, Vector512<double> high);

        /// <summary>Eight lanes (two Vector256) from <paramref name="p"/>.</summary>
        static abstract void Load(byte* p, out Vector256<double> low, out Vector256<double> high);

        static abstract void Store(byte* p, Vector256<double> low, Vector256<double> high);
    }

    private readonly struct Float64 : IStepFormat
    {
        public static int Size => sizeof(double);

        public static void Load(byte* p, out Vector512<double> low, out Vector512<double> high)
        {
            low = Vector512.Load((double*)p);
            high = Vector512.Load((double*)p + 8);
        }

        public static void Store(byte* p, Vector512<double> low, Vector512<double> high)
        {
            low.Store((double*)p);
            high.Store((double*)p + 8);
        }

        public static void Load(byte* p, out Vector256<double> low, out Vector256<double> high)
        {
            low = Vector256.Load((double*)p);
            high = Vector256.Load((double*)p + 4);
        }

        public static void Store(byte* p, Vector256<double> low, Vector256<double> high)
        {
            low.Store((double*)p);
            high.Store((double*)p + 4);
        }
    }

    private readonly struct Float32 : IStepFormat
    {
        public static int Size => sizeof(float);

        // With AVX-512 (AVX), each half converts straight from and to memory (no lane extract or insert on the shuffle port).
        public static void Load(byte* p, out Vector512<double> low, out Vector512<double> high)
        {
            if (Avx512F.IsSupported)
            {
                low = Avx512F.ConvertToVector512Double(Vector256.Load((float*)p));
                high = Avx512F.ConvertToVector512Double(Vector256.Load((float*)p + 8));
                return;
            }
            var values = Vector512.Load((float*)p);
            low = Vector512.WidenLower(values);
            high = Vector512.WidenUpper(values);
        }

        public static void Store(byte* p, Vector512<double> low, Vector512<double> high)
        {
            if (Avx512F.IsSupported)
            {
                Avx512F.ConvertToVector256Single(low).Store((float*)p);
                Avx512F.ConvertToVector256Single(high).Store((float*)p + 8);
                return;
            }
            Vector512.Narrow(low, high).Store((float*)p);
        }

        public static void Load(byte* p, out Vector256<double> low, out Vector256<double> high)
        {
            if (Avx.IsSupported)
            {
                low = Avx.ConvertToVector256Double(Vector128.Load((float*)p));
                high = Avx.ConvertToVector256Double(Vector128.Load((float*)p + 4));
                return;
            }
            var values = Vector256.Load((float*)p);
            low = Vector256.WidenLower(values);
            high = Vector256.WidenUpper(values);
        }

        public static void Store(byte* p, Vector256<double> low, Vector256<double> high)
        {
            if (Avx.IsSupported)
            {
                Avx.ConvertToVector128Single(low).Store((float*)p);
                Avx.ConvertToVector128Single(high).Store((float*)p + 4);
                return;
            }
            Vector256.Narrow(low, high).Store((float*)p);
        }
    }

    // Sections `section` and `section + 1` from `input` to `output` (the same or disjoint steps).
    private void RunPair<TIn, TOut>(byte* input, byte* output, int count, bool reverse, int section, Span<Vector256<double>> state)
        where TIn : struct, IStepFormat
        where TOut : struct, IStepFormat
    {
        var pairState = state.Slice(StatePerSection * section, 2 * StatePerSection);
        if (_coefficients[5 * section] != 1) RunPair<Scaled, TIn, TOut>(input, output, count, reverse, section, pairState);
        else RunPair<Unit, TIn, TOut>(input, output, count, reverse, section, pairState);
    }

    private void RunPair<TFirst, TIn, TOut>(byte* input, byte* output, int count, bool reverse, int section, Span<Vector256<double>> state)
        where TFirst : struct, ISectionForm
        where TIn : struct, IStepFormat
        where TOut : struct, IStepFormat
    {
        double gain = _coefficients[5 * (section + 1)], c1 = _coefficients[5 * (section + 1) + 1] / gain;
        if (gain != 1) RunPair<TFirst, Scaled, TIn, TOut>(input, output, count, reverse, section, state);
        else if (c1 == 2) RunPair<TFirst, PlusTwo, TIn, TOut>(input, output, count, reverse, section, state);
        else if (c1 == -2) RunPair<TFirst, MinusTwo, TIn, TOut>(input, output, count, reverse, section, state);
        else RunPair<TFirst, Unit, TIn, TOut>(input, output, count, reverse, section, state);
    }

    private void RunPair<TFirst, TSecond, TIn, TOut>(byte* input, byte* output, int count, bool reverse, int section, Span<Vector256<double>> state)
        where TFirst : struct, ISectionForm
        where TSecond : struct, ISectionForm
        where TIn : struct, IStepFormat
        where TOut : struct, IStepFormat
    {
        if (_wide)
        {
            RunPairWide<TFirst, TSecond, TIn, TOut>(input, output, count, reverse, section, state);
            return;
        }
        // 16 Vector256 of state for 16 lanes would not fit the 16 YMM registers of AVX2: eight lanes at a time.
        for (int half = 0; half < Lanes; half += 8)
            RunPairNarrow<TFirst, TSecond, TIn, TOut>(input + half * TIn.Size, output + half * TOut.Size, count, reverse, section, state, half / 4);
    }

    /// <summary>
    /// How a symmetric section b0 · [1, c1, 1] is computed (compile-time constants per instantiation): whether it
    /// scales its input by b0, and how it forms c1·x + z1. Butterworth and Chebyshev sections after the first have
    /// c1 = ±2, where two adds replace the FMA: the second section of a pair takes that form, so that the pair's work
    /// splits between the FMA and the add ports instead of queueing on the FMA ones.
    /// </summary>
    private interface ISectionForm
    {
        static abstract bool ScalesInput { get; }

        static abstract Vector512<double> Feed(Vector512<double> x, Vector512<double> z1, Vector512<double> c1);

        static abstract Vector256<double> Feed(Vector256<double> x, Vector256<double> z1, Vector256<double> c1);
    }

    private readonly struct Unit : ISectionForm
    {
        public static bool ScalesInput => false;

        public static Vector512<double> Feed(Vector512<double> x, Vector512<double> z1, Vector512<double> c1) => Vector512.FusedMultiplyAdd(c1, x, z1);

        public static Vector256<double> Feed(Vector256<double> x, Vector256<double> z1, Vector256<double> c1) => Vector256.FusedMultiplyAdd(c1, x, z1);
    }

    private readonly struct Scaled : ISectionForm
    {
        public static bool ScalesInput => true;

        public static Vector512<double> Feed(Vector512<double> x, Vector512<double> z1, Vector512<double> c1) => Vector512.FusedMultiplyAdd(c1, x, z1);

        public static Vector256<double> Feed(Vector256<double> x, Vector256<double> z1, Vector256<double> c1) => Vector256.FusedMultiplyAdd(c1, x, z1);
    }

    private readonly struct PlusTwo : ISectionForm
    {
        public static bool ScalesInput => false;

        public static Vector512<double> Feed(Vector512<double> x, Vector512<double> z1, Vector512<double> c1) => z1 + x + x;

        public static Vector256<double> Feed(Vector256<double> x, Vector256<double> z1, Vector256<double> c1) => z1 + x + x;
    }

    private readonly struct MinusTwo : ISectionForm
    {
        public static bool ScalesInput => false;

        public static Vector512<double> Feed(Vector512<double> x, Vector512<double> z1, Vector512<double> c1) => z1 - x - x;

        public static Vector256<double> Feed(Vector256<double> x, Vector256<double> z1, Vector256<double> c1) => z1 - x - x;
    }

    // Sections s and s + 1, both b0 · [1, c1, 1], over a tile: 16 channels = two Vector512<double> per step. Scaling
    // the input by b0 leaves the transposed-direct-form-II state unchanged (b·x = (b/b0)·(b0·x)), so Reset, LoadState
    // and StoreState hold for either kernel. Per step and section: y = x + z0, z0' = c1·x + z1 − a1·y, z1' = x − a2·y.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunPairWide<TFirst, TSecond, TIn, TOut>(byte* input, byte* output, int count, bool reverse, int section, Span<Vector256<double>> state)
        where TFirst : struct, ISectionForm
        where TSecond : struct, ISectionForm
        where TIn : struct, IStepFormat
        where TOut : struct, IStepFormat
    {
        var z = MemoryMarshal.Cast<Vector256<double>, Vector512<double>>(state); // per section: z0 (2), z1 (2)
        fixed (double* c = &_coefficients[5 * section])
        {
            var gainP = Vector512.Create(c[0]);
            var c1P = Vector512.Create(c[1] / c[0]);
            var minusA1P = Vector512.Create(-c[3]);
            var minusA2P = Vector512.Create(-c[4]);
            var gainQ = Vector512.Create(c[5]);
            var c1Q = Vector512.Create(c[6] / c[5]);
            var minusA1Q = Vector512.Create(-c[8]);
            var minusA2Q = Vector512.Create(-c[9]);
            Vector512<double> p0a = z[0], p0b = z[1], p1a = z[2], p1b = z[3];
            Vector512<double> q0a = z[4], q0b = z[5], q1a = z[6], q1b = z[7];
            int inStep = (reverse ? -Lanes : Lanes) * TIn.Size, outStep = (reverse ? -Lanes : Lanes) * TOut.Size;
            byte* p = reverse ? input + (long)(count - 1) * Lanes * TIn.Size : input;
            byte* q = reverse ? output + (long)(count - 1) * Lanes * TOut.Size : output;
            for (int t = 0; t < count; t++, p += inStep, q += outStep)
            {
                TIn.Load(p, out Vector512<double> xa, out Vector512<double> xb);
                if (TFirst.ScalesInput)
                {
                    xa *= gainP;
                    xb *= gainP;
                }
                var ya = xa + p0a;
                var yb = xb + p0b;
                p0a = Vector512.FusedMultiplyAdd(minusA1P, ya, TFirst.Feed(xa, p1a, c1P));
                p0b = Vector512.FusedMultiplyAdd(minusA1P, yb, TFirst.Feed(xb, p1b, c1P));
                p1a = Vector512.FusedMultiplyAdd(minusA2P, ya, xa);
                p1b = Vector512.FusedMultiplyAdd(minusA2P, yb, xb);
                if (TSecond.ScalesInput)
                {
                    ya *= gainQ;
                    yb *= gainQ;
                }
                var wa = ya + q0a;
                var wb = yb + q0b;
                q0a = Vector512.FusedMultiplyAdd(minusA1Q, wa, TSecond.Feed(ya, q1a, c1Q));
                q0b = Vector512.FusedMultiplyAdd(minusA1Q, wb, TSecond.Feed(yb, q1b, c1Q));
                q1a = Vector512.FusedMultiplyAdd(minusA2Q, wa, ya);
                q1b = Vector512.FusedMultiplyAdd(minusA2Q, wb, yb);
                TOut.Store(q, wa, wb);
            }
            z[0] = p0a;
            z[1] = p0b;
            z[2] = p1a;
            z[3] = p1b;
            z[4] = q0a;
            z[5] = q0b;
            z[6] = q1a;
            z[7] = q1b;
        }
    }

    // A section whose numerator is [1, b1, 1] (the gain lives in another section): the products by b0 and b2
    // become an add and part of an FMA, which frees the FMA ports (Zen 3 adds run on separate ports).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunUnitSection(double* tile, int count, bool reverse, int section, Span<Vector256<double>> state)
    {
        fixed (double* c = &_coefficients[5 * section])
        {
            var b1 = Vector256.Create(c[1]);
            var minusA1 = Vector256.Create(-c[3]);
            var minusA2 = Vector256.Create(-c[4]);
            Vector256<double> z0a = state[0], z0b = state[1], z0c = state[2], z0d = state[3];
            Vector256<double> z1a = state[4], z1b = state[5], z1c = state[6], z1d = state[7];
            int step = reverse ? -Lanes : Lanes;
            double* p = reverse ? tile + (long)(count - 1) * Lanes : tile;
            for (int t = 0; t < count; t++, p += step)
            {
                var xa = Vector256.Load(p);
                var xb = Vector256.Load(p + 4);
                var xc = Vector256.Load(p + 8);
                var xd = Vector256.Load(p + 12);
                var ya = xa + z0a;
                var yb = xb + z0b;
                var yc = xc + z0c;
                var yd = xd + z0d;
                z0a = Vector256.FusedMultiplyAdd(minusA1, ya, Vector256.FusedMultiplyAdd(b1, xa, z1a));
                z0b = Vector256.FusedMultiplyAdd(minusA1, yb, Vector256.FusedMultiplyAdd(b1, xb, z1b));
                z0c = Vector256.FusedMultiplyAdd(minusA1, yc, Vector256.FusedMultiplyAdd(b1, xc, z1c));
                z0d = Vector256.FusedMultiplyAdd(minusA1, yd, Vector256.FusedMultiplyAdd(b1, xd, z1d));
                z1a = Vector256.FusedMultiplyAdd(minusA2, ya, xa);
                z1b = Vector256.FusedMultiplyAdd(minusA2, yb, xb);
                z1c = Vector256.FusedMultiplyAdd(minusA2, yc, xc);
                z1d = Vector256.FusedMultiplyAdd(minusA2, yd, xd);
                ya.Store(p);
                yb.Store(p + 4);
                yc.Store(p + 8);
                yd.Store(p + 12);
            }
            SaveState(state, z0a, z0b, z0c, z0d, z1a, z1b, z1c, z1d);
        }
    }

    // One section over a tile, four Vector256<double> (16 channels) per time step: four independent recursions
    // hide the FMA latency. The critical path per step is y = b0·x + z0, then z0' = (b1·x + z1) − a1·y.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunSection(double* tile, int count, bool reverse, int section, Span<Vector256<double>> state)
    {
        fixed (double* c = &_coefficients[5 * section])
        {
            var b0 = Vector256.Create(c[0]);
            var b1 = Vector256.Create(c[1]);
            var b2 = Vector256.Create(c[2]);
            var minusA1 = Vector256.Create(-c[3]);
            var minusA2 = Vector256.Create(-c[4]);
            Vector256<double> z0a = state[0], z0b = state[1], z0c = state[2], z0d = state[3];
            Vector256<double> z1a = state[4], z1b = state[5], z1c = state[6], z1d = state[7];
            int step = reverse ? -Lanes : Lanes;
            double* p = reverse ? tile + (long)(count - 1) * Lanes : tile;
            for (int t = 0; t < count; t++, p += step)
            {
                var xa = Vector256.Load(p);
                var xb = Vector256.Load(p + 4);
                var xc = Vector256.Load(p + 8);
                var xd = Vector256.Load(p + 12);
                var ya = Vector256.FusedMultiplyAdd(b0, xa, z0a);
                var yb = Vector256.FusedMultiplyAdd(b0, xb, z0b);
                var yc = Vector256.FusedMultiplyAdd(b0, xc, z0c);
                var yd = Vector256.FusedMultiplyAdd(b0, xd, z0d);
                z0a = Vector256.FusedMultiplyAdd(minusA1, ya, Vector256.FusedMultiplyAdd(b1, xa, z1a));
                z0b = Vector256.FusedMultiplyAdd(minusA1, yb, Vector256.FusedMultiplyAdd(b1, xb, z1b));
                z0c = Vector256.FusedMultiplyAdd(minusA1, yc, Vector256.FusedMultiplyAdd(b1, xc, z1c));
                z0d = Vector256.FusedMultiplyAdd(minusA1, yd, Vector256.FusedMultiplyAdd(b1, xd, z1d));
                z1a = Vector256.FusedMultiplyAdd(minusA2, ya, b2 * xa);
                z1b = Vector256.FusedMultiplyAdd(minusA2, yb, b2 * xb);
                z1c = Vector256.FusedMultiplyAdd(minusA2, yc, b2 * xc);
                z1d = Vector256.FusedMultiplyAdd(minusA2, yd, b2 * xd);
                ya.Store(p);
                yb.Store(p + 4);
                yc.Store(p + 8);
                yd.Store(p + 12);
            }
            SaveState(state, z0a, z0b, z0c, z0d, z1a, z1b, z1c, z1d);
        }
    }

    // The pair over eight lanes (two Vector256<double> per step) from `input` and `output` on (lane 4 · vector of the step).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunPairNarrow<TFirst, TSecond, TIn, TOut>(byte* input, byte* output, int count, bool reverse, int section, Span<Vector256<double>> state, int vector)
        where TFirst : struct, ISectionForm
        where TSecond : struct, ISectionForm
        where TIn : struct, IStepFormat
        where TOut : struct, IStepFormat
    {
        const int z1 = Lanes / 4, next = StatePerSection; // offsets of a section's z1 vectors and of the next section
        fixed (double* c = &_coefficients[5 * section])
        {
            var gainP = Vector256.Create(c[0]);
            var c1P = Vector256.Create(c[1] / c[0]);
            var minusA1P = Vector256.Create(-c[3]);
            var minusA2P = Vector256.Create(-c[4]);
            var gainQ = Vector256.Create(c[5]);
            var c1Q = Vector256.Create(c[6] / c[5]);
            var minusA1Q = Vector256.Create(-c[8]);
            var minusA2Q = Vector256.Create(-c[9]);
            Vector256<double> p0a = state[vector], p0b = state[vector + 1], p1a = state[z1 + vector], p1b = state[z1 + vector + 1];
            Vector256<double> q0a = state[next + vector], q0b = state[next + vector + 1], q1a = state[next + z1 + vector], q1b = state[next + z1 + vector + 1];
            int inStep = (reverse ? -Lanes : Lanes) * TIn.Size, outStep = (reverse ? -Lanes : Lanes) * TOut.Size;
            byte* p = reverse ? input + (long)(count - 1) * Lanes * TIn.Size : input;
            byte* q = reverse ? output + (long)(count - 1) * Lanes * TOut.Size : output;
            for (int t = 0; t < count; t++, p += inStep, q += outStep)
            {
                TIn.Load(p, out Vector256<double> xa, out Vector256<double> xb);
                if (TFirst.ScalesInput)
                {
                    xa *= gainP;
                    xb *= gainP;
                }
                var ya = xa + p0a;
                var yb = xb + p0b;
                p0a = Vector256.FusedMultiplyAdd(minusA1P, ya, TFirst.Feed(xa, p1a, c1P));
                p0b = Vector256.FusedMultiplyAdd(minusA1P, yb, TFirst.Feed(xb, p1b, c1P));
                p1a = Vector256.FusedMultiplyAdd(minusA2P, ya, xa);
                p1b = Vector256.FusedMultiplyAdd(minusA2P, yb, xb);
                if (TSecond.ScalesInput)
                {
                    ya *= gainQ;
                    yb *= gainQ;
                }
                var wa = ya + q0a;
                var wb = yb + q0b;
                q0a = Vector256.FusedMultiplyAdd(minusA1Q, wa, TSecond.Feed(ya, q1a, c1Q));
                q0b = Vector256.FusedMultiplyAdd(minusA1Q, wb, TSecond.Feed(yb, q1b, c1Q));
                q1a = Vector256.FusedMultiplyAdd(minusA2Q, wa, ya);
                q1b = Vector256.FusedMultiplyAdd(minusA2Q, wb, yb);
                TOut.Store(q, wa, wb);
            }
            state[vector] = p0a;
            state[vector + 1] = p0b;
            state[z1 + vector] = p1a;
            state[z1 + vector + 1] = p1b;
            state[next + vector] = q0a;
            state[next + vector + 1] = q0b;
            state[next + z1 + vector] = q1a;
            state[next + z1 + vector + 1] = q1b;
        }
    }

    private static void SaveState(Span<Vector256<double>> state, Vector256<double> z0a, Vector256<double> z0b, Vector256<double> z0c,
        Vector256<double> z0d, Vector256<double> z1a, Vector256<double> z1b, Vector256<double> z1c, Vector256<double> z1d)
    {
        state[0] = z0a;
        state[1] = z0b;
        state[2] = z0c;
        state[3] = z0d;
        state[4] = z1a;
        state[5] = z1b;
        state[6] = z1c;
        state[7] = z1d;
    }
}
