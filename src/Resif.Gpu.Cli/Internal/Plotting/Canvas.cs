namespace Resif.Gpu.Cli.Internal.Plotting;

internal readonly record struct Rgb(byte R, byte G, byte B)
{
    public static readonly Rgb White = new(255, 255, 255), Black = new(0, 0, 0), Grey = new(150, 150, 150);

    public static Rgb Lerp(Rgb a, Rgb b, double t) =>
        new((byte)(a.R + (b.R - a.R) * t), (byte)(a.G + (b.G - a.G) * t), (byte)(a.B + (b.B - a.B) * t));
}

/// <summary>An RGB image to draw plots on (white background), encoded as PNG.</summary>
internal sealed class Canvas
{
    private readonly byte[] _rgb;

    public Canvas(int width, int height)
    {
        Width = width;
        Height = height;
        _rgb = new byte[width * height * 3];
        Array.Fill(_rgb, (byte)255);
    }

    public int Width { get; }

    public int Height { get; }

    public void Set(int x, int y, Rgb colour)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height) return;
        int i = (y * Width + x) * 3;
        (_rgb[i], _rgb[i + 1], _rgb[i + 2]) = (colour.R, colour.G, colour.B);
    }

    public void Fill(int x, int y, int width, int height, Rgb colour)
    {
        for (int row = y; row < y + height; row++)
            for (int column = x; column < x + width; column++) Set(column, row, colour);
    }

    /// <summary>A straight line (Bresenham); dashed lines alternate 6 pixels on, 4 off.</summary>
    public void Line(int x0, int y0, int x1, int y1, Rgb colour, bool dashed = false)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, error = dx + dy;
        for (int step = 0; ; step++)
        {
            if (!dashed || step % 10 < 6) Set(x0, y0, colour);
            if (x0 == x1 && y0 == y1) return;
            int twice = 2 * error;
            if (twice >= dy) { error += dy; x0 += sx; }
            if (twice <= dx) { error += dx; y0 += sy; }
        }
    }

    public void Rectangle(int x, int y, int width, int height, Rgb colour)
    {
        Line(x, y, x + width, y, colour);
        Line(x, y + height, x + width, y + height, colour);
        Line(x, y, x, y + height, colour);
        Line(x + width, y, x + width, y + height, colour);
    }

    /// <summary>Text with its top-left corner at (x, y); <paramref name="align"/> -1 left, 0 centred, 1 right of x.</summary>
    public void Text(int x, int y, string text, Rgb colour, int scale = 1, int align = -1)
    {
        int width = BitmapFont.Width(text, scale);
        x -= align switch { 0 => width / 2, > 0 => width, _ => 0 };
        for (int i = 0; i < text.Length; i++)
        {
            for (int row = 0; row < BitmapFont.GlyphHeight; row++)
            {
                for (int column = 0; column < BitmapFont.GlyphWidth; column++)
                {
                    if (BitmapFont.Ink(text[i], column, row)) Fill(x + (i * BitmapFont.Advance + column) * scale, y + row * scale, scale, scale, colour);
                }
            }
        }
    }

    public byte[] ToPng() => Png.EncodeRgb(Width, Height, _rgb);
}

/// <summary>Colour maps from a value in [0, 1] (sequential) or [-1, 1] (diverging).</summary>
internal static class ColourMaps
{
    // Anchors of a perceptually ordered dark-blue to yellow ramp (the viridis end points and three stops between).
    private static readonly Rgb Gap = new(200, 200, 200);

    private static readonly Rgb[] SequentialStops = [new(68, 1, 84), new(59, 82, 139), new(33, 145, 140), new(94, 201, 98), new(253, 231, 37)];

    /// <summary>Dark blue (0) to yellow (1); NaN (gaps) grey.</summary>
    public static Rgb Sequential(double t)
    {
        if (!double.IsFinite(t)) return Gap;
        t = Math.Clamp(t, 0, 1);
        double position = t * (SequentialStops.Length - 1);
        int i = Math.Min((int)position, SequentialStops.Length - 2);
        return Rgb.Lerp(SequentialStops[i], SequentialStops[i + 1], position - i);
    }

    /// <summary>White at zero, saturating to blue (negative) or red (positive) at ±1; NaN (gaps) grey.</summary>
    public static Rgb Diverging(double t)
    {
        if (!double.IsFinite(t)) return Gap;
        t = Math.Clamp(t, -1, 1);
        return Rgb.Lerp(Rgb.White, t < 0 ? new Rgb(5, 48, 163) : new Rgb(178, 5, 38), Math.Abs(t));
    }
}
