namespace Resif.Gpu.Cli.Internal.Plotting;

/// <summary>
/// Waterfall images of [row, column] data (channel x time): time runs left to right, the first row at the top. Large
/// arrays are binned by keeping the sample of largest magnitude in each cell (so thin wavefronts survive); signed data
/// use a diverging blue-white-red map clipped at the 99th percentile of |x|, non-negative data a sequential map.
/// </summary>
internal static class Waterfall
{
    public const int MaxWidth = 1100, MaxHeight = 700;

    /// <summary>Reads rows [start, start + count) of a [rows, columns] matrix into a C-order span.</summary>
    public delegate void RowReader(long start, int count, Span<float> destination);

    /// <summary>Cells of an image, row-major.</summary>
    public sealed record Grid(float[] Cells, int Rows, int Columns);

    public static RowReader InMemory(float[] values, long columns) =>
        (first, count, destination) => values.AsSpan((int)(first * columns), (int)(count * columns)).CopyTo(destination);

    public static byte[] Render(long rows, long columns, RowReader read, PlotAxis x, PlotAxis y, string title, string units, bool nonNegative, bool rowsDown = true)
    {
        var grid = Bin(rows, columns, read);
        var ye = y.Edges();
        var chart = Chart.Single(Math.Clamp(grid.Columns, 600, MaxWidth), Math.Clamp(grid.Rows, 300, MaxHeight), x.Edges(),
            rowsDown ? new Range(ye.Max, ye.Min) : ye);
        Range scale;
        Func<double, Rgb> barMap;
        if (nonNegative)
        {
            scale = new Range(0, Percentile(grid.Cells, 0.995));
            double top = scale.Max > 0 ? scale.Max : 1;
            Paint(chart, grid, v => ColourMaps.Sequential(v / top), rowsDown);
            barMap = ColourMaps.Sequential;
        }
        else
        {
            float clip = Percentile(grid.Cells, 0.99);
            double c = clip > 0 ? clip : 1;
            scale = new Range(-c, c);
            Paint(chart, grid, v => ColourMaps.Diverging(v / c), rowsDown);
            barMap = t => ColourMaps.Diverging(2 * t - 1);
        }
        chart.Axes(x.Label, y.Label);
        chart.ColourBar(barMap, scale, units.Length > 16 ? units[..15] + "~" : units);
        chart.Title(title);
        return chart.Canvas.ToPng();
    }

    /// <summary>Fills the chart's plot area with the grid (nearest cell), row 0 at the top when <paramref name="rowsDown"/>.</summary>
    public static void Paint(Chart chart, Grid grid, Func<double, Rgb> colour, bool rowsDown)
    {
        for (int py = 0; py < chart.Height; py++)
        {
            int r = (int)((long)py * grid.Rows / chart.Height);
            int row = rowsDown ? r : grid.Rows - 1 - r;
            for (int px = 0; px < chart.Width; px++)
            {
                int column = (int)((long)px * grid.Columns / chart.Width);
                chart.Canvas.Set(chart.Left + px, chart.Top + py, colour(grid.Cells[row * grid.Columns + column]));
            }
        }
    }

    private static Grid Bin(long rows, long columns, RowReader read)
    {
        int width = (int)Math.Min(columns, MaxWidth), height = (int)Math.Min(rows, MaxHeight);
        var cells = new float[width * height];
        var seen = new bool[cells.Length];
        // A bounded number of rows is read at a time, so the raw array never has to fit in memory.
        int rowsPerRead = (int)Math.Max(1, Math.Min(rows, (8L << 20) / Math.Max(1, columns)));
        var buffer = new float[rowsPerRead * columns];
        for (long first = 0; first < rows; first += rowsPerRead)
        {
            int count = (int)Math.Min(rowsPerRead, rows - first);
            read(first, count, buffer.AsSpan(0, (int)(count * columns)));
            for (int r = 0; r < count; r++)
            {
                int y = (int)((first + r) * height / rows);
                var row = buffer.AsSpan((int)(r * columns), (int)columns);
                for (int c = 0; c < row.Length; c++)
                {
                    int cell = y * width + (int)(c * (long)width / columns);
                    // NaN (a gap) is kept only when the cell has nothing else.
                    if (!seen[cell] || Math.Abs(row[c]) > Math.Abs(cells[cell]) || float.IsNaN(cells[cell])) cells[cell] = row[c];
                    seen[cell] = true;
                }
            }
        }
        return new Grid(cells, height, width);
    }

    private static float Percentile(float[] values, double fraction)
    {
        var magnitudes = values.Select(MathF.Abs).Where(float.IsFinite).ToArray();
        if (magnitudes.Length == 0) return 0;
        Array.Sort(magnitudes);
        return magnitudes[(int)Math.Min(magnitudes.Length - 1, Math.Floor(fraction * magnitudes.Length))];
    }
}
