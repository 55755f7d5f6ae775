using ILGPU;

namespace Resif.Gpu.Kernels.Internal;

/// <summary>
/// One batch of an ObsPy <c>array_processing</c> scan: <see cref="Windows"/> windows from window index
/// <see cref="FirstWindow"/>, each of <see cref="Window"/> samples every <see cref="Step"/>, transformed with
/// <see cref="Nfft"/> points; band bins FirstBin .. FirstBin + Bins − 1 of width <see cref="BinWidth"/> Hz.
/// Buffers: cross-spectral matrices [window, bin, station, station] and power [window, bin, grid point].
/// </summary>
internal readonly struct StationScan(int stations, int samples, int window, int step, int nfft, int firstBin, int bins, double binWidth,
    int gridPoints, int firstWindow, int windows, bool capon, bool prewhiten)
{
    public readonly int Stations = stations;
    public readonly int Samples = samples;
    public readonly int Window = window;
    public readonly int Step = step;
    public readonly int Nfft = nfft;
    public readonly int FirstBin = firstBin;
    public readonly int Bins = bins;
    public readonly double BinWidth = binWidth;
    public readonly int GridPoints = gridPoints;
    public readonly int FirstWindow = firstWindow;
    public readonly int Windows = windows;
    public readonly int Capon = capon ? 1 : 0;
    public readonly int Prewhiten = prewhiten ? 1 : 0;

    public StationScan WithWindows(int first, int count) =>
        new(Stations, Samples, Window, Step, Nfft, FirstBin, Bins, BinWidth, GridPoints, first, count, Capon == 1, Prewhiten == 1);

    /// <summary>Float64 values of one pseudo-inverse's workspace: the 2n × 2n real form and its eigenvectors.</summary>
    public long InverseScratch => 8L * Stations * Stations;

    /// <summary>First sample of window <paramref name="w"/> of the batch.</summary>
    public long Start(int w) => (long)(FirstWindow + w) * Step;
}

/// <summary>
/// ILGPU kernels of the station beam (ObsPy <c>array_processing</c>, the CPU reference is SpectralStationBeam): tapered
/// window spectra, cross-spectral matrices per band bin, Capon pseudo-inverses, and the steered power maps. Float64 throughout.
/// </summary>
internal static class BeamStationKernels
{
    /// <summary>One thread per (window, station): the window's mean, removed before the taper.</summary>
    public static void WindowMeans(Index1D index, ArrayView<float> input, ArrayView<double> means, StationScan scan)
    {
        int w = index.X / scan.Stations, station = index.X - w * scan.Stations;
        long start = (long)station * scan.Samples + scan.Start(w);
        double sum = 0.0;
        for (int k = 0; k < scan.Window; k++) sum += input[start + k];
        means[index] = sum / scan.Window;
    }

    /// <summary>
    /// One thread per (window, station, FFT point): row w·stations + station of the complex work buffer holds the
    /// demeaned, tapered window, zero-padded to Nfft points.
    /// </summary>
    public static void TaperedWindows(Index1D index, ArrayView<float> input, ArrayView<double> means, ArrayView<double> taper,
        ArrayView<double> work, StationScan scan)
    {
        int row = index.X / scan.Nfft, k = index.X - row * scan.Nfft;
        int w = row / scan.Stations, station = row - w * scan.Stations;
        double value = k < scan.Window ? (input[(long)station * scan.Samples + scan.Start(w) + k] - means[row]) * taper[k] : 0.0;
        work[2L * index.X] = value;
        work[2L * index.X + 1] = 0.0;
    }

    /// <summary>
    /// One thread per (window, i, j): R_ij(f) = X_i(f) conj X_j(f) over the band, divided by |Σ_f R_ij| for Capon.
    /// Threads (i, j) and (j, i) form exact conjugates, so R is Hermitian. Diagonal threads also store |Σ_f R_ii|.
    /// </summary>
    public static void CrossSpectra(Index1D index, ArrayView<double> work, ArrayView<double> cross, ArrayView<double> diagonal, StationScan scan)
    {
        int s = scan.Stations;
        int w = index.X / (s * s), pair = index.X - w * s * s;
        int i = pair / s, j = pair - i * s;
        long rowI = 2L * ((long)(w * s + i) * scan.Nfft + scan.FirstBin), rowJ = 2L * ((long)(w * s + j) * scan.Nfft + scan.FirstBin);
        double totalRe = 0.0, totalIm = 0.0;
        for (int n = 0; n < scan.Bins; n++)
        {
            double ar = work[rowI + 2 * n], ai = work[rowI + 2 * n + 1], br = work[rowJ + 2 * n], bi = work[rowJ + 2 * n + 1];
            double re = ar * br + ai * bi, im = ai * br - ar * bi;
            long at = 2L * ((((long)w * scan.Bins + n) * s + i) * s + j);
            cross[at] = re;
            cross[at + 1] = im;
            totalRe += re;
            totalIm += im;
        }
        double magnitude = Math.Sqrt(totalRe * totalRe + totalIm * totalIm);
        if (i == j) diagonal[(long)w * s + i] = magnitude;
        if (scan.Capon == 0) return;
        for (int n = 0; n < scan.Bins; n++)
        {
            long at = 2L * ((((long)w * scan.Bins + n) * s + i) * s + j);
            cross[at] /= magnitude;
            cross[at + 1] /= magnitude;
        }
    }

    /// <summary>
    /// One thread per (window, bin): replaces that n × n Hermitian matrix by its Moore–Penrose pseudo-inverse (rcond
    /// 1e-6, numpy.linalg.pinv's rule) through the real symmetric 2n × 2n form [[A, −B], [B, A]] of A + iB and a cyclic
    /// Jacobi eigen-decomposition, the method of the CPU reference; the pseudo-inverse of that form is [[P, −Q], [Q, P]].
    /// </summary>
    public static void PseudoInverse(Index1D matrix, ArrayView<double> cross, ArrayView<double> scratch, StationScan scan)
    {
        int n = scan.Stations, m = 2 * n;
        long block = 2L * matrix.X * n * n, a = matrix.X * scan.InverseScratch, v = a + (long)m * m;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double re = cross[block + 2 * (i * n + j)], im = cross[block + 2 * (i * n + j) + 1];
                scratch[a + i * m + j] = re;
                scratch[a + (i + n) * m + j + n] = re;
                scratch[a + (i + n) * m + j] = im;
                scratch[a + i * m + j + n] = -im;
            }
        }
        for (int i = 0; i < m * m; i++) scratch[v + i] = i % (m + 1) == 0 ? 1.0 : 0.0;
        JacobiEigen(scratch, a, v, m);

        double largest = 0.0;
        for (int k = 0; k < m; k++) largest = Math.Max(largest, Math.Abs(scratch[a + k * m + k]));
        double cutoff = 1e-6 * largest;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double p = 0.0, q = 0.0;
                for (int k = 0; k < m; k++)
                {
                    double lambda = scratch[a + k * m + k];
                    if (Math.Abs(lambda) <= cutoff) continue;
                    double vjk = scratch[v + j * m + k] / lambda;
                    p += scratch[v + i * m + k] * vjk;
                    q += scratch[v + (i + n) * m + k] * vjk;
                }
                cross[block + 2 * (i * n + j)] = p;
                cross[block + 2 * (i * n + j) + 1] = q;
            }
        }
    }

    /// <summary>Diagonalises the symmetric m × m matrix at <paramref name="a"/>; eigenvectors accumulate in the columns of the one at <paramref name="v"/>.</summary>
    private static void JacobiEigen(ArrayView<double> x, long a, long v, int m)
    {
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0.0, diagonal = 0.0;
            for (int i = 0; i < m; i++)
            {
                diagonal += x[a + i * m + i] * x[a + i * m + i];
                for (int j = i + 1; j < m; j++) off += x[a + i * m + j] * x[a + i * m + j];
            }
            if (off <= 1e-32 * diagonal || off == 0.0) return;
            for (int p = 0; p < m - 1; p++)
            {
                for (int q = p + 1; q < m; q++)
                {
                    double apq = x[a + p * m + q];
                    if (apq == 0.0) continue;
                    double theta = (x[a + q * m + q] - x[a + p * m + p]) / (2.0 * apq);
                    double t = (theta < 0.0 ? -1.0 : 1.0) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1.0));
                    double c = 1.0 / Math.Sqrt(t * t + 1.0), s = t * c;
                    RotateColumns(x, a, m, p, q, c, s);
                    RotateRows(x, a, m, p, q, c, s);
                    RotateColumns(x, v, m, p, q, c, s);
                }
            }
        }
    }

    // X ← X·J and X ← Jᵀ·X for the plane rotation J[p,p] = J[q,q] = c, J[p,q] = s, J[q,p] = −s.
    private static void RotateColumns(ArrayView<double> x, long at, int m, int p, int q, double c, double s)
    {
        for (int k = 0; k < m; k++) Rotate(x, at + k * m + p, at + k * m + q, c, s);
    }

    private static void RotateRows(ArrayView<double> x, long at, int m, int p, int q, double c, double s)
    {
        for (int k = 0; k < m; k++) Rotate(x, at + p * m + k, at + q * m + k, c, s);
    }

    private static void Rotate(ArrayView<double> x, long kp, long kq, double c, double s)
    {
        double xp = x[kp], xq = x[kq];
        x[kp] = c * xp - s * xq;
        x[kq] = s * xp + c * xq;
    }

    /// <summary>
    /// One thread per (grid point, station): steering e_i = exp(−2πi f τ_i) of one band bin, f = (FirstBin + bin)·BinWidth,
    /// the phase formed in float64 from the float32 time shifts like ObsPy.
    /// </summary>
    public static void Steering(Index1D index, ArrayView<float> timeShifts, ArrayView<double> steering, StationScan scan, int bin)
    {
        int s = scan.Stations;
        int point = index.X / s, station = index.X - point * s;
        var phasor = BeamPhasors.OfCycles((scan.FirstBin + bin) * scan.BinWidth * timeShifts[(long)station * scan.GridPoints + point]);
        steering[2L * index.X] = phasor.Re;
        steering[2L * index.X + 1] = -phasor.Im;
    }

    /// <summary>One thread per (window, grid point) of one band bin: Bartlett |e^H R e|, or Capon 1 / |e^H R⁺ e|.</summary>
    public static void GridPower(Index1D index, ArrayView<double> cross, ArrayView<double> steering, ArrayView<double> power, StationScan scan, int bin)
    {
        int s = scan.Stations, g = scan.GridPoints;
        int w = index.X / g, point = index.X - w * g;
        long matrix = (long)w * scan.Bins + bin;
        long e = 2L * point * s, r = 2L * matrix * s * s;
        double sumRe = 0.0, sumIm = 0.0;
        for (int i = 0; i < s; i++)
        {
            double rowRe = 0.0, rowIm = 0.0;
            for (int j = 0; j < s; j++)
            {
                double rr = cross[r + 2 * (i * s + j)], ri = cross[r + 2 * (i * s + j) + 1];
                double er = steering[e + 2 * j], ei = steering[e + 2 * j + 1];
                rowRe += rr * er - ri * ei;
                rowIm += ri * er + rr * ei;
            }
            double cr = steering[e + 2 * i], ci = -steering[e + 2 * i + 1];
            sumRe += cr * rowRe - ci * rowIm;
            sumIm += cr * rowIm + ci * rowRe;
        }
        double p = Math.Sqrt(sumRe * sumRe + sumIm * sumIm);
        power[matrix * g + point] = scan.Capon == 1 ? 1.0 / p : p;
    }

    /// <summary>One thread per (window, bin): the largest power over the grid, for prewhitening.</summary>
    public static void BinMaxima(Index1D matrix, ArrayView<double> power, ArrayView<double> maxima, StationScan scan)
    {
        long start = (long)matrix.X * scan.GridPoints;
        double largest = 0.0;
        for (int point = 0; point < scan.GridPoints; point++) largest = Math.Max(largest, power[start + point]);
        maxima[matrix] = largest;
    }

    /// <summary>
    /// One thread per (window, grid point): absolute power Σ_f p and relative power, Σ_f p / (max_f · bins · stations)
    /// when prewhitening, else absolute / dpow (dpow = stations · Σ_i |Σ_f R_ii| for Bartlett, 1 for Capon).
    /// </summary>
    public static void PowerMaps(Index1D index, ArrayView<double> power, ArrayView<double> maxima, ArrayView<double> diagonal,
        ArrayView<float> relative, ArrayView<float> absolute, StationScan scan)
    {
        int g = scan.GridPoints;
        int w = index.X / g, point = index.X - w * g;
        double total = 0.0, whitened = 0.0;
        for (int bin = 0; bin < scan.Bins; bin++)
        {
            double p = power[((long)w * scan.Bins + bin) * g + point];
            total += p;
            if (scan.Prewhiten == 1) whitened += p / (maxima[(long)w * scan.Bins + bin] * scan.Bins * scan.Stations);
        }
        double dpow = 1.0;
        if (scan.Capon == 0)
        {
            dpow = 0.0;
            for (int i = 0; i < scan.Stations; i++) dpow += diagonal[(long)w * scan.Stations + i];
            dpow *= scan.Stations;
        }
        long at = (long)(scan.FirstWindow + w) * g + point;
        relative[at] = (float)(scan.Prewhiten == 1 ? whitened : total / dpow);
        absolute[at] = (float)total;
    }
}
