using System.Globalization;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Cli.Internal.Plotting;

/// <summary>One axis of a result: its label and the value of every index (for the image extent and curves).</summary>
internal sealed record PlotAxis(string Label, long Length, Func<long, double> ValueAt)
{
    /// <summary>Extent of an image along this axis: from half a cell before the first value to half after the last.</summary>
    public Range Edges()
    {
        double first = ValueAt(0), last = ValueAt(Length - 1), half = Length > 1 ? (last - first) / (Length - 1) / 2 : 0.5;
        return new Range(Math.Min(first, last) - Math.Abs(half), Math.Max(first, last) + Math.Abs(half));
    }

    public static PlotAxis From(V1.Coordinate c, string? origin = null)
    {
        string units = c.Units.Length > 0 ? $" ({c.Units})" : "";
        string name = c.Dim switch
        {
            "channel" when c.Units == "m" => "distance",
            "ft_distance" => "wavenumber",
            "ft_time" => "frequency",
            _ => c.Dim,
        };
        string after = origin is not null && c.Origin.Length > 0 && DateTimeOffset.TryParse(c.Origin, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? $" after {t.UtcDateTime.ToString(t.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}" : "";
        var values = c.Values;
        return new PlotAxis(name + units + after, c.Length, values.Count > 0 ? i => values[(int)i] : i => c.Start + i * c.Step);
    }
}

/// <summary>
/// Picks the picture that suits a reduction result: an FK spectrum (log amplitude, wavenumber x frequency, velocity
/// lines) for fk output, beam power over slowness and window for beam, stacked curves for STA/LTA (a few channels)
/// and array-beam quantities, and a waterfall (channel/distance x time) for everything else.
/// </summary>
internal static class ResultPlot
{
    /// <summary>Velocities drawn on FK spectra when the caller knows none (m/s).</summary>
    public static readonly double[] DefaultVelocities = [500, 1500, 4000];

    public static byte[] Render(V1.ResultHeader header, long[] shape, float[] values, string title, IReadOnlyList<double>? velocities = null)
    {
        if (shape.Length != 2) throw new Core.InvalidRequestException("plot", $"only 2-D results can be plotted, this one has shape ({string.Join(", ", shape)})");
        var magnitudes = header.Dtype == V1.DataType.Complex64 ? Magnitudes(values) : values;
        string last = header.Provenance.Count > 0 ? header.Provenance[^1].Name : "";
        return (header.Dims[0], last) switch
        {
            ("ft_distance", _) => Fk(header, shape, magnitudes, title, velocities ?? DefaultVelocities),
            ("slowness", _) => Image(header, shape, magnitudes, title + " - beam power", sequential: true),
            ("quantity", _) => Curves(header, shape, magnitudes, title, Enumerable.Range(0, (int)shape[0]).ToArray()),
            (_, "stalta") => Curves(header, shape, magnitudes, title + " - STA/LTA", SpreadRows(shape[0], 4)),
            _ => Image(header, shape, magnitudes, title, sequential: false),
        };
    }

    private static float[] Magnitudes(float[] interleaved)
    {
        var result = new float[interleaved.Length / 2];
        for (int i = 0; i < result.Length; i++) result[i] = MathF.Sqrt(interleaved[2 * i] * interleaved[2 * i] + interleaved[2 * i + 1] * interleaved[2 * i + 1]);
        return result;
    }

    private static int[] SpreadRows(long rows, int count) =>
        Enumerable.Range(0, (int)Math.Min(rows, count)).Select(i => (int)(rows <= count ? i : i * (rows - 1) / (count - 1))).ToArray();

    /// <summary>
    /// rows x columns as an image, time (or the second dim) along x, the first dim down (channel 0 at the top).
    /// Signed data: diverging colours clipped at the 99th percentile of |x|; non-negative data: sequential colours.
    /// </summary>
    private static byte[] Image(V1.ResultHeader header, long[] shape, float[] values, string title, bool sequential)
    {
        var x = PlotAxis.From(header.Coords[1], origin: "");
        var y = PlotAxis.From(header.Coords[0]);
        bool nonNegative = sequential || values.Where(float.IsFinite).DefaultIfEmpty(0).Min() >= 0;
        return Waterfall.Render(shape[0], shape[1], Waterfall.InMemory(values, shape[1]), x, y, title, header.Units, nonNegative,
            rowsDown: header.Dims[0] != "slowness");
    }

    /// <summary>
    /// FK amplitude in dB below its peak (60 dB shown), wavenumber along x and frequency up (f ≥ 0: real input has a
    /// symmetric spectrum), the frequency axis cut above the highest signal standing out of the noise, and lines f = v·|k|.
    /// </summary>
    private static byte[] Fk(V1.ResultHeader header, long[] shape, float[] amplitude, string title, IReadOnlyList<double> velocities)
    {
        int rows = (int)shape[0], columns = (int)shape[1];
        var k = PlotAxis.From(header.Coords[0]);
        var f = PlotAxis.From(header.Coords[1]);
        int zero = Enumerable.Range(0, columns).MinBy(j => Math.Abs(f.ValueAt(j)));
        int top = EnergyLimit(amplitude, rows, columns, zero);
        int shown = top - zero + 1;

        // Wavenumbers shown: up to where the slowest line leaves the frequency range (with room), at most Nyquist.
        double kLimit = Math.Max(Math.Abs(k.ValueAt(0)), Math.Abs(k.ValueAt(rows - 1)));
        if (velocities.Count > 0) kLimit = Math.Min(kLimit, 1.5 * f.ValueAt(top) / velocities.Min(Math.Abs));
        int[] kept = Enumerable.Range(0, rows).Where(c => Math.Abs(k.ValueAt(c)) <= kLimit).ToArray();
        if (kept.Length < 2) kept = Enumerable.Range(0, rows).ToArray();

        float peak = amplitude.Where(float.IsFinite).DefaultIfEmpty(0).Max();
        const double Floor = -60;
        // Image rows run from the highest frequency shown (top) down to 0 Hz; columns are the wavenumbers kept.
        var cells = new float[shown * kept.Length];
        for (int r = 0; r < shown; r++)
            for (int c = 0; c < kept.Length; c++)
            {
                double a = amplitude[(long)kept[c] * columns + (top - r)];
                cells[r * kept.Length + c] = (float)(peak > 0 && a > 0 ? Math.Max(Floor, 20 * Math.Log10(a / peak)) : Floor);
            }

        var kAxis = new PlotAxis(k.Label, kept.Length, i => k.ValueAt(kept[i]));
        var chart = Chart.Single(Math.Clamp(kept.Length, 500, 900), Math.Clamp(shown, 350, 600), kAxis.Edges(),
            new Range(f.ValueAt(zero), f.ValueAt(top)));
        Waterfall.Paint(chart, new Waterfall.Grid(cells, shown, kept.Length), t => ColourMaps.Sequential((t - Floor) / -Floor), rowsDown: true);
        for (int i = 0; i < velocities.Count; i++)
        {
            double v = Math.Abs(velocities[i]);
            // f = v |k|: one line per sign of k, labelled part-way along (each velocity at its own height).
            foreach (int sign in new[] { -1, 1 })
            {
                double kEnd = sign * Math.Min(Math.Abs(sign < 0 ? chart.X.Min : chart.X.Max), chart.Y.Max / v);
                chart.Polyline([(0, 0), (kEnd, v * Math.Abs(kEnd))], Rgb.White, dashed: true);
                double along = 0.55 + 0.3 * i / Math.Max(1, velocities.Count - 1);
                int px = (int)chart.PixelX(kEnd * along), py = (int)chart.PixelY(v * Math.Abs(kEnd) * along);
                chart.Canvas.Text(px + sign * 8, py - 3, string.Create(CultureInfo.InvariantCulture, $"{v:G4} M/S"), Rgb.White, align: -sign);
            }
        }
        chart.Axes(k.Label, f.Label);
        chart.ColourBar(t => ColourMaps.Sequential(t), new Range(Floor, 0), "DB");
        chart.Title(title + " - FK amplitude");
        return chart.Canvas.ToPng();
    }

    /// <summary>
    /// Highest frequency column (from <paramref name="zero"/> up) where some wavenumber stands 15 dB above the typical
    /// column peak (the noise floor: most columns of a DAS spectrum hold only noise), with 50% headroom.
    /// </summary>
    private static int EnergyLimit(float[] amplitude, int rows, int columns, int zero)
    {
        var peaks = new double[columns - zero];
        for (int c = 0; c < rows; c++)
            for (int j = zero; j < columns; j++)
            {
                double a = amplitude[(long)c * columns + j];
                if (double.IsFinite(a)) peaks[j - zero] = Math.Max(peaks[j - zero], a);
            }
        var sorted = peaks.Order().ToArray();
        double threshold = sorted[sorted.Length / 2] * Math.Pow(10, 15 / 20.0);
        int last = Array.FindLastIndex(peaks, p => p > threshold);
        return last < 0 ? columns - 1 : Math.Min(columns - 1, zero + Math.Max(8, (int)(last * 1.5)));
    }

    /// <summary>Selected rows as stacked panels sharing the time axis, each with its own value range and name.</summary>
    private static byte[] Curves(V1.ResultHeader header, long[] shape, float[] values, string title, int[] rows)
    {
        const int PanelHeight = 140, Gap = 26, Width = 900;
        long columns = shape[1];
        var time = PlotAxis.From(header.Coords[1], origin: "");
        var names = PlotAxis.From(header.Coords[0]);
        var labels = header.Coords[0].Labels;
        var canvas = new Canvas(Width + Chart.LeftMargin + Chart.RightMargin, Chart.TopMargin + rows.Length * (PanelHeight + Gap) + Chart.BottomMargin);
        var timeRange = new Range(time.ValueAt(0), time.ValueAt(columns - 1));
        Chart? chart = null;
        for (int p = 0; p < rows.Length; p++)
        {
            var row = values.AsSpan((int)(rows[p] * columns), (int)columns).ToArray();
            var finite = row.Where(float.IsFinite).DefaultIfEmpty(0).ToArray();
            chart = new Chart(canvas, Chart.LeftMargin, Chart.TopMargin + p * (PanelHeight + Gap), Width, PanelHeight, timeRange, new Range(finite.Min(), finite.Max()));
            chart.Polyline(Decimated(row, time, Width * 2), new Rgb(20, 60, 160));
            // Rows are named by their coordinate (a selection renumbers them, so the row index would mislead).
            var rowCoordinate = header.Coords[0];
            string name = labels.Count > rows[p] ? labels[rows[p]].ToUpperInvariant()
                : string.Create(CultureInfo.InvariantCulture, $"{names.Label.Split(' ')[0]} {names.ValueAt(rows[p]):G6} {rowCoordinate.Units}");
            chart.Axes(p == rows.Length - 1 ? time.Label : null, name);
        }
        canvas.Text(canvas.Width / 2, 10, title, Rgb.Black, 2, align: 0);
        return canvas.ToPng();
    }

    /// <summary>At most about <paramref name="points"/> points: min and max of each bucket, so peaks survive.</summary>
    private static IEnumerable<(double X, double Y)> Decimated(float[] row, PlotAxis time, int points)
    {
        int bucket = Math.Max(1, row.Length / Math.Max(1, points / 2));
        for (int start = 0; start < row.Length; start += bucket)
        {
            int end = Math.Min(row.Length, start + bucket), low = start, high = start;
            for (int i = start; i < end; i++)
            {
                if (row[i] < row[low]) low = i;
                if (row[i] > row[high]) high = i;
            }
            foreach (int i in low <= high ? [low, high] : new[] { high, low }) yield return (time.ValueAt(i), row[i]);
        }
    }
}
