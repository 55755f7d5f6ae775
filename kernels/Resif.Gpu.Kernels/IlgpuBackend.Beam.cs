using ILGPU;
using ILGPU.Runtime;
using Resif.Gpu.Core.Internal;
using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels;

/// <summary>
/// Array family on the device: the slowness beam of a linear array (time domain: one thread per slowness and window;
/// frequency domain: float32 window FFTs on the device, as the CPU backend's, then a batched complex GEMM over channels with shared-memory tiles) and
/// the station beam (ObsPy array_processing: cross-spectral matrices, Capon pseudo-inverses, steered power maps).
/// </summary>
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<float>, BeamScan>? timeDomainBeam;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, BeamScan, int, int>? loadWindows;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, SteeringScan>? gatherBand;
    private Action<KernelConfig, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<float>, SteeringScan>? steeredPower;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, StationScan>? windowMeans;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<double>, StationScan>? taperedWindows;
    private Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, StationScan>? crossSpectra;
    private Action<Index1D, ArrayView<double>, ArrayView<double>, StationScan>? pseudoInverse;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, StationScan, int>? stationSteering;
    private Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, StationScan, int>? gridPower;
    private Action<Index1D, ArrayView<double>, ArrayView<double>, StationScan>? binMaxima;
    private Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<float>, ArrayView<float>, StationScan>? powerMaps;

    private long? beamBatchBytes;

    /// <summary>
    /// Device work memory one batch of beam windows may take (the frequency-domain slowness beam and the station beam
    /// process their windows in batches that fit): an eighth of the device, 16 to 512 MiB. Settable so that tests can
    /// force several batches on small inputs.
    /// </summary>
    internal long BeamBatchBytes
    {
        get => beamBatchBytes ?? Math.Clamp(accelerator.MemorySize / 8, 16L << 20, 512L << 20);
        set => beamBatchBytes = value;
    }

    /// <summary>Windows per batch: as many as fit <see cref="BeamBatchBytes"/> at <paramref name="bytesPerWindow"/>, at least one.</summary>
    private int WindowBatch(long bytesPerWindow, int windows) => (int)Math.Clamp(BeamBatchBytes / bytesPerWindow, 1, windows);

    public void SlownessBeam(float[] input, int channels, int samples, double[] offsets, double sampleInterval,
        double[] slownesses, int window, bool frequencyDomain, float[] output,
        double frequencyMin = 0, double frequencyMax = double.PositiveInfinity)
    {
        CheckShape(input.LongLength, channels, samples, nameof(input));
        if (offsets.Length < channels) throw new ArgumentException("one offset per channel needed", nameof(offsets));
        if (window < 1 || window > samples) throw new ArgumentOutOfRangeException(nameof(window));
        var scan = new BeamScan(channels, samples, window, sampleInterval);
        CheckShape(output.LongLength, slownesses.Length, scan.Windows, nameof(output));
        if (!frequencyDomain && (frequencyMin != 0 || !double.IsPositiveInfinity(frequencyMax)))
            throw new ArgumentException("a frequency band applies to the frequency-domain beam only", nameof(frequencyMin));
        if (slownesses.Length == 0 || channels == 0) return;
        var (firstBin, bins) = BeamSpectra.BandBins(window, sampleInterval, frequencyMin, frequencyMax);
        if (frequencyDomain && bins == 0) throw new ArgumentException($"no frequency bin of a {window}-sample window lies in [{frequencyMin}, {frequencyMax}] Hz");
        if (UseDevice(nameof(SlownessBeam)))
        {
            try
            {
                using DeviceTensor record = Upload(input, channels, samples);
                using DeviceTensor power = frequencyDomain
                    ? FrequencyDomainBeam(record, offsets[..channels], slownesses, scan, firstBin, bins)
                    : TimeDomainBeam(record, offsets[..channels], slownesses, scan);
                Download(power, output);
                return;
            }
            catch (Exception e) when (FallsBack(nameof(SlownessBeam), e))
            {
            }
        }
        Fallback.SlownessBeam(input, channels, samples, offsets, sampleInterval, slownesses, window, frequencyDomain, output, frequencyMin, frequencyMax);
    }

    private DeviceTensor TimeDomainBeam(DeviceTensor record, double[] offsets, double[] slownesses, BeamScan scan)
    {
        using (EnterDevice())
        {
            timeDomainBeam ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<float>, BeamScan>(BeamKernels.TimeDomainPower);
            using var offsetBuffer = accelerator.Allocate1D(offsets);
            using var slownessBuffer = accelerator.Allocate1D(slownesses);
            DeviceTensor power = Allocate(slownesses.Length, scan.Windows);
            try
            {
                timeDomainBeam(Threads((long)slownesses.Length * scan.Windows), record.View, offsetBuffer.View, slownessBuffer.View, power.View, scan);
                accelerator.Synchronize(); // the parameter buffers are released on return
                return power;
            }
            catch
            {
                power.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// Per batch of windows: window spectra by the device FFT (every window of every channel one row), their band bins
    /// gathered as float32 [bin, channel, window], then the steered power per (slowness, window) tile.
    /// </summary>
    private DeviceTensor FrequencyDomainBeam(DeviceTensor record, double[] offsets, double[] slownesses, BeamScan scan, int firstBin, int bins)
    {
        using (EnterDevice())
        {
            loadWindows ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, BeamScan, int, int>(BeamKernels.LoadWindows);
            gatherBand ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, SteeringScan>(BeamKernels.GatherBand);
            steeredPower ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<float>, SteeringScan>(BeamKernels.SteeredPower);
            int tile = SteeringTile();
            int channels = scan.Channels, windows = scan.Windows;
            double scale = 1.0 / ((double)channels * channels * scan.Window * scan.Window);
            var steering = new SteeringScan(channels, 0, windows, windows, scan.Window, slownesses.Length, firstBin, bins,
                1 / (scan.Window * scan.SampleInterval), scale, tile);
            // Per window of every channel: the complex float32 FFT row and its Stockham scratch, the float32 band, and,
            // for lengths with a prime factor above 5, TransformRows' Bluestein rows of the padded length and their scratch.
            int bluestein = FftFactors.Radices(scan.Window) is null ? FftFactors.NextSmooth(2 * scan.Window - 1) : 0;
            int batch = WindowBatch(channels * (16L * scan.Window + 16L * bluestein + 8L * bins), windows);

            using var work = accelerator.Allocate1D<float>(2L * channels * batch * scan.Window);
            using var spectra = accelerator.Allocate1D<float>(2 * steering.WithWindows(0, batch).SpectrumValues);
            using var offsetBuffer = accelerator.Allocate1D(offsets);
            using var slownessBuffer = accelerator.Allocate1D(slownesses);
            DeviceTensor power = Allocate(slownesses.Length, windows);
            try
            {
                for (int first = 0; first < windows; first += batch)
                {
                    var part = steering.WithWindows(first, Math.Min(batch, windows - first));
                    long windowed = (long)channels * part.Windows * scan.Window;
                    loadWindows(Threads(windowed), record.View, work.View, scan, first, part.Windows);
                    TransformRows(work.View, checked(channels * part.Windows), scan.Window, inverse: false);
                    gatherBand(Threads(part.SpectrumValues), work.View, spectra.View, part);
                    var groups = new Index2D((slownesses.Length + tile - 1) / tile, (part.Windows + tile - 1) / tile);
                    steeredPower(new KernelConfig(groups, new Index2D(tile, tile)), spectra.View, offsetBuffer.View, slownessBuffer.View, power.View, part);
                }
                accelerator.Synchronize(); // the work, spectra and parameter buffers are released on return
                return power;
            }
            catch
            {
                power.Dispose();
                throw;
            }
        }
    }

    /// <summary>Side of the square steering work group: the largest power of two up to MaxTile whose square the device allows.</summary>
    private int SteeringTile()
    {
        int tile = BeamKernels.MaxTile;
        while (tile > 1 && tile * tile > accelerator.MaxNumThreadsPerGroup) tile /= 2;
        return tile;
    }

    public void StationBeam(float[] input, int stations, int samples, float[] timeShifts, int gridPoints, int window, int step, int nfft,
        int firstBin, int binCount, float binWidth, bool capon, bool prewhiten, float[] relativePower, float[] absolutePower)
    {
        CheckShape(input.LongLength, stations, samples, nameof(input));
        if (window < 1 || window > samples || step < 1) throw new ArgumentException($"window {window} and step {step} do not fit {samples} samples");
        if (nfft < window || firstBin < 0 || binCount < 1 || firstBin + binCount > nfft / 2 + 1) throw new ArgumentException("frequency bins outside the spectrum");
        int windows = (samples - window) / step + 1;
        CheckShape(timeShifts.LongLength, stations, gridPoints, nameof(timeShifts));
        CheckShape(relativePower.LongLength, windows, gridPoints, nameof(relativePower));
        CheckShape(absolutePower.LongLength, windows, gridPoints, nameof(absolutePower));
        if (stations > 0 && gridPoints > 0 && UseDevice(nameof(StationBeam)))
        {
            try
            {
                var scan = new StationScan(stations, samples, window, step, nfft, firstBin, binCount, binWidth, gridPoints, 0, windows, capon, prewhiten);
                using DeviceTensor record = Upload(input, stations, samples);
                var (relative, absolute) = StationBeam(record, timeShifts, scan);
                using var relativeOwner = relative;
                using var absoluteOwner = absolute;
                Download(relative, relativePower);
                Download(absolute, absolutePower);
                return;
            }
            catch (Exception e) when (FallsBack(nameof(StationBeam), e))
            {
            }
        }
        Fallback.StationBeam(input, stations, samples, timeShifts, gridPoints, window, step, nfft, firstBin, binCount, binWidth, capon, prewhiten,
            relativePower, absolutePower);
    }

    /// <summary>
    /// The relative and absolute power maps [windows, grid points] of every window of <paramref name="scan"/>, computed
    /// in batches of windows that fit <see cref="BeamBatchBytes"/>.
    /// </summary>
    private (DeviceTensor Relative, DeviceTensor Absolute) StationBeam(DeviceTensor record, float[] timeShifts, StationScan scan)
    {
        using (EnterDevice())
        {
            DeviceTensor relative = Allocate(scan.Windows, scan.GridPoints), absolute = Allocate(scan.Windows, scan.GridPoints);
            try
            {
                StationPowerMaps(record, timeShifts, scan, relative, absolute);
                return (relative, absolute);
            }
            catch
            {
                relative.Dispose();
                absolute.Dispose();
                throw;
            }
        }
    }

    /// <summary>The station-beam kernel sequence, batch by batch. Caller is inside EnterDevice.</summary>
    private void StationPowerMaps(DeviceTensor record, float[] timeShifts, StationScan scan, DeviceTensor relative, DeviceTensor absolute)
    {
        LoadStationKernels();
        int s = scan.Stations;
        using var taper = accelerator.Allocate1D(SpectralStationBeam.CosineTaper(scan.Window, 0.22));
        using var shifts = accelerator.Allocate1D(timeShifts.AsSpan(0, s * scan.GridPoints).ToArray());
        // One bin's steering [grid point, station] at a time, rebuilt per batch: a table of every bin would take
        // bins × grid points × stations complex values (gigabytes for fine grids), its rebuild costs 1/windows of the
        // quadratic forms.
        using var steering = accelerator.Allocate1D<double>(2L * scan.GridPoints * s);

        long perWindow = 8L * (2L * s * scan.Nfft + 2L * scan.Bins * s * s + (scan.Capon == 1 ? scan.Bins * scan.InverseScratch : 0)
            + (long)scan.Bins * scan.GridPoints + scan.Bins + s);
        int batch = WindowBatch(perWindow, scan.Windows);
        using var work = accelerator.Allocate1D<double>(2L * batch * s * scan.Nfft);
        using var means = accelerator.Allocate1D<double>((long)batch * s);
        using var cross = accelerator.Allocate1D<double>(2L * batch * scan.Bins * s * s);
        using var diagonal = accelerator.Allocate1D<double>((long)batch * s);
        using var inverseScratch = accelerator.Allocate1D<double>(scan.Capon == 1 ? batch * scan.Bins * scan.InverseScratch : 1);
        using var power = accelerator.Allocate1D<double>((long)batch * scan.Bins * scan.GridPoints);
        using var maxima = accelerator.Allocate1D<double>((long)batch * scan.Bins);
        for (int first = 0; first < scan.Windows; first += batch)
        {
            var part = scan.WithWindows(first, Math.Min(batch, scan.Windows - first));
            int w = part.Windows;
            windowMeans!(Threads((long)w * s), record.View, means.View, part);
            taperedWindows!(Threads((long)w * s * scan.Nfft), record.View, means.View, taper.View, work.View, part);
            TransformRows(work, w * s, scan.Nfft, inverse: false);
            crossSpectra!(Threads((long)w * s * s), work.View, cross.View, diagonal.View, part);
            if (scan.Capon == 1) pseudoInverse!(Threads((long)w * scan.Bins), cross.View, inverseScratch.View, part);
            for (int bin = 0; bin < scan.Bins; bin++)
            {
                stationSteering!(Threads((long)scan.GridPoints * s), shifts.View, steering.View, part, bin);
                gridPower!(Threads((long)w * scan.GridPoints), cross.View, steering.View, power.View, part, bin);
            }
            if (scan.Prewhiten == 1) binMaxima!(Threads((long)w * scan.Bins), power.View, maxima.View, part);
            powerMaps!(Threads((long)w * scan.GridPoints), power.View, maxima.View, diagonal.View, relative.View, absolute.View, part);
        }
        accelerator.Synchronize(); // the batch buffers are released on return
    }

    private void LoadStationKernels()
    {
        windowMeans ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, StationScan>(BeamStationKernels.WindowMeans);
        taperedWindows ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<double>, StationScan>(BeamStationKernels.TaperedWindows);
        crossSpectra ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, StationScan>(BeamStationKernels.CrossSpectra);
        pseudoInverse ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, StationScan>(BeamStationKernels.PseudoInverse);
        stationSteering ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, StationScan, int>(BeamStationKernels.Steering);
        gridPower ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, StationScan, int>(BeamStationKernels.GridPower);
        binMaxima ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, StationScan>(BeamStationKernels.BinMaxima);
        powerMaps ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<float>, ArrayView<float>, StationScan>(BeamStationKernels.PowerMaps);
    }
}
