using System.Diagnostics;
using System.Globalization;

namespace Resif.Gpu.Cli.Internal;

/// <summary>
/// A one-line progress display on standard error, redrawn with a carriage return: fraction, bytes, rate and ETA.
/// It draws nothing unless standard error is a terminal, so pipes, logs and tests see only the final messages.
/// </summary>
internal sealed class TerminalProgress : IDisposable
{
    private static readonly long RedrawTicks = Stopwatch.Frequency / 10;

    private readonly TextWriter? _terminal;
    private readonly string _label;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw = long.MinValue;
    private int _drawnLength;

    private TerminalProgress(TextWriter? terminal, string label, double totalBytes)
    {
        _terminal = terminal;
        _label = label;
        TotalBytes = totalBytes;
    }

    /// <summary>Total work in bytes, 0 when unknown (a reduction learns it from the result header).</summary>
    public double TotalBytes { get; set; }

    /// <summary>A display for <paramref name="totalBytes"/> of work (0 when unknown), silent when stderr is not a terminal.</summary>
    public static TerminalProgress Start(CliContext context, string label, double totalBytes) =>
        new(context.ErrorIsTerminal ? context.Error : null, label, totalBytes);

    /// <summary>Redraws at most ten times a second; <paramref name="detail"/> is appended (e.g. "file 3/40").</summary>
    public void Report(double doneBytes, string? detail = null)
    {
        if (_terminal is null) return;
        long now = Stopwatch.GetTimestamp();
        if (now - _lastDraw < RedrawTicks && doneBytes < TotalBytes) return;
        _lastDraw = now;
        double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-3), rate = doneBytes / seconds;
        string fraction = TotalBytes > 0 ? string.Create(CultureInfo.InvariantCulture, $"{100 * Math.Min(1, doneBytes / TotalBytes),3:F0}% ") : "";
        string eta = TotalBytes > 0 && rate > 0 && doneBytes < TotalBytes
            ? string.Create(CultureInfo.InvariantCulture, $"  ETA {(TotalBytes - doneBytes) / rate:F0} s") : "";
        string total = TotalBytes > 0 ? $"/{Format.Bytes(TotalBytes)}" : "";
        string line = $"{_label} {fraction}{Format.Bytes(doneBytes)}{total}  {Format.Bytes(rate)}/s{eta}{(detail is null ? "" : "  " + detail)}";
        _terminal.Write("\r" + line.PadRight(_drawnLength));
        _drawnLength = line.Length;
        _terminal.Flush();
    }

    /// <summary>Clears the line so that the command's own summary starts on a clean line.</summary>
    public void Dispose()
    {
        if (_terminal is null || _drawnLength == 0) return;
        _terminal.Write("\r" + new string(' ', _drawnLength) + "\r");
        _terminal.Flush();
    }
}
