using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Resif.Gpu.Core;
using Resif.Gpu.Ingest;

namespace Resif.Gpu.Cli.Internal;

/// <summary>One vendor file placed on the joined time axis: its samples cover [Start, End) of that axis.</summary>
internal sealed record AcquisitionFile(IDasFormatReader Reader, DasFileInfo Info, long Start)
{
    public long End => Start + Info.Samples;

    public string Name => Path.GetFileName(Info.Path);
}

/// <summary>Samples [Start, Start + Count) of the joined axis that no file covers; written as NaN.</summary>
internal sealed record AcquisitionGap(long Start, long Count, string After, string Before);

/// <summary>Two files (or stored data and a file) that both cover <see cref="Count"/> samples.</summary>
internal sealed record AcquisitionOverlap(long Start, long Count, string Earlier, string Later);

/// <summary>
/// How the files of one acquisition join along time. Every file is scanned (headers only) and must match the first in
/// channel count, channel spacing and sampling interval; files are ordered by start time and placed on one sample
/// grid. Rules: a stretch no file covers is a gap, filled with NaN and recorded; where files overlap the later file
/// (later start; command-line order on a tie) wins. When appending, samples before the array's current end are
/// already stored and are kept: the overlapping part of a new file is skipped.
/// </summary>
internal sealed class AcquisitionPlan
{
    /// <summary>Relative difference of sampling interval or channel spacing above which files do not join.</summary>
    private const double SameStepTolerance = 1e-6;

    private AcquisitionPlan(IReadOnlyList<AcquisitionFile> files, DateTimeOffset origin, long first, IReadOnlyList<AcquisitionGap> gaps,
        IReadOnlyList<AcquisitionOverlap> overlaps)
    {
        Files = files;
        Origin = origin;
        First = first;
        Gaps = gaps;
        Overlaps = overlaps;
        End = files.Max(f => f.End);
    }

    /// <summary>In time order.</summary>
    public IReadOnlyList<AcquisitionFile> Files { get; }

    public DasFileInfo Reference => Files[0].Info;

    /// <summary>Time of sample 0 of the joined axis.</summary>
    public DateTimeOffset Origin { get; }

    /// <summary>First sample to write: 0 for a new array, the current end when appending.</summary>
    public long First { get; }

    /// <summary>One past the last sample any file covers.</summary>
    public long End { get; }

    public IReadOnlyList<AcquisitionGap> Gaps { get; }

    public IReadOnlyList<AcquisitionOverlap> Overlaps { get; }

    public double TimeStep => Reference.TimeStep;

    /// <summary>Scans <paramref name="paths"/>; with <paramref name="existing"/> the files continue that array.</summary>
    public static AcquisitionPlan Build(IReadOnlyList<string> paths, string? format, ArrayInfo? existing)
    {
        var scanned = ScanAll(paths, format).OrderBy(f => f.Info.TimeOrigin).ThenBy(f => f.Order).ToList();

        var reference = scanned[0].Info;
        var (channels, timeStep, channelStep) = existing is null
            ? (reference.Channels, reference.TimeStep, ChannelStep(reference))
            : (existing.Layout.Shape[0], existing.Layout.Coords[1].Step, existing.Layout.Coords[0].Step);
        string against = existing is null ? Path.GetFileName(reference.Path) : $"array '{existing.Name}'";
        foreach (var (_, info, _) in scanned)
        {
            string name = Path.GetFileName(info.Path);
            if (info.Channels != channels)
                throw new InvalidRequestException("files", $"{name}: {info.Channels} channels, but {against} has {channels}");
            if (!SameStep(info.TimeStep, timeStep))
                throw new InvalidRequestException("files", string.Create(CultureInfo.InvariantCulture,
                    $"{name}: sampling interval {info.TimeStep:G9} s, but {against} has {timeStep:G9} s"));
            // Named channels (miniSEED stations) must be the same stations in the same order, or rows would mix.
            if (reference.Distance.Labels is { } labels && info.Distance.Labels is { } these && !labels.SequenceEqual(these))
                throw new InvalidRequestException("files", $"{name}: its traces ({string.Join(", ", these)}) are not those of {Path.GetFileName(reference.Path)} ({string.Join(", ", labels)}) in the same order");
            if (!SameStep(ChannelStep(info), channelStep))
                throw new InvalidRequestException("files", string.Create(CultureInfo.InvariantCulture,
                    $"{name}: channel spacing {ChannelStep(info):G9} m, but {against} has {channelStep:G9} m"));
        }

        var origin = existing?.Layout.Coords[1].Origin ?? reference.TimeOrigin;
        var files = scanned.Select(f => new AcquisitionFile(f.Reader, f.Info,
            (long)Math.Round((f.Info.TimeOrigin - origin).Ticks / (timeStep * TimeSpan.TicksPerSecond)))).ToList();
        long first = existing?.Layout.Shape[1] ?? 0;
        if (files[0].Start < 0 && existing is null) throw new InvalidOperationException("the first file must start the axis");

        var gaps = new List<AcquisitionGap>();
        var overlaps = new List<AcquisitionOverlap>();
        long covered = existing is null ? files[0].Start : first;
        string coveredBy = existing is null ? files[0].Name : against;
        foreach (var file in files)
        {
            if (file.Start > covered) gaps.Add(new AcquisitionGap(covered, file.Start - covered, coveredBy, file.Name));
            else if (file.Start < covered)
                overlaps.Add(new AcquisitionOverlap(file.Start, Math.Min(covered, file.End) - file.Start, coveredBy, file.Name));
            if (file.End >= covered) (covered, coveredBy) = (file.End, file.Name);
        }
        return new AcquisitionPlan(files, origin, first, gaps, overlaps);
    }

    /// <summary>
    /// Detects and scans every file (headers only) on all cores: opening thousands of small files is latency, not work.
    /// When several files fail, the first in command-line order is reported, as a sequential scan would.
    /// </summary>
    private static (IDasFormatReader Reader, DasFileInfo Info, int Order)[] ScanAll(IReadOnlyList<string> paths, string? format)
    {
        var scanned = new (IDasFormatReader Reader, DasFileInfo Info, int Order)[paths.Count];
        var failures = new Exception?[paths.Count];
        Parallel.For(0, paths.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, (i, loop) =>
        {
            try
            {
                var reader = format is null ? DasFormats.Detect(paths[i]) : DasFormats.Get(format);
                scanned[i] = (reader, reader.Scan(paths[i]), i);
            }
            catch (Exception e)
            {
                failures[i] = e;
                loop.Break();
            }
        });
        if (failures.FirstOrDefault(f => f is not null) is { } failure) ExceptionDispatchInfo.Throw(failure);
        return scanned;
    }

    /// <summary>
    /// Fills samples [start, start + count) of the joined axis: every file covering part of it, in time order (so the
    /// later file wins an overlap), read straight into the block; NaN where no file does. Only the requested samples
    /// are read from each file, and its header is not parsed again.
    /// </summary>
    public void Fill(long start, int count, float[] destination)
    {
        long channels = Reference.Channels, end = start + count, covered = start;
        void Gap(long from, long to)
        {
            for (long c = 0; c < channels; c++) destination.AsSpan((int)(c * count + from - start), (int)(to - from)).Fill(float.NaN);
        }

        // Files are in start order: a stretch before a file's start that no earlier file reached is a gap.
        foreach (var file in Files)
        {
            long low = Math.Max(start, file.Start), high = Math.Min(end, file.End);
            if (low >= high) continue;
            if (low > covered) Gap(covered, low);
            file.Reader.ReadTimeBlockInto(file.Info, low - file.Start, high - low, destination, count, low - start);
            covered = Math.Max(covered, high);
        }
        if (covered < end) Gap(covered, end);
    }

    /// <summary>Number of files whose last sample lies before <paramref name="sample"/> (for progress).</summary>
    public int FilesBefore(long sample) => Files.Count(f => f.End <= sample);

    public DateTimeOffset TimeOf(long sample) => Origin + TimeSpan.FromTicks((long)Math.Round(sample * TimeStep * TimeSpan.TicksPerSecond));

    /// <summary>The gaps as JSON for the array metadata: start time, seconds, samples, neighbouring files.</summary>
    public string GapsJson(string? previous) => AppendJson(previous, Gaps.Select(g => new Dictionary<string, object>
    {
        ["start"] = TimeOf(g.Start).ToString("O", CultureInfo.InvariantCulture),
        ["seconds"] = g.Count * TimeStep,
        ["samples"] = g.Count,
        ["after"] = g.After,
        ["before"] = g.Before,
    }));

    public string OverlapsJson(string? previous) => AppendJson(previous, Overlaps.Select(o => new Dictionary<string, object>
    {
        ["start"] = TimeOf(o.Start).ToString("O", CultureInfo.InvariantCulture),
        ["seconds"] = o.Count * TimeStep,
        ["samples"] = o.Count,
        ["kept"] = First > o.Start ? o.Earlier : o.Later,
        ["dropped"] = First > o.Start ? o.Later : o.Earlier,
    }));

    private static string AppendJson(string? previous, IEnumerable<Dictionary<string, object>> entries)
    {
        var all = previous is null ? [] : JsonSerializer.Deserialize<List<Dictionary<string, object>>>(previous) ?? [];
        all.AddRange(entries);
        return JsonSerializer.Serialize(all);
    }

    private static double ChannelStep(DasFileInfo info)
    {
        var distance = info.Distance;
        if (distance.IsRegular || distance.Length < 2) return distance.Step;
        return (distance.ValueAt(distance.Length - 1) - distance.ValueAt(0)) / (distance.Length - 1);
    }

    private static bool SameStep(double a, double b) => Math.Abs(a - b) <= SameStepTolerance * Math.Max(Math.Abs(a), Math.Abs(b));
}
