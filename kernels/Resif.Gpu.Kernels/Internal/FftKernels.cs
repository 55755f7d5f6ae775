using ILGPU;

namespace Resif.Gpu.Kernels.Internal;

/// <summary>
/// One Stockham pass of a batched mixed-radix FFT over interleaved complex float32 lines. Line l's element e lies at
/// complex index l·<see cref="LineStride"/> + e·<see cref="ElementStride"/> of both buffers. <see cref="Span"/> is the
/// product of the radices of the passes already done (1 for the first pass, <see cref="Length"/> / radix for the
/// last). When <see cref="LinesFastest"/> ≠ 0 (lines of stride 1: the columns of a row-major block), neighbouring
/// threads take neighbouring lines, so every load and store of a warp touches consecutive addresses; otherwise they take
/// neighbouring butterflies of one line (reads consecutive, writes grouped by <see cref="Span"/>).
/// </summary>
internal readonly struct FftPass(int length, int radix, int span, int lines, int lineStride, int elementStride, float direction, float scale)
{
    public readonly int Length = length;
    public readonly int Radix = radix;
    public readonly int Span = span;
    public readonly int Lines = lines;
    public readonly int LineStride = lineStride;
    public readonly int ElementStride = elementStride;
    public readonly int LinesFastest = lineStride == 1 && elementStride != 1 ? 1 : 0;

    /// <summary>+1 forward (exp(−2πi jk/n), NumPy's sign), −1 inverse.</summary>
    public readonly float Direction = direction;

    /// <summary>Factor applied to every output of the pass (1/n on the last pass of an inverse transform, else 1).</summary>
    public readonly float Scale = scale;
}

/// <summary>
/// A whole row transform for <see cref="FftKernels.SharedRows"/>: the radices of its passes packed 3 bits each
/// (first pass lowest), the direction and the final scale as in <see cref="FftPass"/>.
/// </summary>
internal readonly struct SharedRowsPlan(int length, int passes, long packedRadices, float direction, float scale)
{
    public readonly int Length = length;
    public readonly int Passes = passes;
    public readonly long PackedRadices = packedRadices;
    public readonly float Direction = direction;
    public readonly float Scale = scale;

    public int Radix(int pass) => (int)((PackedRadices >> (3 * pass)) & 7);

    public static SharedRowsPlan Create(int length, int[] radices, bool inverse)
    {
        long packed = 0;
        for (int p = radices.Length - 1; p >= 0; p--) packed = (packed << 3) | (long)radices[p];
        return new SharedRowsPlan(length, radices.Length, packed, inverse ? -1f : 1f, inverse ? 1f / length : 1f);
    }
}

/// <summary>A complex float32 value in registers.</summary>
internal readonly struct Complex32(float re, float im)
{
    public readonly float Re = re;
    public readonly float Im = im;

    public static Complex32 operator +(Complex32 a, Complex32 b) => new(a.Re + b.Re, a.Im + b.Im);

    public static Complex32 operator -(Complex32 a, Complex32 b) => new(a.Re - b.Re, a.Im - b.Im);

    public static Complex32 operator *(Complex32 a, Complex32 b) => new(a.Re * b.Re - a.Im * b.Im, a.Re * b.Im + a.Im * b.Re);

    public static Complex32 operator *(float s, Complex32 a) => new(s * a.Re, s * a.Im);

    /// <summary>−i·direction·a: the rotation by a quarter turn that the forward (direction +1) butterflies use.</summary>
    public Complex32 QuarterTurn(float direction) => new(direction * Im, -direction * Re);
}

/// <summary>
/// Device FFTs for any accelerator (cuFFT is used instead on CUDA when it loads, see <see cref="CuFftLines"/>):
/// Stockham autosort passes of radix 2, 3, 4 and 5 (no bit reversal; each pass reads one buffer and writes the other),
/// one thread per butterfly, float32 data with a float32 twiddle table computed on the host in float64. NumPy's
/// conventions: forward exp(−2πi jk/n), inverse scaled by 1/n. Lengths with other prime factors go through
/// <see cref="BluesteinKernels"/>. Plus the elementwise steps the FFT-based operations need.
/// </summary>
internal static class FftKernels
{
    private const float Sin60 = 0.8660254037844386f;
    private const float Cos72 = 0.30901699437494745f, Sin72 = 0.9510565162951535f;
    private const float Cos144 = -0.8090169943749475f, Sin144 = 0.5877852522924731f;

    /// <summary>
    /// One thread per (line, butterfly j &lt; n/radix) of one pass over global memory (lines of any layout).
    /// </summary>
    public static void Pass(Index1D index, ArrayView<float> source, ArrayView<float> target, ArrayView<float> twiddles, FftPass pass)
    {
        int butterflies = pass.Length / pass.Radix;
        int line, j;
        if (pass.LinesFastest != 0)
        {
            j = index.X / pass.Lines;
            line = index.X - j * pass.Lines;
        }
        else
        {
            line = index.X / butterflies;
            j = index.X - line * butterflies;
        }
        Butterfly(source, target, twiddles, (long)line * pass.LineStride, j, pass);
    }

    /// <summary>
    /// Longest row that <see cref="SharedRows"/> holds in shared memory: two ping-pong buffers of 2048 complex float32
    /// (32 KiB), within every CUDA device's 48 KiB per group and the usual OpenCL minimum of 32 KiB.
    /// </summary>
    public const int SharedRowLength = 2048;

    /// <summary>
    /// One group per row of a contiguous [rows, n] block (n ≤ <see cref="SharedRowLength"/>): the row is read once,
    /// every pass runs between two shared-memory buffers (a barrier between passes), and the result is written once;
    /// global traffic is one coalesced read and write instead of one per pass.
    /// </summary>
    public static void SharedRows(ArrayView<float> work, ArrayView<float> twiddles, SharedRowsPlan plan)
    {
        ArrayView<float> shared = SharedMemory.Allocate<float>(4 * SharedRowLength);
        ArrayView<float> ping = shared.SubView(0, 2 * SharedRowLength), pong = shared.SubView(2 * SharedRowLength, 2 * SharedRowLength);
        long origin = 2L * Grid.IdxX * plan.Length;
        int values = 2 * plan.Length;
        for (int i = Group.IdxX; i < values; i += Group.DimX) ping[i] = work[origin + i];
        Group.Barrier();

        int span = 1;
        for (int p = 0; p < plan.Passes; p++)
        {
            int radix = plan.Radix(p);
            float scale = p == plan.Passes - 1 ? plan.Scale : 1f;
            var pass = new FftPass(plan.Length, radix, span, 1, plan.Length, 1, plan.Direction, scale);
            ArrayView<float> source = p % 2 == 0 ? ping : pong, target = p % 2 == 0 ? pong : ping;
            for (int j = Group.IdxX; j < plan.Length / radix; j += Group.DimX) Butterfly(source, target, twiddles, 0, j, pass);
            Group.Barrier();
            span *= radix;
        }

        ArrayView<float> result = plan.Passes % 2 == 0 ? ping : pong;
        for (int i = Group.IdxX; i < values; i += Group.DimX) work[origin + i] = result[i];
    }

    /// <summary>
    /// One Stockham butterfly. With s = span and k = j mod s, it takes the radix inputs j + r·n/radix, multiplies input r
    /// by exp(∓2πi·k·r/(s·radix)), does a DFT of size radix and writes output r at (j − k)·radix + k + r·s: after the
    /// last pass the line is in natural order.
    /// </summary>
    private static void Butterfly(ArrayView<float> source, ArrayView<float> target, ArrayView<float> twiddles, long origin, int j, FftPass pass)
    {
        int butterflies = pass.Length / pass.Radix;
        int k = j % pass.Span;
        int twiddleStep = k * (pass.Length / (pass.Span * pass.Radix)); // exp(−2πi k/(s·radix)) = table[k·n/(s·radix)]
        int first = (j - k) * pass.Radix + k;

        Complex32 a = Read(source, origin, j, pass);
        Complex32 b = Twiddled(source, twiddles, origin, j + butterflies, twiddleStep, pass);
        if (pass.Radix == 2)
        {
            Write(target, origin, first, a + b, pass);
            Write(target, origin, first + pass.Span, a - b, pass);
            return;
        }

        Complex32 c = Twiddled(source, twiddles, origin, j + 2 * butterflies, 2 * twiddleStep, pass);
        if (pass.Radix == 3)
        {
            Complex32 sum = b + c;
            Complex32 middle = a - 0.5f * sum;
            Complex32 turn = (Sin60 * (b - c)).QuarterTurn(pass.Direction);
            Write(target, origin, first, a + sum, pass);
            Write(target, origin, first + pass.Span, middle + turn, pass);
            Write(target, origin, first + 2 * pass.Span, middle - turn, pass);
            return;
        }

        Complex32 d = Twiddled(source, twiddles, origin, j + 3 * butterflies, 3 * twiddleStep, pass);
        if (pass.Radix == 4)
        {
            Complex32 evenSum = a + c, evenDifference = a - c;
            Complex32 oddSum = b + d;
            Complex32 turn = (b - d).QuarterTurn(pass.Direction);
            Write(target, origin, first, evenSum + oddSum, pass);
            Write(target, origin, first + pass.Span, evenDifference + turn, pass);
            Write(target, origin, first + 2 * pass.Span, evenSum - oddSum, pass);
            Write(target, origin, first + 3 * pass.Span, evenDifference - turn, pass);
            return;
        }

        // Radix 5: pair inputs (1, 4) and (2, 3), whose twiddles are conjugate.
        Complex32 e = Twiddled(source, twiddles, origin, j + 4 * butterflies, 4 * twiddleStep, pass);
        Complex32 outerSum = b + e, outerDifference = b - e;
        Complex32 innerSum = c + d, innerDifference = c - d;
        Complex32 near = a + Cos72 * outerSum + Cos144 * innerSum;
        Complex32 far = a + Cos144 * outerSum + Cos72 * innerSum;
        Complex32 nearTurn = (Sin72 * outerDifference + Sin144 * innerDifference).QuarterTurn(pass.Direction);
        Complex32 farTurn = (Sin144 * outerDifference - Sin72 * innerDifference).QuarterTurn(pass.Direction);
        Write(target, origin, first, a + outerSum + innerSum, pass);
        Write(target, origin, first + pass.Span, near + nearTurn, pass);
        Write(target, origin, first + 2 * pass.Span, far + farTurn, pass);
        Write(target, origin, first + 3 * pass.Span, far - farTurn, pass);
        Write(target, origin, first + 4 * pass.Span, near - nearTurn, pass);
    }

    /// <summary>Copies the lines (same layout) from one buffer to the other, one thread per complex element.</summary>
    public static void CopyLines(Index1D index, ArrayView<float> source, ArrayView<float> target, FftPass lines)
    {
        int line = index.X / lines.Length;
        int element = index.X - line * lines.Length;
        long at = 2 * ((long)line * lines.LineStride + (long)element * lines.ElementStride);
        target[at] = source[at];
        target[at + 1] = source[at + 1];
    }

    /// <summary>Real float32 values → complex work with zero imaginary parts.</summary>
    public static void Load(Index1D index, ArrayView<float> source, ArrayView<float> work)
    {
        work[2L * index.X] = source[index];
        work[2L * index.X + 1] = 0f;
    }

    /// <summary>
    /// One thread per (pair p, sample j) of a real [rows, n] block: row 2p becomes the real part and row 2p + 1 the
    /// imaginary part of packed row p (zero when the row count is odd and the partner is missing).
    /// </summary>
    public static void PackRealRows(Index1D index, ArrayView<float> source, ArrayView<float> packed, int rows, int length)
    {
        int pair = index.X / length;
        int j = index.X - pair * length;
        long first = 2L * pair * length + j;
        packed[2L * index.X] = source[first];
        packed[2L * index.X + 1] = 2 * pair + 1 < rows ? source[first + length] : 0f;
    }

    /// <summary>
    /// One thread per (pair p, bin k): from the spectrum Z of packed row p, the spectra of its two real rows,
    /// A_k = (Z_k + conj Z_(n−k))/2 and B_k = (Z_k − conj Z_(n−k))/2i (real spectra are Hermitian), into [rows, n] complex.
    /// </summary>
    public static void UnpackRealRows(Index1D index, ArrayView<float> packed, ArrayView<float> work, int rows, int length)
    {
        int pair = index.X / length;
        int k = index.X - pair * length;
        int mirror = k == 0 ? 0 : length - k;
        long at = 2L * index.X, mirrored = 2L * ((long)pair * length + mirror);
        float re = packed[at], im = packed[at + 1], mirrorRe = packed[mirrored], mirrorIm = packed[mirrored + 1];
        long first = 2L * (2L * pair * length + k);
        work[first] = 0.5f * (re + mirrorRe);
        work[first + 1] = 0.5f * (im - mirrorIm);
        if (2 * pair + 1 >= rows) return;
        long second = first + 2L * length;
        work[second] = 0.5f * (im + mirrorIm);
        work[second + 1] = 0.5f * (mirrorRe - re);
    }

    /// <summary>
    /// One thread per (row r, bin k) with n/2 &lt; k &lt; n of the 2-D spectrum of real data whose columns k ≤ n/2 are
    /// transformed: the rest follows from Hermitian symmetry, X[r, k] = conj X[(rows − r) mod rows, n − k].
    /// </summary>
    public static void FillHermitian(Index1D index, ArrayView<float> work, int rows, int columns)
    {
        int upper = columns - columns / 2 - 1;
        int row = index.X / upper;
        int k = columns / 2 + 1 + index.X - row * upper;
        long to = 2L * ((long)row * columns + k);
        long from = 2L * ((long)((rows - row) % rows) * columns + (columns - k));
        work[to] = work[from];
        work[to + 1] = -work[from + 1];
    }

    /// <summary>Complex work → float32: the real part, or the magnitude when <paramref name="magnitude"/> ≠ 0.</summary>
    public static void Store(Index1D index, ArrayView<float> work, ArrayView<float> target, int magnitude)
    {
        float re = work[2L * index.X], im = work[2L * index.X + 1];
        // The magnitude in float64 so that large components do not overflow or lose their small partner.
        target[index] = magnitude == 0 ? re : (float)Math.Sqrt((double)re * re + (double)im * im);
    }

    /// <summary>Multiplies the lines (layout as in <see cref="FftPass"/>) by a real factor: cuFFT's inverse is unscaled.</summary>
    public static void ScaleLines(Index1D index, ArrayView<float> work, FftPass lines, float factor)
    {
        int line = index.X / lines.Length;
        int element = index.X - line * lines.Length;
        long at = 2 * ((long)line * lines.LineStride + (long)element * lines.ElementStride);
        work[at] *= factor;
        work[at + 1] *= factor;
    }

    /// <summary>Analytic-signal weights of one row spectrum: DC (and Nyquist) kept, positive bins doubled, negative ones cleared.</summary>
    public static void AnalyticWeights(Index1D index, ArrayView<float> work, int length)
    {
        int k = index.X % length;
        float weight = k == 0 || 2 * k == length ? 1f : 2 * k < length ? 2f : 0f;
        work[2L * index.X] *= weight;
        work[2L * index.X + 1] *= weight;
    }

    /// <summary>Multiplies each complex work value by the real mask value at the same index.</summary>
    public static void MultiplyByMask(Index1D index, ArrayView<float> work, ArrayView<float> mask)
    {
        float m = mask[index];
        work[2L * index.X] *= m;
        work[2L * index.X + 1] *= m;
    }

    /// <summary>
    /// Scaled copy of columns 0 .. columns/2 of a [rows, columns] spectrum (rows fftshifted, columns not: the
    /// rfft2 layout) into interleaved float32 [rows, columns/2 + 1].
    /// </summary>
    public static void StoreHalfShifted(Index1D index, ArrayView<float> work, ArrayView<float> target, int rows, int columns, double scale)
    {
        int bins = columns / 2 + 1;
        int row = index.X / bins;
        int column = index.X - row * bins;
        long from = 2L * ((long)row * columns + column);
        long to = 2L * (((row + rows / 2) % rows) * (long)bins + column);
        target[to] = (float)(work[from] * scale);
        target[to + 1] = (float)(work[from + 1] * scale);
    }

    /// <summary>Scaled, fftshifted (both axes) copy of a [rows, columns] spectrum into interleaved float32.</summary>
    public static void StoreShifted(Index1D index, ArrayView<float> work, ArrayView<float> target, int rows, int columns, double scale)
    {
        int row = index.X / columns;
        int column = index.X - row * columns;
        long to = 2L * (((row + rows / 2) % rows) * (long)columns + (column + columns / 2) % columns);
        target[to] = (float)(work[2L * index.X] * scale);
        target[to + 1] = (float)(work[2L * index.X + 1] * scale);
    }

    private static Complex32 Read(ArrayView<float> buffer, long origin, int element, FftPass pass)
    {
        long at = 2 * (origin + (long)element * pass.ElementStride);
        return new Complex32(buffer[at], buffer[at + 1]);
    }

    /// <summary>Input <paramref name="element"/> times table[<paramref name="twiddle"/>] (conjugated for the inverse).</summary>
    private static Complex32 Twiddled(ArrayView<float> buffer, ArrayView<float> twiddles, long origin, int element, int twiddle, FftPass pass)
    {
        var w = new Complex32(twiddles[2L * twiddle], pass.Direction * twiddles[2L * twiddle + 1]);
        return Read(buffer, origin, element, pass) * w;
    }

    private static void Write(ArrayView<float> buffer, long origin, int element, Complex32 value, FftPass pass)
    {
        long at = 2 * (origin + (long)element * pass.ElementStride);
        buffer[at] = pass.Scale * value.Re;
        buffer[at + 1] = pass.Scale * value.Im;
    }
}

/// <summary>
/// Lines of a Bluestein transform of length <see cref="Length"/> (any size) in the strided work buffer (as in
/// <see cref="FftPass"/>), computed as a circular convolution of 2,3,5-smooth length <see cref="Padded"/> ≥ 2n − 1
/// in a scratch buffer of [lines, Padded] complex values.
/// </summary>
internal readonly struct BluesteinLines(int length, int padded, int lineStride, int elementStride, int inverse)
{
    public readonly int Length = length;
    public readonly int Padded = padded;
    public readonly int LineStride = lineStride;
    public readonly int ElementStride = elementStride;
    public readonly int Inverse = inverse;
}

/// <summary>
/// Bluestein's chirp-z steps for FFT lengths with prime factors above 5. With the chirp w_k = exp(−πi k²/n),
/// X_k = w_k · Σ_j (x_j w_j) · conj(w_(k−j)): a convolution, done with mixed-radix FFTs. The inverse transform is
/// conj(FFT(conj(x)))/n.
/// </summary>
internal static class BluesteinKernels
{
    /// <summary>One thread per padded index j: the convolution filter conj(w_|j|), wrapped circularly, zero between.</summary>
    public static void Filter(Index1D j, ArrayView<float> chirp, ArrayView<float> filter, int length, int padded)
    {
        int k = j.X < length ? j.X : j.X > padded - length ? padded - j.X : -1;
        filter[2L * j.X] = k >= 0 ? chirp[2L * k] : 0f;
        filter[2L * j.X + 1] = k >= 0 ? -chirp[2L * k + 1] : 0f;
    }

    /// <summary>One thread per (line, padded index): scratch = x_j · w_j (x conjugated for the inverse), zero past the line.</summary>
    public static void Load(Index1D index, ArrayView<float> work, ArrayView<float> scratch, ArrayView<float> chirp, BluesteinLines lines)
    {
        int line = index.X / lines.Padded;
        int j = index.X - line * lines.Padded;
        var product = new Complex32(0f, 0f);
        if (j < lines.Length)
        {
            long at = 2 * ((long)line * lines.LineStride + (long)j * lines.ElementStride);
            var x = new Complex32(work[at], lines.Inverse != 0 ? -work[at + 1] : work[at + 1]);
            product = x * new Complex32(chirp[2L * j], chirp[2L * j + 1]);
        }
        scratch[2L * index.X] = product.Re;
        scratch[2L * index.X + 1] = product.Im;
    }

    /// <summary>One thread per scratch value: multiplies by the transformed filter (the same for every line).</summary>
    public static void MultiplyByFilter(Index1D index, ArrayView<float> scratch, ArrayView<float> filter, int padded)
    {
        long f = 2L * (index.X % padded);
        var product = new Complex32(scratch[2L * index.X], scratch[2L * index.X + 1]) * new Complex32(filter[f], filter[f + 1]);
        scratch[2L * index.X] = product.Re;
        scratch[2L * index.X + 1] = product.Im;
    }

    /// <summary>One thread per (line, k &lt; n): X_k = w_k · convolution_k back into the work buffer (conjugated and /n for the inverse).</summary>
    public static void Store(Index1D index, ArrayView<float> scratch, ArrayView<float> work, ArrayView<float> chirp, BluesteinLines lines)
    {
        int line = index.X / lines.Length;
        int k = index.X - line * lines.Length;
        long from = 2 * ((long)line * lines.Padded + k);
        Complex32 value = new Complex32(scratch[from], scratch[from + 1]) * new Complex32(chirp[2L * k], chirp[2L * k + 1]);
        if (lines.Inverse != 0) value = new Complex32(value.Re / lines.Length, -value.Im / lines.Length);
        long at = 2 * ((long)line * lines.LineStride + (long)k * lines.ElementStride);
        work[at] = value.Re;
        work[at + 1] = value.Im;
    }
}
