using ILGPU;

namespace Resif.Gpu.Kernels.Internal;

/// <summary>Geometry of a slowness scan: record [Channels, Samples], power per window of <see cref="Window"/> samples.</summary>
internal readonly struct BeamScan(int channels, int samples, int window, double sampleInterval)
{
    public readonly int Channels = channels;
    public readonly int Samples = samples;
    public readonly int Window = window;
    public readonly double SampleInterval = sampleInterval;

    public int Windows => Samples / Window;
}

/// <summary>
/// Geometry of one batch of a frequency-domain slowness scan: <see cref="Windows"/> windows from window
/// <see cref="FirstWindow"/>, band spectra [Bins, Channels, Windows] (real plane, then imaginary plane), power
/// [Slownesses, TotalWindows], computed by square work groups of <see cref="Tile"/> × Tile threads.
/// </summary>
internal readonly struct SteeringScan(int channels, int firstWindow, int windows, int totalWindows, int window, int slownesses, int firstBin, int bins,
    double binWidth, double scale, int tile)
{
    public readonly int Channels = channels;
    public readonly int FirstWindow = firstWindow;
    public readonly int Windows = windows;
    public readonly int TotalWindows = totalWindows;
    public readonly int Window = window;
    public readonly int Slownesses = slownesses;
    public readonly int FirstBin = firstBin;
    public readonly int Bins = bins;
    public readonly double BinWidth = binWidth;
    public readonly double Scale = scale;
    public readonly int Tile = tile;

    public long SpectrumValues => (long)Bins * Channels * Windows;

    public SteeringScan WithWindows(int first, int count) =>
        new(Channels, first, count, TotalWindows, Window, Slownesses, FirstBin, Bins, BinWidth, Scale, Tile);
}

/// <summary>ILGPU kernels of the array family: delay-and-sum beamforming of a linear array, in the time and the frequency domain.</summary>
internal static class BeamKernels
{
    /// <summary>Largest side of a steering work group; its shared memory holds four Tile × Tile float planes.</summary>
    public const int MaxTile = 16;

    /// <summary>
    /// One thread per sample of <paramref name="windows"/> windows from <paramref name="firstWindow"/>: row
    /// c·windows + w of the complex float32 work buffer is window firstWindow + w of channel c (imaginary part 0), ready
    /// for a batched FFT of the window length.
    /// </summary>
    public static void LoadWindows(Index1D index, ArrayView<float> input, ArrayView<float> work, BeamScan scan, int firstWindow, int windows)
    {
        long span = (long)windows * scan.Window;
        long channel = index.X / span;
        long source = channel * scan.Samples + (long)firstWindow * scan.Window + (index.X - channel * span);
        work[2L * index.X] = input[source];
        work[2L * index.X + 1] = 0f;
    }

    /// <summary>One thread per (band bin, channel, window): copies the bin out of the window spectra into float32 planes.</summary>
    public static void GatherBand(Index1D index, ArrayView<float> work, ArrayView<float> spectra, SteeringScan scan)
    {
        int windows = scan.Windows, channels = scan.Channels;
        int bin = index.X / (channels * windows);
        int row = index.X - bin * channels * windows; // c · windows + w, the FFT row of that window
        long at = 2L * ((long)row * scan.Window + scan.FirstBin + bin);
        spectra[index] = work[at];
        spectra[scan.SpectrumValues + index.X] = work[at + 1];
    }

    /// <summary>
    /// Batched complex GEMM with a |·|² epilogue. Group (i, j) owns slownesses i·T.. and windows j·T.. (T = Tile); per
    /// band bin k each thread forms B[s, w] = Σ_c exp(2πi k Δf s x_c) X_k[c, w] over channel tiles staged in shared
    /// memory (steering computed once per tile from the float64 phase reduced in cycles, then rounded to float32;
    /// spectra loaded along windows), and accumulates weight_k |B|² in float64, written times Scale.
    /// </summary>
    public static void SteeredPower(ArrayView<float> spectra, ArrayView<double> offsets, ArrayView<double> slownesses, ArrayView<float> power,
        SteeringScan scan)
    {
        ArrayView<float> shared = SharedMemory.Allocate<float>(4 * MaxTile * MaxTile);
        int tile = scan.Tile, area = tile * tile;
        int tx = Group.IdxX, ty = Group.IdxY;
        int slowness = Grid.IdxX * tile + tx, window = Grid.IdxY * tile + ty;
        int loadWindow = Grid.IdxY * tile + tx;
        double s = slowness < scan.Slownesses ? slownesses[slowness] : 0.0;
        long binStride = (long)scan.Channels * scan.Windows;
        double total = 0.0;
        for (int b = 0; b < scan.Bins; b++)
        {
            int k = scan.FirstBin + b;
            double cyclesPerMetre = k * scan.BinWidth * s;
            float re = 0f, im = 0f;
            for (int first = 0; first < scan.Channels; first += tile)
            {
                int channel = first + ty;
                var steer = channel < scan.Channels ? BeamPhasors.OfCycles(cyclesPerMetre * offsets[channel]) : new Phasor(0.0, 0.0);
                // [channel, slowness] so that the reads below run along the slownesses of a warp (no bank conflicts).
                shared[ty * tile + tx] = (float)steer.Re;
                shared[area + ty * tile + tx] = (float)steer.Im;
                bool inside = channel < scan.Channels && loadWindow < scan.Windows;
                long at = b * binStride + (long)channel * scan.Windows + loadWindow;
                shared[2 * area + ty * tile + tx] = inside ? spectra[at] : 0f;
                shared[3 * area + ty * tile + tx] = inside ? spectra[scan.SpectrumValues + at] : 0f;
                Group.Barrier();
                for (int c = 0; c < tile; c++)
                {
                    float ar = shared[c * tile + tx], ai = shared[area + c * tile + tx];
                    float xr = shared[2 * area + c * tile + ty], xi = shared[3 * area + c * tile + ty];
                    re += ar * xr - ai * xi;
                    im += ar * xi + ai * xr;
                }
                Group.Barrier();
            }
            double weight = k == 0 || 2 * k == scan.Window ? 1.0 : 2.0; // a real window's bin −k mirrors bin k
            total += weight * ((double)re * re + (double)im * im);
        }
        if (slowness < scan.Slownesses && window < scan.Windows) power[(long)slowness * scan.TotalWindows + scan.FirstWindow + window] = (float)(total * scan.Scale);
    }

    /// <summary>
    /// One thread per (slowness, window): mean power of the beam b(n) = mean_c x_c(n + s·offset_c/dt), each channel
    /// linearly interpolated between samples and zero outside the record.
    /// </summary>
    public static void TimeDomainPower(Index1D index, ArrayView<float> input, ArrayView<double> offsets, ArrayView<double> slownesses,
        ArrayView<float> power, BeamScan scan)
    {
        int windows = scan.Windows;
        int scanIndex = index.X / windows;
        int window = index.X - scanIndex * windows;
        double slowness = slownesses[scanIndex];
        double sum = 0.0;
        for (int n = window * scan.Window; n < (window + 1) * scan.Window; n++)
        {
            double beam = 0.0;
            for (int c = 0; c < scan.Channels; c++)
            {
                double shift = slowness * offsets[c] / scan.SampleInterval;
                double whole = Math.Floor(shift);
                double fraction = shift - whole;
                long left = n + (long)whole;
                long rowStart = (long)c * scan.Samples;
                double before = left >= 0 && left < scan.Samples ? input[rowStart + left] : 0.0;
                double after = left + 1 >= 0 && left + 1 < scan.Samples ? input[rowStart + left + 1] : 0.0;
                beam += before + fraction * (after - before);
            }
            beam /= scan.Channels;
            sum += beam * beam;
        }
        power[index] = (float)(sum / scan.Window);
    }
}
