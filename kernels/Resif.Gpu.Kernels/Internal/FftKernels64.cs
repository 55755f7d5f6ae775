using ILGPU;

namespace Resif.Gpu.Kernels.Internal;

/// <summary>
/// Where the lines of a batched FFT lie in an interleaved complex float64 work buffer, in complex elements:
/// line l starts at l·<see cref="LineStride"/>, its elements are <see cref="ElementStride"/> apart (1 for rows,
/// the row length for columns).
/// </summary>
internal readonly struct FftLines(int length, int log2Length, int lineStride, int elementStride, int inverse)
{
    public readonly int Length = length;
    public readonly int Log2Length = log2Length;
    public readonly int LineStride = lineStride;
    public readonly int ElementStride = elementStride;
    public readonly int Inverse = inverse;
}

/// <summary>
/// The float64 row FFT kept for the device station beam (arraybeam), whose CPU reference transforms in float64 and whose
/// Capon pseudo-inverses amplify float32 spectrum noise (5e-6 of the peak measured against 6e-8 here, and up to the
/// 1e6 condition cutoff in the worst case): one thread per line runs
/// an in-place iterative radix-2 transform with a host-computed twiddle table, NumPy's conventions; other lengths go
/// through Bluestein's transform (<see cref="Float64BluesteinKernels"/>). Slow on a GPU (one thread per line,
/// uncoalesced): the float32 FFT (<see cref="FftKernels"/>) is the fast path.
/// </summary>
internal static class Float64FftKernels
{
    public static void Transform(Index1D line, ArrayView<double> work, ArrayView<double> twiddles, FftLines lines)
    {
        long start = (long)line.X * lines.LineStride;
        int n = lines.Length;
        for (int i = 0; i < n; i++)
        {
            int j = ReverseBits(i, lines.Log2Length);
            if (j > i) Swap(work, Position(start, i, lines), Position(start, j, lines));
        }

        double sign = lines.Inverse != 0 ? -1.0 : 1.0; // the table holds exp(−2πi k/n); the inverse conjugates it
        for (int size = 2; size <= n; size *= 2)
        {
            int half = size / 2;
            int step = n / size;
            for (int block = 0; block < n; block += size)
            {
                for (int k = 0; k < half; k++)
                {
                    double wr = twiddles[2 * k * step], wi = sign * twiddles[2 * k * step + 1];
                    long a = Position(start, block + k, lines), b = Position(start, block + k + half, lines);
                    double br = work[b] * wr - work[b + 1] * wi;
                    double bi = work[b] * wi + work[b + 1] * wr;
                    double ar = work[a], ai = work[a + 1];
                    work[a] = ar + br;
                    work[a + 1] = ai + bi;
                    work[b] = ar - br;
                    work[b + 1] = ai - bi;
                }
            }
        }

        if (lines.Inverse == 0) return;
        double scale = 1.0 / n;
        for (int i = 0; i < n; i++)
        {
            long at = Position(start, i, lines);
            work[at] *= scale;
            work[at + 1] *= scale;
        }
    }

    private static long Position(long start, int element, FftLines lines) => 2 * (start + (long)element * lines.ElementStride);

    private static void Swap(ArrayView<double> work, long a, long b)
    {
        double re = work[a], im = work[a + 1];
        work[a] = work[b];
        work[a + 1] = work[b + 1];
        work[b] = re;
        work[b + 1] = im;
    }

    private static int ReverseBits(int value, int bits)
    {
        int reversed = 0;
        for (int i = 0; i < bits; i++)
        {
            reversed = (reversed << 1) | (value & 1);
            value >>= 1;
        }
        return reversed;
    }
}

/// <summary>
/// Bluestein's chirp-z steps in float64 for <see cref="Float64FftKernels"/> (the float32 ones are
/// <see cref="BluesteinKernels"/>), through power-of-two radix-2 transforms.
/// </summary>
internal static class Float64BluesteinKernels
{
    /// <summary>One thread per padded index j: the convolution filter conj(w_|j|), wrapped circularly, zero between.</summary>
    public static void Filter(Index1D j, ArrayView<double> chirp, ArrayView<double> filter, int length, int padded)
    {
        int k = j.X < length ? j.X : j.X > padded - length ? padded - j.X : -1;
        filter[2L * j.X] = k >= 0 ? chirp[2L * k] : 0.0;
        filter[2L * j.X + 1] = k >= 0 ? -chirp[2L * k + 1] : 0.0;
    }

    /// <summary>One thread per (line, padded index): scratch = x_j · w_j (x conjugated for the inverse), zero past the line.</summary>
    public static void Load(Index1D index, ArrayView<double> work, ArrayView<double> scratch, ArrayView<double> chirp, BluesteinLines lines)
    {
        int line = index.X / lines.Padded;
        int j = index.X - line * lines.Padded;
        double re = 0.0, im = 0.0;
        if (j < lines.Length)
        {
            long at = 2 * ((long)line * lines.LineStride + (long)j * lines.ElementStride);
            double xr = work[at], xi = lines.Inverse != 0 ? -work[at + 1] : work[at + 1];
            double cr = chirp[2L * j], ci = chirp[2L * j + 1];
            re = xr * cr - xi * ci;
            im = xr * ci + xi * cr;
        }
        scratch[2L * index.X] = re;
        scratch[2L * index.X + 1] = im;
    }

    /// <summary>One thread per scratch value: multiplies by the transformed filter (the same for every line).</summary>
    public static void MultiplyByFilter(Index1D index, ArrayView<double> scratch, ArrayView<double> filter, int padded)
    {
        long f = 2L * (index.X % padded);
        double sr = scratch[2L * index.X], si = scratch[2L * index.X + 1];
        double fr = filter[f], fi = filter[f + 1];
        scratch[2L * index.X] = sr * fr - si * fi;
        scratch[2L * index.X + 1] = sr * fi + si * fr;
    }

    /// <summary>One thread per (line, k &lt; n): X_k = w_k · convolution_k back into the work buffer (conjugated and /n for the inverse).</summary>
    public static void Store(Index1D index, ArrayView<double> scratch, ArrayView<double> work, ArrayView<double> chirp, BluesteinLines lines)
    {
        int line = index.X / lines.Length;
        int k = index.X - line * lines.Length;
        long from = 2 * ((long)line * lines.Padded + k);
        double sr = scratch[from], si = scratch[from + 1];
        double cr = chirp[2L * k], ci = chirp[2L * k + 1];
        double re = sr * cr - si * ci, im = sr * ci + si * cr;
        if (lines.Inverse != 0)
        {
            re /= lines.Length;
            im = -im / lines.Length;
        }
        long at = 2 * ((long)line * lines.LineStride + (long)k * lines.ElementStride);
        work[at] = re;
        work[at + 1] = im;
    }
}
