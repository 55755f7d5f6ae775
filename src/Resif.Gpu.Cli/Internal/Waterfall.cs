namespace Resif.Gpu.Cli.Internal;

/// <summary>
/// Waterfall images of [channel, time] data: time runs left to right, channel 0 at the top. Large arrays are binned
/// by keeping the sample of largest magnitude in each cell (so thin wavefronts survive), colours are a diverging
/// blue-white-red map clipped at the 99th percentile of |x|.
/// </summary>
internal static class Waterfall
{
    public const int MaxWidth = 1200, MaxHeight = 800;

    /// <summary>Reads rows [start, start + count) of a [rows, columns] matrix into a C-order span.</summary>
    public delegate void RowReader(long start, int count, Span<float> destination);

    public static byte[] RenderPng(long rows, long columns, RowReader read)
    {
        var (cells, width, height) = Bin(rows, columns, read);
        float clip = Percentile(cells, 0.99);
        var rgb = new byte[width * height * 3];
        for (int i = 0; i < cells.Length; i++) Colour(clip > 0 ? cells[i] / clip : 0, rgb.AsSpan(i * 3, 3));
        return Png.EncodeRgb(width, height, rgb);
    }

    private static (float[] Cells, int Width, int Height) Bin(long rows, long columns, RowReader read)
    {
        int width = (int)Math.Min(columns, MaxWidth), height = (int)Math.Min(rows, MaxHeight);
        var cells = new float[width * height];
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
                var cellRow = cells.AsSpan(y * width, width);
                for (int c = 0; c < row.Length; c++)
                {
                    ref float cell = ref cellRow[(int)(c * (long)width / columns)];
                    if (Math.Abs(row[c]) > Math.Abs(cell)) cell = row[c];
                }
            }
        }
        return (cells, width, height);
    }

    private static float Percentile(float[] values, double fraction)
    {
        var magnitudes = values.Select(MathF.Abs).Where(float.IsFinite).ToArray();
        if (magnitudes.Length == 0) return 0;
        Array.Sort(magnitudes);
        return magnitudes[(int)Math.Min(magnitudes.Length - 1, Math.Floor(fraction * magnitudes.Length))];
    }

    // White at zero, saturating to blue (negative) or red (positive) at ±1.
    private static void Colour(float v, Span<byte> rgb)
    {
        float t = Math.Clamp(float.IsFinite(v) ? v : 0, -1, 1);
        (float r, float g, float b) end = t < 0 ? (0.02f, 0.19f, 0.64f) : (0.70f, 0.02f, 0.15f);
        float a = MathF.Abs(t);
        rgb[0] = (byte)(255 * (1 + a * (end.r - 1)));
        rgb[1] = (byte)(255 * (1 + a * (end.g - 1)));
        rgb[2] = (byte)(255 * (1 + a * (end.b - 1)));
    }
}
