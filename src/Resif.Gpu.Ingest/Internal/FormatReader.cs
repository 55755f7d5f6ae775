using Resif.Gpu.Core;

namespace Resif.Gpu.Ingest.Internal;

/// <summary>
/// What every reader shares: argument checks for time blocks, and turning a parser's unexpected exception on a
/// damaged file into an <see cref="InvalidDataException"/> that names the file and the format.
/// </summary>
internal abstract class FormatReader : IDasFormatReader
{
    public abstract string Format { get; }

    public abstract bool CanRead(string path, ReadOnlySpan<byte> head);

    public DasFileInfo Scan(string path) => Guard(path, () => ScanFile(path));

    public DasRecording Read(string path) => Guard(path, () =>
    {
        var info = ScanFile(path);
        return new DasRecording(info, 0, info.Samples, ReadSamples(path, info, 0, info.Samples));
    });

    public DasRecording ReadTimeBlock(string path, long start, long count) => Guard(path, () =>
    {
        var info = ScanFile(path);
        CheckBlock(info, start, count);
        return new DasRecording(info, start, count, ReadSamples(path, info, start, count));
    });

    public void ReadTimeBlockInto(DasFileInfo info, long start, long count, float[] destination, long stride, long offset)
    {
        CheckBlock(info, start, count);
        // The caller's mistake, not the file's: outside Guard, which blames the file.
        if (count > stride || offset < 0 || offset > stride - count || (info.Channels - 1) * stride + offset + count > destination.LongLength)
            throw new ArgumentException($"{info.Channels} rows of {count} samples at offset {offset}, stride {stride} do not fit {destination.LongLength} values");
        Guard(info.Path, () =>
        {
            ReadSamplesInto(info.Path, info, start, count, destination, stride, offset);
            return true;
        });
    }

    private static void CheckBlock(DasFileInfo info, long start, long count)
    {
        if (start < 0 || start > info.Samples) throw new InvalidRequestException("start", $"must be within [0, {info.Samples}], got {start}");
        if (count < 0 || count > info.Samples - start) throw new InvalidRequestException("count", $"must be within [0, {info.Samples - start}] from start {start}, got {count}");
    }

    protected abstract DasFileInfo ScanFile(string path);

    /// <summary>Samples [start, start+count) of every channel as float32 [channel, time].</summary>
    protected abstract float[] ReadSamples(string path, DasFileInfo info, long start, long count);

    /// <summary>As <see cref="ReadSamples(string, DasFileInfo, long, long)"/>, into rows of a larger block (arguments checked); by default through a copy.</summary>
    protected virtual void ReadSamplesInto(string path, DasFileInfo info, long start, long count, float[] destination, long stride, long offset) =>
        SampleConversion.CopyRows<float>(ReadSamples(path, info, start, count), info.Channels, count, destination, stride, offset);

    protected DasFileInfo Info(string path, Coordinate distance, Coordinate time, string rawDtype, string units, IReadOnlyDictionary<string, string> metadata) =>
        new(Format, path, distance, time, rawDtype, units, metadata);

    /// <summary>A regular time axis of <paramref name="samples"/> samples every <paramref name="step"/> seconds from <paramref name="origin"/>.</summary>
    protected static Coordinate TimeAxis(long samples, double step, DateTimeOffset origin)
    {
        if (!(step > 0) || !double.IsFinite(step)) throw new InvalidDataException($"time step {step} s is not a positive number");
        return new Coordinate("time", "s", samples, 0, step) { Origin = origin };
    }

    protected static Coordinate DistanceAxis(long channels, double start, double step) =>
        double.IsFinite(start) && double.IsFinite(step) ? new Coordinate("distance", "m", channels, start, step)
            : throw new InvalidDataException($"distance start {start} / step {step} are not finite");

    private T Guard<T>(string path, Func<T> action)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        try
        {
            return action();
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: {Format}: {e.Message}", e);
        }
        catch (Exception e) when (e is not (InvalidDataException or InvalidRequestException or OutOfMemoryException or FileNotFoundException))
        {
            // Parsers of damaged files fail with whatever they meet (index, cast, end of stream, library errors).
            throw new InvalidDataException($"{path}: unreadable {Format} file ({e.GetType().Name}: {e.Message})", e);
        }
    }
}
