namespace Resif.Gpu.Core.Operations.Spectral.Internal;

/// <summary>What the spectral operations need from a [channel, time] layout, with errors that name the field.</summary>
internal static class SpectralLayouts
{
    /// <summary>The sampling interval (s) of the last, time-like dimension of real 2-D data.</summary>
    public static double TimeStep(TensorLayout layout, string operation)
    {
        if (layout.Dims.Count != 2) throw new InvalidRequestException("array", $"{operation} needs [channel, time] data, got dims ({string.Join(", ", layout.Dims)})");
        if (layout.Type != ElementType.Float32) throw new InvalidRequestException("array", $"{operation} needs real data, not a complex spectrum");
        var time = layout.Coords[1];
        if (!time.IsRegular || !(time.Step > 0))
            throw new InvalidRequestException("array", $"{operation} needs a regular time axis, '{time.Dim}' has none");
        return time.Step;
    }

    /// <summary>Metres per unit of the channel coordinate, or an error when it is not a distance.</summary>
    public static double MetresPerUnit(Coordinate distance, string operation) => distance.Units.Trim().ToLowerInvariant() switch
    {
        "m" or "meter" or "meters" or "metre" or "metres" => 1,
        "km" => 1000,
        _ => throw new InvalidRequestException("array", $"{operation} needs a distance along the fibre, but '{distance.Dim}' is in '{distance.Units}'"),
    };

    /// <summary>The channel spacing in metres; refused unless the channel coordinate is a regular distance.</summary>
    public static double DistanceStep(TensorLayout layout, string operation)
    {
        TimeStep(layout, operation);
        var distance = layout.Coords[0];
        double metres = MetresPerUnit(distance, operation);
        if (!distance.IsRegular || distance.Step == 0)
            throw new InvalidRequestException("array", $"{operation} needs a regular distance coordinate, '{distance.Dim}' is irregular");
        return Math.Abs(distance.Step) * metres;
    }

    /// <summary>A duration in seconds as a whole number of samples (tolerant to decimal rounding, like 0.29 s at 100 Hz).</summary>
    public static long Samples(double seconds, double step) => (long)Math.Floor(seconds / step + 1e-9);

    /// <summary>The time coordinate of consecutive windows of <paramref name="window"/> samples, labelled at their centres.</summary>
    public static Coordinate WindowCentres(Coordinate time, long window, long count, string dim) =>
        time with { Dim = dim, Length = count, Start = time.Start + (window - 1) / 2.0 * time.Step, Step = window * time.Step };

    /// <summary>
    /// <c>scipy.fft.next_fast_len(n)</c> (complex transforms): the smallest 11-smooth length ≥ n, which DASCore's
    /// <c>Patch.dft</c> zero-pads each transformed axis to by default.
    /// </summary>
    public static long FastLength(long n)
    {
        for (long candidate = Math.Max(1, n); ; candidate++)
        {
            long rest = candidate;
            foreach (long prime in (ReadOnlySpan<long>)[2, 3, 5, 7, 11])
            {
                while (rest % prime == 0) rest /= prime;
            }
            if (rest == 1) return candidate;
        }
    }

    /// <summary>
    /// A rows × columns array copied into the top-left corner of a zero-filled paddedRows × paddedColumns array
    /// (the same array when nothing is added).
    /// </summary>
    public static float[] ZeroPad(float[] data, int rows, int columns, int paddedRows, int paddedColumns)
    {
        if (rows == paddedRows && columns == paddedColumns) return data;
        var padded = new float[(long)paddedRows * paddedColumns];
        for (int r = 0; r < rows; r++) data.AsSpan(r * columns, columns).CopyTo(padded.AsSpan(r * paddedColumns));
        return padded;
    }

    /// <summary>NumPy's <c>fftshift(fftfreq(n, d))</c> as a regular coordinate.</summary>
    public static Coordinate ShiftedFrequencies(string dim, string units, long n, double d) =>
        new(dim, units, n, -(n / 2) / (n * d), 1 / (n * d));

    /// <summary>NumPy's <c>rfftfreq(n, d)</c>: the n/2 + 1 non-negative frequencies of a real transform.</summary>
    public static Coordinate RealFrequencies(string dim, string units, long n, double d) => new(dim, units, n / 2 + 1, 0, 1 / (n * d));

    /// <summary>NumPy's <c>fftfreq(n, d)</c> in natural (unshifted) order.</summary>
    public static double[] Frequencies(int n, double d)
    {
        var f = new double[n];
        for (int k = 0; k < n; k++) f[k] = (k <= (n - 1) / 2 ? k : k - n) / (n * d);
        return f;
    }
}
