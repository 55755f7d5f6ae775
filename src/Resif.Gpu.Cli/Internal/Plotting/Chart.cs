using System.Globalization;

namespace Resif.Gpu.Cli.Internal.Plotting;

/// <summary>A closed interval of data values shown along one axis.</summary>
internal readonly record struct Range(double Min, double Max)
{
    public double Span => Max - Min;

    /// <summary>A range of non-zero width (a constant signal is shown around its value).</summary>
    public Range Widened() => Span != 0 && double.IsFinite(Span) ? this : new Range(Min - 0.5, Min + 0.5);

    /// <summary>The same interval with Min ≤ Max (a range may run downward, e.g. distance growing down the image).</summary>
    public Range Ordered() => Min <= Max ? this : new Range(Max, Min);
}

/// <summary>
/// One plot area on a canvas, with its data ranges: maps data to pixels and draws the frame, ticks with labels, axis
/// labels, a title and a colour bar.
/// </summary>
internal sealed class Chart
{
    public const int LeftMargin = 84, RightMargin = 110, TopMargin = 40, BottomMargin = 48;

    public Chart(Canvas canvas, int left, int top, int width, int height, Range x, Range y)
    {
        Canvas = canvas;
        (Left, Top, Width, Height) = (left, top, width, height);
        (X, Y) = (x.Widened(), y.Widened());
    }

    public Canvas Canvas { get; }

    public int Left { get; }

    public int Top { get; }

    public int Width { get; }

    public int Height { get; }

    public Range X { get; }

    public Range Y { get; }

    /// <summary>A canvas with one chart of the given plot-area size and the standard margins.</summary>
    public static Chart Single(int width, int height, Range x, Range y) =>
        new(new Canvas(width + LeftMargin + RightMargin, height + TopMargin + BottomMargin), LeftMargin, TopMargin, width, height, x, y);

    public double PixelX(double value) => Left + (value - X.Min) / X.Span * (Width - 1);

    /// <summary>Y.Min is at the bottom of the plot area and Y.Max at the top (Y.Min &gt; Y.Max turns the axis downward).</summary>
    public double PixelY(double value) => Top + Height - 1 - (value - Y.Min) / Y.Span * (Height - 1);

    public bool Contains(double px, double py) => px >= Left && px < Left + Width && py >= Top && py < Top + Height;

    public void Title(string text) => Canvas.Text(Canvas.Width / 2, 10, text, Rgb.Black, 2, align: 0);

    /// <summary>Frame, ticks and labels; <paramref name="xLabel"/> null leaves the x tick labels out (stacked panels).</summary>
    public void Axes(string? xLabel, string yLabel)
    {
        Canvas.Rectangle(Left - 1, Top - 1, Width + 1, Height + 1, Rgb.Black);
        foreach (double tick in Ticks(X, Width / 90))
        {
            int px = (int)Math.Round(PixelX(tick));
            Canvas.Line(px, Top + Height, px, Top + Height + 4, Rgb.Black);
            if (xLabel is not null) Canvas.Text(px, Top + Height + 8, Label(tick, X), Rgb.Black, align: 0);
        }
        foreach (double tick in Ticks(Y, Height / 45))
        {
            int py = (int)Math.Round(PixelY(tick));
            Canvas.Line(Left - 5, py, Left - 1, py, Rgb.Black);
            Canvas.Text(Left - 8, py - 3, Label(tick, Y), Rgb.Black, align: 1);
        }
        if (xLabel is not null) Canvas.Text(Left + Width / 2, Top + Height + 24, xLabel, Rgb.Black, 2, align: 0);
        Canvas.Text(Left, Top - 12, yLabel, Rgb.Black, align: -1);
    }

    /// <summary>A vertical colour bar right of the plot, <paramref name="map"/> taking [0, 1] over <paramref name="values"/>.</summary>
    public void ColourBar(Func<double, Rgb> map, Range values, string label)
    {
        int left = Left + Width + 18, width = 16;
        for (int row = 0; row < Height; row++) Canvas.Fill(left, Top + row, width, 1, map(1 - row / (double)(Height - 1)));
        Canvas.Rectangle(left - 1, Top - 1, width + 1, Height + 1, Rgb.Black);
        var bar = new Chart(Canvas, left, Top, width, Height, new Range(0, 1), values);
        foreach (double tick in Ticks(bar.Y, Height / 45))
        {
            int py = (int)Math.Round(bar.PixelY(tick));
            Canvas.Line(left + width, py, left + width + 3, py, Rgb.Black);
            Canvas.Text(left + width + 6, py - 3, Label(tick, bar.Y), Rgb.Black);
        }
        Canvas.Text(left - 4, Top - 12, label, Rgb.Black);
    }

    /// <summary>Draws a polyline through (x, y) points, clipped to the plot area; NaN breaks the line.</summary>
    public void Polyline(IEnumerable<(double X, double Y)> points, Rgb colour, bool dashed = false)
    {
        (int X, int Y)? previous = null;
        foreach (var (x, y) in points)
        {
            if (!double.IsFinite(x) || !double.IsFinite(y)) { previous = null; continue; }
            var current = ((int)Math.Round(PixelX(x)), (int)Math.Round(Math.Clamp(PixelY(y), Top, Top + Height - 1)));
            if (previous is { } p) Canvas.Line(p.X, p.Y, current.Item1, current.Item2, colour, dashed);
            previous = current;
        }
    }

    /// <summary>"Nice" tick values (1, 2 or 5 times a power of ten apart), about <paramref name="count"/> of them.</summary>
    public static IReadOnlyList<double> Ticks(Range range, int count)
    {
        count = Math.Max(2, count);
        range = range.Ordered();
        double raw = range.Span / count, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = magnitude * (raw / magnitude < 1.5 ? 1 : raw / magnitude < 3.5 ? 2 : raw / magnitude < 7.5 ? 5 : 10);
        var ticks = new List<double>();
        for (double v = Math.Ceiling(range.Min / step) * step; v <= range.Max + step * 1e-9; v += step) ticks.Add(Math.Abs(v) < step * 1e-9 ? 0 : v);
        return ticks;
    }

    private static string Label(double value, Range range)
    {
        double magnitude = Math.Max(Math.Abs(range.Min), Math.Abs(range.Max));
        return magnitude is >= 1e5 or (< 1e-3 and > 0)
            ? value.ToString("0.##E+0", CultureInfo.InvariantCulture)
            : value.ToString("G4", CultureInfo.InvariantCulture);
    }
}
