using System.Globalization;
using Resif.Gpu.Core;
using Resif.Gpu.Ingest.Internal.MiniSeed;

namespace Resif.Gpu.Ingest.Internal.Readers;

/// <summary>
/// miniSEED 2 with one trace per DAS channel (exported as stations): traces become the rows of one
/// [station, time] array labelled NET.STA.LOC.CHA in file order. All traces must share the sample rate and a
/// sample grid (starts differing by whole samples); the array covers the window common to every trace, so longer
/// traces are cut at its ends ("npts.ID" in metadata keeps each trace's own length). The files carry no fibre
/// distance: the trace index is used. The whole file is decoded for any block (records are small and compressed).
/// </summary>
internal sealed class MiniSeedReader : FormatReader
{
    public override string Format => "MSEED";

    public override bool CanRead(string path, ReadOnlySpan<byte> head) => MiniSeedFile.LooksLikeRecord(head);

    protected override DasFileInfo ScanFile(string path) => Assemble(path, MiniSeedFile.Read(path)).Info;

    protected override float[] ReadSamples(string path, DasFileInfo info, long start, long count)
    {
        var (_, traces, offsets) = Assemble(path, MiniSeedFile.Read(path));
        var result = new float[traces.Count * count];
        for (int c = 0; c < traces.Count; c++)
        {
            for (long t = 0; t < count; t++) result[c * count + t] = (float)traces[c].Samples[offsets[c] + start + t];
        }
        return result;
    }

    private (DasFileInfo Info, List<MiniSeedTrace> Traces, long[] Offsets) Assemble(string path, List<MiniSeedTrace> traces)
    {
        double rate = traces[0].SampleRate;
        if (traces.Any(t => t.SampleRate != rate)) throw new InvalidDataException("traces have different sample rates; one array needs one rate");
        var start = traces.Max(t => t.Start);
        var offsets = new long[traces.Count];
        long common = long.MaxValue;
        for (int c = 0; c < traces.Count; c++)
        {
            double shift = (start - traces[c].Start).TotalSeconds * rate;
            long whole = (long)Math.Round(shift);
            if (Math.Abs(shift - whole) > 0.01) throw new InvalidDataException($"{traces[c].Id} starts {shift - whole:F3} samples off the others' sample grid");
            offsets[c] = whole;
            common = Math.Min(common, traces[c].Samples.LongLength - whole);
        }
        if (common <= 0) throw new InvalidDataException("the traces have no time window in common");

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["encoding"] = traces[0].Encoding,
            ["distance_is_channel_index"] = "true",
        };
        foreach (var t in traces) metadata["npts." + t.Id] = t.Samples.Length.ToString(CultureInfo.InvariantCulture);
        var distance = new Coordinate("distance", "m", traces.Count, 0, 1) { Labels = traces.Select(t => t.Id).ToArray() };
        string dtype = traces[0].Encoding is "steim1" or "steim2" or "int32" ? "int32" : traces[0].Encoding;
        return (Info(path, distance, TimeAxis(common, 1.0 / rate, DasTime.RoundToMicrosecond(start)), dtype, "", metadata), traces, offsets);
    }
}
